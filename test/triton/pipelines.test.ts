/**
 * Pipelines in real Triton (2.51.0, the nvidia-pytriton wheel's build): requests computed together
 * under dynamic batching, an ensemble whose steps transform the data, a BLS caller whose target
 * fails on some requests, and broken variants of both, which validate must judge as Triton does.
 * The generated projects are edited as a user would (each step, the target, the caller's finish()),
 * so that every answer proves the data went through every model. `serve` runs the same projects
 * and must answer as Triton does.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { startServe, type Served } from '../helpers/serve.js';
import { compareThreeWays, replaceCompute, type CompareCase } from '../helpers/triton-projects.js';
import { showLogOnFailure, startTriton, type TritonServer } from '../helpers/triton.js';

let root: string;
let triton: TritonServer;
const projectDir = (id: string) => path.join(root, id);
const modelFile = (project: string, model: string) => path.join(projectDir(project), 'models', model, '1', 'model.py');

function edit(project: string, model: string, lines: string[], todo?: string): void {
  const file = modelFile(project, model);
  fs.writeFileSync(file, replaceCompute(fs.readFileSync(file, 'utf8'), lines, todo));
}

async function create(args: string[], cwd = root): Promise<void> {
  const result = await runCli(args, { cwd });
  if (result.exitCode !== 0) throw new Error(`create-triton-model ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
}

/** A copy of models/<model> as models/<name> (config name changed), its config and model.py edited by `change`. */
function variant(project: string, model: string, name: string, change: { config?: (text: string) => string; code?: (text: string) => string }): void {
  const from = path.join(projectDir(project), 'models', model);
  const to = path.join(projectDir(project), 'models', name);
  fs.cpSync(from, to, { recursive: true });
  const config = path.join(to, 'config.pbtxt');
  const renamed = fs.readFileSync(config, 'utf8').replace(`name: "${model}"`, `name: "${name}"`);
  fs.writeFileSync(config, change.config ? change.config(renamed) : renamed);
  const code = path.join(to, '1', 'model.py');
  if (change.code && fs.existsSync(code)) fs.writeFileSync(code, change.code(fs.readFileSync(code, 'utf8')));
}

/** Broken ensembles and BLS callers, next to the good ones they are copied from, with what Triton and validate both say about each. */
const BROKEN_ENSEMBLES = [
  { name: 'broken_missing', change: (text: string) => text.replace('model_name: "broken_preprocess"', 'model_name: "nope"'), says: 'ensemble broken_missing contains models that are not available or ambiguous: nope' },
  { name: 'broken_badname', change: (text: string) => text.replace('key: "raw"', 'key: "rawx"'), says: 'in ensemble broken_badname, ensemble tensor raw is mapping to non-existing input rawx in model broken_preprocess' },
  {
    name: 'broken_badtype',
    change: (text: string) => text.replace('data_type: TYPE_FP32', 'data_type: TYPE_INT32'),
    says: 'in ensemble broken_badtype, ensemble tensor raw: inconsistent data type: TYPE_INT32 is inferred from model broken_badtype while TYPE_FP32 is inferred from model broken_preprocess',
  },
];
const BROKEN_CALLERS = [
  { name: 'calls_nope', change: (code: string) => code.replace('TARGET_MODEL = "calls_model"', 'TARGET_MODEL = "nope"'), says: "Failed for execute the inference request. Model 'nope' is not ready." },
  { name: 'calls_badname', change: (code: string) => code.replace('pb_utils.Tensor("features"', 'pb_utils.Tensor("feature"'), says: "unexpected inference input 'feature' for model 'calls_model'" },
  { name: 'calls_badtype', change: (code: string) => code.replace('dtype=np.float32)),', 'dtype=np.int32)),'), says: "inference input 'features' data-type is 'INT32'" },
];

showLogOnFailure(() => triton);

