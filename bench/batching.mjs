// bench/run's measurement of batched execute, in real Triton (the nvidia-pytriton wheel's build, from the
// test venv: scripts/test-venv.mjs, scripts/tritonserver.mjs). Two generated blank models with dynamic
// batching and the same compute(), a product with a fixed 4096 x 4096 float64 weight, whose cost is mostly
// per call (the 128 MB weight streams from memory once per product, whether it multiplies one row or eight): `batched`, as generated (the requests Triton hands execute() together go through compute()
// at once), and `per_request`, the same model with execute() calling compute() once per request, as
// the templates did before. 8 clients send requests of one row each, as fast as they are answered;
// tensors travel as binary data (JSON would cost more than the product); the two models take turns, round
// after round, so that a busy machine slows both alike.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureTestVenv } from '../scripts/test-venv.mjs';
import { tritonArgs, tritonLayout } from '../scripts/tritonserver.mjs';

const CLIENTS = 8;
const WIDTH = 4096;
const MAX_BATCH_SIZE = 8;
const SECONDS_PER_TURN = 3;
/** Long enough for the batcher to gather every waiting client, short beside a product. */
const QUEUE_DELAY_US = 20_000;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

const PLACEHOLDER = `        # TODO: replace these placeholders with your model's outputs.
        return {
            "y": np.zeros((batch_size, ${WIDTH}), dtype=np.float32),
        }
`;
const COMPUTE = `        # A product with a fixed weight: about as long for a batch of rows as for one (the weight is read once).
        return {"y": inputs["x"] @ WEIGHT}
`;
const WEIGHT = `\n# The bench's fixed weight.\nWEIGHT = np.random.default_rng(0).standard_normal((${WIDTH}, ${WIDTH}))\n\n\nclass TritonPythonModel:`;
const ONE_CALL_PER_REQUEST = `

class TritonPythonModel(TritonPythonModel):  # noqa: F811
    """The same model computing each request on its own, one compute() per request, as before batching."""

    def execute(self, requests: list[pb_utils.InferenceRequest]) -> list[pb_utils.InferenceResponse]:
        responses = []
        for request in requests:
            responses.extend(super().execute([request]))
        return responses
`;

/** A generated blank model computing `inputs["x"] @ WEIGHT`, in `repository`; `oneCallPerRequest` makes the other variant. */
function generate(bin, work, repository, name, oneCallPerRequest) {
  const project = path.join(work, `batching-${name}`);
  const args = [bin, project, '--template', 'blank', '--name', name, '--input', `x:FP32:${WIDTH}`, '--output', `y:FP32:${WIDTH}`];
  args.push('--max-batch-size', String(MAX_BATCH_SIZE), '--dynamic-batching', '--max-queue-delay-us', String(QUEUE_DELAY_US), '--yes');
  const created = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, CI: '', NO_COLOR: '1' }, timeout: 60_000 });
  if (created.status !== 0) throw new Error(`generating ${name} failed: ${created.stderr}`);
  const file = path.join(project, 'models', name, '1', 'model.py');
  const source = fs.readFileSync(file, 'utf8');
  if (!source.includes(PLACEHOLDER)) throw new Error(`${file}: the blank template's placeholder changed; update bench/batching.mjs`);
  let edited = source.replace(PLACEHOLDER, COMPUTE).replace('\n\nclass TritonPythonModel:', WEIGHT);
  if (oneCallPerRequest) edited += ONE_CALL_PER_REQUEST;
  fs.writeFileSync(file, edited);
  fs.cpSync(path.join(project, 'models', name), path.join(repository, name), { recursive: true });
}

