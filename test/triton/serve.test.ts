/**
 * serve against Triton, request by request: one model repository served by `serve` and by real
 * Triton 2.51.0, the request corpus of test/triton/serve-corpus.ts sent to both, and the answers
 * compared: status code, JSON body (error messages included) and output bytes. The suite prints the
 * agreement table; the requests where they still differ are listed below with the reason, and the
 * README repeats them.
 */

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, TORCH } from '../helpers/cli.js';
import { killAllServers, startServe, type Served } from '../helpers/serve.js';
import { writeAuto, writeBroken, writeCaller, writeCoded, writeCounterStream, writeEcho, writeFp, writeModel, echoSource } from '../helpers/serve-models.js';
import { showLogOnFailure, startTriton, type TritonServer } from '../helpers/triton.js';
import { replaceCompute } from '../helpers/triton-projects.js';
import { buildCorpus, typesUnderTest, type CorpusRequest } from './serve-corpus.js';

/** Requests where serve and Triton still answer differently, and why. Each must still differ. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'GET /v2':
    "server metadata names the server: Triton's version (2.51.0) and every extension it has (statistics, shared memory, tracing, ...); serve's own version and the extensions it implements",
};

interface Answer {
  status: number;
  /** The JSON part, parsed (NaN and ±Infinity as Triton writes them), or the raw text when it is not JSON. */
  json?: unknown;
  text?: string;
  /** The binary part after the JSON header (binary tensor extension), hex. */
  binary?: string;
}

let root: string;
let repository: string;
let serve: Served;
let triton: TritonServer;
const answers = new Map<string, { serve: Answer; triton: Answer }>();
const MODELS = ['types', 'types_b', 'echo', 'fp', 'coded', 'params', 'caller', 'broken', 'auto', 'dec3', 'versions', 'labeled', 'text'];

showLogOnFailure(() => triton);

/** JSON as Triton writes it, which may hold bare NaN, Infinity and -Infinity. */
function parseLenient(text: string): unknown {
  return JSON.parse(text.replace(/(?<=[[,:]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '"$1"'));
}

function send(baseUrl: string, request: CorpusRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(`${baseUrl}${request.path}`, { method: request.method, headers: { connection: 'close', ...request.headers }, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        const headerLength = Number(incoming.headers['inference-header-content-length'] ?? body.length);
        const text = body.subarray(0, headerLength).toString();
        const answer: Answer = { status: incoming.statusCode ?? 0 };
        try {
          answer.json = text === '' ? undefined : parseLenient(text);
        } catch {
          answer.text = text;
        }
        if (headerLength < body.length) answer.binary = body.subarray(headerLength).toString('hex');
        resolve(answer);
      });
    });
    outgoing.setTimeout(60_000, () => outgoing.destroy(new Error(`${request.id}: no answer in 60 s`)));
    // A server that drops the connection answers that: a difference to see, not the end of the run.
    outgoing.on('error', (error) => resolve({ status: 0, text: `no answer: ${error.message}` }));
    outgoing.end(request.body ?? Buffer.alloc(0));
  });
}

/**
 * generate_stream answers as server-sent events: compare the events, not the byte layout. The list
 * of input names in Triton's "Got input(s) [...]" comes from a hash map (the core's
 * std::unordered_map of the request's inputs), an order with no meaning that serve does not copy: it
 * lists the names as the request sent them, so both lists are compared sorted.
 */
function normalise(request: CorpusRequest, answer: Answer): Answer {
  const error = (answer.json as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string' && error.includes('Got input(s) [')) {
    const sorted = error.replace(/Got input\(s\) \[([^\]]*)\]/, (_, names: string) => `Got input(s) [${names.split(',').sort().join(',')}]`);
    return { ...answer, json: { ...(answer.json as object), error: sorted } };
  }
  if (!request.path.endsWith('/generate_stream') || answer.text === undefined) return answer;
  return { status: answer.status, json: answer.text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => parseLenient(line.slice(6))) };
}