beforeAll(async () => {
  root = makeTempDir('ctm-pipelines-');
  // An ensemble whose steps each transform the data: text -> its length -> doubled -> a label.
  await create(['words', '--template', 'ensemble', '--name', 'words', '--input', 'text:STRING:1', '--model-input', 'length:INT64:1', '--model-output', 'doubled:FP32:1', '--output', 'label:STRING:1', '--max-batch-size', '4', '--dynamic-batching', '--yes']);
  edit('words', 'words_preprocess', [
    'lengths = []',
    'for row in inputs["text"]:',
    '    if not row[0]:',
    '        raise InvalidRequestError("text must not be empty")',
    '    lengths.append([len(row[0].decode("utf-8"))])',
    'return {"length": np.array(lengths, dtype=np.int64)}',
  ]);
  edit('words', 'words_model', ['return {"doubled": inputs["length"].astype(np.float32) * 2}']);
  edit('words', 'words_postprocess', ['return {"label": np.array([[f"{int(value)} halves".encode()] for value in inputs["doubled"][:, 0]], dtype=np.object_)}']);
  // A BLS caller whose target refuses x = 1 (the client's fault) and fails on x = 2 (a bug); the caller multiplies the answer by 10.
  await create(['relay', '--template', 'bls', '--name', 'relay', '--input', 'x:INT32:1', '--output', 'y:INT32:1', '--model-input', 'x:INT32:1', '--model-output', 'y:INT32:1', '--yes']);
  edit('relay', 'relay_model', ['if inputs["x"][0] == 1:', '    raise InvalidRequestError("x must not be 1")', 'if inputs["x"][0] == 2:', '    raise RuntimeError("model bug for x = 2")', 'return {"y": inputs["x"] + 1}']);
  edit('relay', 'relay', ['return {"y": answer["y"] * 10}'], 'your postprocessing');
  // A batched model telling each client how many rows were computed with its own.
  await create(['counted', '--template', 'blank', '--name', 'counted', '--input', 'x:FP32:4', '--output', 'y:FP32:4', '--output', 'together:INT32:1', '--max-batch-size', '8', '--dynamic-batching', '--max-queue-delay-us', '300000', '--yes']);
  edit('counted', 'counted', ['return {"y": inputs["x"] * 2, "together": np.full((len(inputs["x"]), 1), len(inputs["x"]), dtype=np.int32)}']);
  // A project with an ensemble and, added to it, a BLS pipeline; then broken copies of both.
  await create(['broken', '--template', 'ensemble', '--name', 'broken', '--yes']);
  await create(['add-model', 'broken', '--template', 'bls', '--name', 'calls', '--yes']);
  for (const broken of BROKEN_ENSEMBLES) variant('broken', 'broken', broken.name, { config: broken.change });
  for (const broken of BROKEN_CALLERS) variant('broken', 'calls', broken.name, { code: broken.change });

  triton = await startTriton({ repositories: ['words', 'relay', 'counted', 'broken'].map((id) => path.join(projectDir(id), 'models')), modelControl: 'explicit', timeoutMs: 240_000 });
  // Explicit model control: an ensemble brings its steps, a BLS target is loaded by itself.
  for (const model of ['words', 'relay', 'relay_model', 'counted', 'broken', 'calls', 'calls_model', ...BROKEN_CALLERS.map((b) => b.name)]) {
    const loaded = await triton.loadModel(model);
    if (loaded.status !== 200) throw new Error(`Triton did not load ${model}: ${loaded.body}`);
  }
}, 400_000);