/** A TCP port free on 127.0.0.1 right now (bench/run uses it too). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address(); // null once closed
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** tritonserver on free loopback ports, in a process group of its own; resolves once every model is ready. */
async function startTriton(repository, work) {
  const { binary, env } = tritonLayout();
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const args = tritonArgs({ repositories: [repository], ports: { http, grpc, metrics }, shmPrefix: `ctmbench${process.pid}x` });
  const log = fs.openSync(path.join(work, 'triton.log'), 'w');
  // One BLAS thread: the compute takes the same CPU whichever variant runs, on a machine of any size.
  const child = spawn(binary, args, { env: { ...process.env, ...env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }, stdio: ['ignore', log, log], detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${http}`;
  const server = {
    url,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      if ((await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])) === false) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
    },
  };
  process.on('exit', () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200) return server;
    } catch {}
    await sleep(200);
  }
  await server.stop();
  throw new Error(`Triton did not become ready: see ${path.join(work, 'triton.log')}\n${fs.readFileSync(path.join(work, 'triton.log'), 'utf8').slice(-2_000)}`);
}

/** Requests answered per second by `model` with CLIENTS clients sending one-row requests back to back for `seconds`. */
async function throughput(url, model, seconds) {
  const deadline = performance.now() + seconds * 1000;
  let answered = 0;
  const client = async (index) => {
    // Triton's binary tensor data extension: a JSON header, then the tensor's bytes.
    const data = Buffer.from(Float32Array.from({ length: WIDTH }, (_, i) => ((i + index) % 7) / 7).buffer);
    const header = Buffer.from(
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, WIDTH], parameters: { binary_data_size: data.length } }], outputs: [{ name: 'y', parameters: { binary_data: true } }] }),
    );
    const body = Buffer.concat([header, data]);
    const headers = { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) };
    while (performance.now() < deadline) {
      const response = await fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', body, headers, signal: AbortSignal.timeout(60_000) });
      const answer = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200) throw new Error(`${model}: ${response.status} ${answer.toString('utf8', 0, 300)}`);
      const headerLength = Number(response.headers.get('inference-header-content-length'));
      if (answer.length - headerLength !== WIDTH * 4) throw new Error(`${model}: ${answer.length - headerLength} bytes of output, not ${WIDTH * 4}`);
      answered += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
  return answered / ((performance.now() - started) / 1000);
}

async function statistics(url, model) {
  const body = await (await fetch(`${url}/v2/models/${model}/stats`)).json();
  const { inference_count: inferences, execution_count: executions } = body.model_stats[0];
  return { inferences, executions };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The measurement: throughput of each variant (median of `rounds` turns), their ratio, and how many
 * requests the batched model's execute() got per call on average.
 */
export async function measureBatching({ bin, work, rounds }) {
  ensureTestVenv();
  const repository = path.join(work, 'batching-models');
  fs.mkdirSync(repository, { recursive: true });
  generate(bin, work, repository, 'batched', false);
  generate(bin, work, repository, 'per_request', true);
  const triton = await startTriton(repository, work);
  try {
    // Warm up both (first requests load numpy's code paths and the weight into the caches).
    await throughput(triton.url, 'batched', 1);
    await throughput(triton.url, 'per_request', 1);
    const before = await statistics(triton.url, 'batched');
    const samples = { batched: [], per_request: [] };
    for (let round = 0; round < rounds; round++) {
      for (const model of ['batched', 'per_request']) samples[model].push(await throughput(triton.url, model, SECONDS_PER_TURN));
    }
    const after = await statistics(triton.url, 'batched');
    const batchedRps = median(samples.batched);
    const perRequestRps = median(samples.per_request);
    return {
      clients: CLIENTS,
      compute: `x[rows, ${WIDTH}] @ W[${WIDTH}, ${WIDTH}], float64`,
      maxBatchSize: MAX_BATCH_SIZE,
      secondsPerTurn: SECONDS_PER_TURN,
      rounds,
      batchedRps,
      perRequestRps,
      ratio: batchedRps / perRequestRps,
      requestsPerExecute: (after.inferences - before.inferences) / Math.max(1, after.executions - before.executions),
    };
  } finally {
    await triton.stop();
  }
}