async function buildRepository(): Promise<void> {
  const types = typesUnderTest(TORCH);
  const tensorFlags = types.flatMap((t) => ['--input', `${t.input}:${t.name}:-1`, '--output', `${t.output}:${t.name}:-1`]);
  for (const [name, extra] of [
    ['types', []],
    ['types_b', ['--max-batch-size', '8']],
  ] as const) {
    const result = await runCli([`project_${name}`, '--template', 'blank', '--name', name, ...tensorFlags, ...extra, '--yes'], { cwd: root });
    if (result.exitCode !== 0) throw new Error(result.stderr);
    const modelDir = path.join(root, `project_${name}`, 'models', name);
    const file = path.join(modelDir, '1', 'model.py');
    fs.writeFileSync(file, replaceCompute(fs.readFileSync(file, 'utf8'), ['return {"out_" + name[len("in_"):]: value for name, value in inputs.items()}']));
    // The model loads its assets relative to its folder: keep the project's layout beside the repository.
    fs.cpSync(modelDir, path.join(repository, name), { recursive: true });
  }
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeEcho(repository);
  writeFp(repository);
  writeCoded(repository);
  writeCaller(repository);
  writeBroken(repository);
  writeAuto(repository);
  writeCounterStream(repository);
  writeModel(
    repository,
    'versions',
    `max_batch_size: 0\nversion_policy { all { } }\ninput [ { name: "x" data_type: TYPE_INT32 dims: [ -1 ] } ]\noutput [ { name: "y" data_type: TYPE_INT32 dims: [ -1 ] } ]\nparameters: { key: "finalize_marker" value: { string_value: "" } }\n`,
    echoSource(1),
  );
  // The parameters a request carried, as the model sees them, in an output (InferenceResponse parameters came after 24.10).
  writeModel(
    repository,
    'params',
    `max_batch_size: 0\ninput [ { name: "x" data_type: TYPE_INT32 dims: [ -1 ] } ]\noutput [ { name: "seen" data_type: TYPE_STRING dims: [ 1 ] } ]\n`,
    `import json

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        return [
            pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("seen", np.array([json.dumps(json.loads(r.parameters()), sort_keys=True).encode()], dtype=np.object_))])
            for r in requests
        ]
`,
  );
  // Labels for the classification extension: the third class has none.
  writeModel(
    repository,
    'labeled',
    `max_batch_size: 4\ninput [ { name: "x" data_type: TYPE_FP32 dims: [ 3 ] } ]\noutput [ { name: "y" data_type: TYPE_FP32 dims: [ 3 ] label_filename: "labels.txt" } ]\n`,
    'import triton_python_backend_utils as pb_utils\n\n\nclass TritonPythonModel:\n    def execute(self, requests):\n        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", pb_utils.get_input_tensor_by_name(r, "x").as_numpy())]) for r in requests]\n',
  );
  fs.writeFileSync(path.join(repository, 'labeled', 'labels.txt'), 'cat\ndog\n');
  writeModel(
    repository,
    'text',
    `max_batch_size: 0\ninput [ { name: "s" data_type: TYPE_STRING dims: [ 1 ] } ]\noutput [ { name: "s_out" data_type: TYPE_STRING dims: [ 1 ] } ]\n`,
    'import triton_python_backend_utils as pb_utils\n\n\nclass TritonPythonModel:\n    def execute(self, requests):\n        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("s_out", pb_utils.get_input_tensor_by_name(r, "s").as_numpy())]) for r in requests]\n',
  );
  fs.mkdirSync(path.join(repository, 'versions', '2'));
  fs.writeFileSync(path.join(repository, 'versions', '2', 'model.py'), echoSource(2));
}

beforeAll(async () => {
  root = makeTempDir('ctm-triton-serve-');
  repository = path.join(root, 'models');
  fs.mkdirSync(repository);
  await buildRepository();
  // Triton refuses to start when a model fails to load unless told to go on, as serve does.
  triton = await startTriton({ repositories: [repository], args: ['--exit-on-error=false', '--strict-model-config=false'] });
  await triton.waitForLog(/successfully loaded 'types_b'/, 120_000);
  serve = await startServe([repository], { cwd: root });
  await serve.waitFor(/listening on/, 120_000);
  // Both have tried every model: each model is ready, or has failed, on both sides.
  for (const model of MODELS) await waitForState(model);
  for (const request of buildCorpus({ torch: TORCH, models: MODELS })) {
    answers.set(request.id, { serve: normalise(request, await send(serve.url, request)), triton: normalise(request, await send(triton.httpUrl, request)) });
  }
}, 600_000);

async function waitForState(model: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  const settled = async (base: string) => {
    const { json } = await send(base, { id: 'index', kind: '', method: 'POST', path: '/v2/repository/index', body: Buffer.from('{}') });
    const entry = (json as { name: string; state?: string }[] | undefined)?.find((e) => e.name === model);
    return entry?.state === 'READY' || entry?.state === 'UNAVAILABLE';
  };
  while (Date.now() < deadline) {
    if ((await settled(serve.url)) && (await settled(triton.httpUrl))) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${model} never settled on both servers`);
}

afterAll(async () => {
  await serve?.stop();
  await triton?.stop();
  killAllServers();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('serve and Triton, the same requests', () => {
  it('the corpus is worth comparing: at least 200 requests, answered with successes and errors on both', () => {
    const all = [...answers.values()];
    expect(all.length).toBeGreaterThanOrEqual(200);
    expect(all.filter((a) => a.triton.status === 200).length).toBeGreaterThan(50);
    expect(all.filter((a) => a.triton.status >= 400).length).toBeGreaterThan(50);
  });

  it('answer alike on every request but the documented ones (the table is printed)', () => {
    const corpus = buildCorpus({ torch: TORCH, models: MODELS });
    const byKind = new Map<string, { requests: number; agree: number }>();
    const differences: string[] = [];
    for (const request of corpus) {
      const { serve: ours, triton: theirs } = answers.get(request.id)!;
      const agree = JSON.stringify(ours) === JSON.stringify(theirs);
      const entry = byKind.get(request.kind) ?? { requests: 0, agree: 0 };
      entry.requests++;
      if (agree) entry.agree++;
      byKind.set(request.kind, entry);
      if (!agree && !(request.id in KNOWN_DIFFERENCES)) differences.push(`${request.id}\n    serve:  ${JSON.stringify(ours).slice(0, 400)}\n    Triton: ${JSON.stringify(theirs).slice(0, 400)}`);
    }
    const agreeing = [...byKind.values()].reduce((sum, e) => sum + e.agree, 0);
    process.stdout.write(
      [
        `serve vs Triton 2.51.0: ${corpus.length} requests, ${agreeing} answered alike (${((100 * agreeing) / corpus.length).toFixed(1)}%)`,
        ...[...byKind].map(([kind, { requests, agree }]) => `  ${kind.padEnd(20)} ${String(requests).padStart(3)} requests  ${agree === requests ? 'all alike' : `${requests - agree} differ`}`),
      ].join('\n') + '\n',
    );
    const fixed = Object.keys(KNOWN_DIFFERENCES).filter((id) => {
      const pair = answers.get(id);
      return pair && JSON.stringify(pair.serve) === JSON.stringify(pair.triton);
    });
    expect(differences).toEqual([]);
    expect(fixed, 'documented differences that no longer differ').toEqual([]);
  });
});