afterAll(async () => {
  await triton?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const compare = (project: string, model: string, cases: CompareCase[]) => compareThreeWays(triton, projectDir(project), model, cases);
const hexOf = (text: string) => Buffer.from(text, 'utf8').toString('hex');

interface InferAnswer {
  outputs?: { name: string; datatype: string; shape: number[]; data: unknown[] }[];
  error?: string;
}
const infer = async (url: string, model: string, inputs: unknown[]) => {
  const response = await fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', body: JSON.stringify({ inputs }), signal: AbortSignal.timeout(60_000) });
  return { status: response.status, body: (await response.json()) as InferAnswer };
};

describe('dynamic batching', () => {
  it('hands execute() several requests at once: compute() runs once for them, and each client gets its own rows back', async () => {
    const stats = async () => {
      const body = JSON.parse((await triton.get('/v2/models/counted/stats')).body) as { model_stats: { inference_count: number; execution_count: number }[] };
      return body.model_stats[0]!;
    };
    const before = await stats();
    const clients = Array.from({ length: 8 }, (_, i) => [i, i + 0.25, i + 0.5, i + 0.75]);
    const answers = await Promise.all(clients.map((x) => infer(triton.httpUrl, 'counted', [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }])));
    const after = await stats();
    answers.forEach((answer, i) => {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const y = answer.body.outputs!.find((o) => o.name === 'y')!;
      expect(y.shape).toEqual([1, 4]);
      expect(y.data, `client ${i} gets its own rows`).toEqual(clients[i]!.map((v) => v * 2));
    });
    const together = answers.map((answer) => answer.body.outputs!.find((o) => o.name === 'together')!.data[0] as number);
    expect(Math.max(...together), `rows computed together, per client: ${together}`).toBeGreaterThan(1);
    expect(after.inference_count - before.inference_count).toBe(8);
    expect(after.execution_count - before.execution_count, 'executions for 8 requests').toBeLessThan(8);
  });
});

describe('an ensemble', () => {
  it('runs its three steps in order, in the fake as in Triton over HTTP and gRPC, and a step failing on a request answers with its error and code', async () => {
    const [ok, empty] = await compare('words', 'words', [
      { id: 'two texts', batch_size: 2 },
      { id: 'empty text', batch_size: 1, values: { text: [''] } },
    ]);
    // "hello": 5 letters -> 10 -> "10 halves", through the three steps.
    expect(ok!.fake).toEqual([{ outputs: { label: { datatype: 'BYTES', shape: [2, 1], data: [hexOf('10 halves'), hexOf('10 halves')] } } }]);
    expect(ok!.http).toEqual(ok!.fake);
    expect(ok!.grpc).toEqual(ok!.fake);
    expect(empty!.fake).toEqual([{ error: "in ensemble 'words', text must not be empty", code: 'INVALID_ARG' }]);
    expect(empty!.http).toEqual(empty!.fake);
    expect(empty!.grpc).toEqual(empty!.fake);
  });
});

describe('a BLS caller', () => {
  it("answers through the model it calls, and passes that model's error on with its message (Triton 2.51.0 turns its code into INTERNAL)", async () => {
    const [ok, refused, bug] = await compare('relay', 'relay', [
      { id: 'x=5', batch_size: null, values: { x: [5] } },
      { id: 'x=1', batch_size: null, values: { x: [1] } },
      { id: 'x=2', batch_size: null, values: { x: [2] } },
    ]);
    // (5 + 1) * 10: the target's answer, then the caller's finish().
    expect(ok!.fake).toEqual([{ outputs: { y: { datatype: 'INT32', shape: [1], data: Buffer.from(Int32Array.of(60).buffer).toString('hex') } } }]);
    expect(ok!.http).toEqual(ok!.fake);
    expect(ok!.grpc).toEqual(ok!.fake);
    // The fake keeps the called model's code, as Triton does from 25.04 on (python_backend passes
    // the BLS response's error code since then); 2.51.0 hands the caller every error as INTERNAL.
    expect(refused!.fake).toEqual([{ error: 'x must not be 1', code: 'INVALID_ARG' }]);
    expect(refused!.http).toEqual([{ error: 'x must not be 1', code: 'INTERNAL' }]);
    expect(refused!.grpc).toEqual(refused!.http);
    expect(bug!.fake).toEqual([{ error: 'RuntimeError: model bug for x = 2', code: 'INTERNAL' }]);
    expect(bug!.http).toEqual(bug!.fake);
    expect(bug!.grpc).toEqual(bug!.fake);
  });
});

describe('serve', () => {
  let served: Served[] = [];
  afterAll(async () => {
    await Promise.all(served.map((server) => server.stop()));
    served = [];
  });

  it('runs the ensemble and the BLS caller too, and answers as Triton does', async () => {
    const requests = [
      { project: 'words', model: 'words', inputs: [{ name: 'text', datatype: 'BYTES', shape: [2, 1], data: ['hello', 'pipeline'] }] },
      { project: 'words', model: 'words', inputs: [{ name: 'text', datatype: 'BYTES', shape: [1, 1], data: [''] }] },
      { project: 'relay', model: 'relay', inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: [5] }] },
      { project: 'relay', model: 'relay', inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: [2] }] },
    ];
    for (const project of ['words', 'relay']) {
      const server = await startServe([project], { cwd: root });
      served.push(server);
      await server.waitFor(/listening on/, 60_000);
      for (const request of requests.filter((r) => r.project === project)) {
        const fromServe = await infer(server.url, request.model, request.inputs);
        const fromTriton = await infer(triton.httpUrl, request.model, request.inputs);
        const where = `${request.model} ${JSON.stringify(request.inputs[0]!.data)}`;
        expect(fromServe.status, where).toBe(fromTriton.status);
        expect(fromServe.body.error, where).toBe(fromTriton.body.error);
        // Triton writes FP32 1.0 where serve writes 1: the values are compared, not the JSON text.
        expect(JSON.parse(JSON.stringify(fromServe.body.outputs ?? null)), where).toEqual(fromTriton.body.outputs ?? null);
      }
    }
    const ok = await infer(served[0]!.url, 'words', requests[0]!.inputs);
    expect(ok.body.outputs).toEqual([{ name: 'label', datatype: 'BYTES', shape: [2, 1], data: ['10 halves', '16 halves'] }]);
  });
});

describe('validate', () => {
  const findings = async () => {
    const result = await runCli(['validate', 'broken', '--json'], { cwd: root });
    expect(result.exitCode).toBe(1);
    // Paths as validate shows them: from the folder it ran in.
    return (JSON.parse(result.stdout) as { findings: { file: string; severity: string; message: string }[] }).findings.map((f) => ({ ...f, path: f.file.replace(/^broken\/models\//, '') }));
  };

  it('refuses the broken ensembles Triton refuses to load, in the words of its load error', async () => {
    const found = await findings();
    for (const broken of BROKEN_ENSEMBLES) {
      const loaded = await triton.loadModel(broken.name);
      expect(loaded.status, broken.name).toBe(400);
      expect(JSON.parse(loaded.body).error, broken.name).toContain(broken.says);
      const errors = found.filter((f) => f.path === `${broken.name}/config.pbtxt` && f.severity === 'error');
      expect(errors.map((f) => f.message).join('\n'), broken.name).toContain(broken.says);
    }
    // The good ones are not reported.
    expect(found.filter((f) => ['broken', 'calls', 'calls_model', 'broken_preprocess'].includes(f.path.split('/')[0]!))).toEqual([]);
  });

  it('reports the BLS requests Triton answers with an error, in the words of that error', async () => {
    const found = await findings();
    for (const broken of BROKEN_CALLERS) {
      const answer = await infer(triton.httpUrl, broken.name, [{ name: 'raw', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }]);
      expect(answer.status, broken.name).toBe(500);
      expect(answer.body.error, broken.name).toContain(broken.says);
      const errors = found.filter((f) => f.path === `${broken.name}/1/model.py` && f.severity === 'error');
      expect(errors.map((f) => f.message).join('\n'), broken.name).toContain(broken.says);
    }
  });
});
