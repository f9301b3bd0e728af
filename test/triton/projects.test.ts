/**
 * Generated projects in real Triton (2.51.0, the nvidia-pytriton wheel's build; test/helpers/triton.ts).
 *
 * A matrix of projects made by the CLI (every template; every data type with and without a batch
 * dimension; dynamic batching; several CPU instance groups; parameters; version policies over several
 * version folders; optional inputs and reshape; a project grown with add-model) is served by one Triton,
 * each project's models/ a model repository of its own. For every model:
 * - Triton loads it (READY) and serves exactly the config our own reading of config.pbtxt predicts
 *   (src/pbtxt: parse, then Triton's defaults);
 * - the same inputs give the same outputs through the project's own fake pb_utils (tests/triton_fake,
 *   what its pytest suite runs) and through real Triton over HTTP and gRPC (tritonclient), with the
 *   declared names, datatypes and shapes; per-request errors keep their code and message;
 * - the project's own pytest suite passes, its client.py runs unchanged against the server, and `run`'s
 *   readiness wait and smoke request (src/docker) pass against it.
 * Where the fake and real Triton differ, real Triton is right: the fake is what gets fixed.
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServedModels } from '../../src/docker/project.js';
import { waitUntilReady } from '../../src/triton/readiness.js';
import { runSmokeTest, smokeRequestFor } from '../../src/triton/smoke.js';
import { toJson, withTritonDefaults } from '../../src/pbtxt/json.js';
import { parseTextProto } from '../../src/pbtxt/parser.js';
import { sampleGenerateBody } from '../../src/model-spec/samples.js';
import { makeTempDir, NO_TORCH_REASON, runCli, TEST_PYTHON, TORCH } from '../helpers/cli.js';
import { runPythonJson } from '../helpers/python.js';
import { showLogOnFailure, startTriton, type TritonServer } from '../helpers/triton.js';
import { replaceCompute } from '../helpers/triton-projects.js';

interface Answer {
  outputs?: Record<string, { datatype: string; shape: number[]; data: unknown }>;
  error?: string;
  code?: string;
  final?: boolean;
}
interface Compared {
  id: string;
  inputs: Record<string, { datatype: string; shape: number[]; data: unknown }>;
  fake: Answer[];
  http: Answer[];
  grpc: Answer[];
}

interface ProjectCase {
  /** Project folder, and the model repository it serves. */
  id: string;
  /** Commands after `create <id>`: each an argv for the CLI run in the project's parent (`{dir}` is the project). */
  commands: string[][];
  /** Edit the project after it is generated, as a user would. */
  edit?: (dir: string) => void;
}

const ALL_TYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'STRING', ...(TORCH ? ['BF16'] : [])];
const DIMS = ['3', '-1', '2,2', '1'];

/** One input and one output per data type, the output echoing the input. */
function everyTypeArgs(): string[] {
  return ALL_TYPES.flatMap((type, index) => {
    const dims = DIMS[index % DIMS.length];
    return ['--input', `in_${type.toLowerCase()}:${type}:${dims}`, '--output', `out_${type.toLowerCase()}:${type}:${dims}`];
  });
}
const ECHO_TYPES = ['return {"out_" + name[len("in_"):]: value for name, value in inputs.items()}'];

/** Copy version 1 as versions 2 and 3, each answering its own number (`y` = version). */
function threeVersions(dir: string, model: string): void {
  const modelDir = path.join(dir, 'models', model);
  const original = fs.readFileSync(path.join(modelDir, '1', 'model.py'), 'utf8');
  for (const version of ['1', '2', '3']) {
    const source = replaceCompute(original, [`return {"y": np.full((4,), ${version}, dtype=np.float32)}`]);
    fs.mkdirSync(path.join(modelDir, version), { recursive: true });
    fs.writeFileSync(path.join(modelDir, version, 'model.py'), source);
  }
}

const blank = (name: string, ...more: string[]) => ['--template', 'blank', '--name', name, ...more, '--yes'];

const PROJECTS: ProjectCase[] = [
  { id: 'image_stub', commands: [['--yes']] },
  { id: 'blank', commands: [['--template', 'blank', '--yes']] },
  { id: 'decoupled', commands: [['--template', 'decoupled', '--yes']] },
  { id: 'types', commands: [blank('types', ...everyTypeArgs())], edit: (dir) => editModel(dir, 'types', ECHO_TYPES) },
  {
    id: 'types_batched',
    commands: [blank('types_batched', ...everyTypeArgs(), '--max-batch-size', '4', '--dynamic-batching', '--max-queue-delay-us', '100')],
    edit: (dir) => editModel(dir, 'types_batched', ECHO_TYPES),
  },
  {
    id: 'instances',
    commands: [blank('instances', '--input', 'x:FP32:4', '--output', 'y:FP32:4', '--instance-group', 'cpu:2', '--instance-group', 'cpu:1', '--parameter', 'threshold=0.5', '--parameter', 'label=a b')],
    // The parameters reach the model as Triton passes them: y = x * threshold.
    edit: (dir) => editModel(dir, 'instances', ['return {"y": inputs["x"] * float(self.parameters["threshold"])}']),
  },
  {
    id: 'versions_all',
    commands: [blank('versions_all', '--input', 'x:FP32:4', '--output', 'y:FP32:4', '--version-policy', 'all')],
    edit: (dir) => threeVersions(dir, 'versions_all'),
  },
  {
    id: 'versions_specific',
    commands: [blank('versions_specific', '--input', 'x:FP32:4', '--output', 'y:FP32:4', '--version-policy', 'specific:1,3')],
    edit: (dir) => threeVersions(dir, 'versions_specific'),
  },
  {
    id: 'versions_latest',
    commands: [blank('versions_latest', '--input', 'x:FP32:4', '--output', 'y:FP32:4', '--version-policy', 'latest:2')],
    edit: (dir) => threeVersions(dir, 'versions_latest'),
  },
  {
    id: 'shaped',
    commands: [blank('shaped', '--input', 'a:FP32:4', '--input', 'b:INT32:2', '--optional-input', 'b', '--reshape', 'a:2,2', '--output', 'y:FP32:2,2', '--output', 'z:FP32:4', '--reshape', 'z:2,2')],
    // Inputs arrive in their reshaped shape; both outputs are computed 2x2, z shown to clients as [4].
    edit: (dir) => editModel(dir, 'shaped', ['offset = inputs["b"].sum() if "b" in inputs else 0', 'return {"y": inputs["a"] + offset, "z": inputs["a"] * 2}']),
  },
  {
    id: 'stream_batched',
    commands: [['--template', 'decoupled', '--name', 'stream_batched', '--input', 'q:STRING:1', '--input', 'n:INT32:2', '--output', 'r:STRING:1', '--output', 'm:FP32:2', '--max-batch-size', '2', '--yes']],
  },
  {
    id: 'errors',
    commands: [blank('errors', '--input', 'x:INT32:1', '--output', 'y:INT32:1')],
    // x = 1: the client's fault (INVALID_ARG, 400); x = 2: a bug in the model (INTERNAL, 500).
    edit: (dir) =>
      editModel(dir, 'errors', ['if inputs["x"][0] == 1:', '    raise InvalidRequestError("x must not be 1")', 'if inputs["x"][0] == 2:', '    raise RuntimeError("model bug for x = 2")', 'return {"y": inputs["x"] + 1}']),
  },
  {
    id: 'grown',
    commands: [
      blank('first', '--input', 'x:FP32:2', '--output', 'y:FP32:2'),
      ['add-model', '{dir}', '--name', 'second', '--input', 'ids:INT64:-1', '--output', 'count:INT64:1', '--max-batch-size', '8', '--dynamic-batching', '--yes'],
      ['add-model', '{dir}', '--name', 'third', '--template', 'decoupled', '--input', 'question:STRING:1', '--output', 'answer:STRING:1', '--yes'],
    ],
    edit: (dir) => editModel(dir, 'second', ['return {"count": np.array([[len(row)] for row in inputs["ids"]], dtype=np.int64)}']),
  },
];

function editModel(dir: string, model: string, lines: string[]): void {
  const file = path.join(dir, 'models', model, '1', 'model.py');
  fs.writeFileSync(file, replaceCompute(fs.readFileSync(file, 'utf8'), lines));
}

/** Every model the matrix serves: project id, model name, version folders. */
interface ServedCase {
  project: string;
  model: string;
}

let root: string;
let triton: TritonServer;
const served: ServedCase[] = [];
const projectDir = (id: string) => path.join(root, id);

showLogOnFailure(() => triton);

beforeAll(async () => {
  root = makeTempDir('ctm-triton-');
  for (const project of PROJECTS) {
    for (const [index, command] of project.commands.entries()) {
      const args = index === 0 ? [project.id, ...command] : command.map((arg) => (arg === '{dir}' ? project.id : arg));
      const result = await runCli(args, { cwd: root });
      if (result.exitCode !== 0) throw new Error(`create-triton-model ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
    }
    project.edit?.(projectDir(project.id));
    for (const model of fs.readdirSync(path.join(projectDir(project.id), 'models')).sort()) served.push({ project: project.id, model });
  }
  triton = await startTriton({ repositories: PROJECTS.map((p) => path.join(projectDir(p.id), 'models')), waitForReady: true, timeoutMs: 240_000 });
}, 300_000);

afterAll(async () => {
  await triton?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const servedModels = () => served;

if (!TORCH) it.skip(NO_TORCH_REASON, () => {});

describe('every model of every project', () => {
  it('the matrix covers what it says', () => {
    expect(served.map((s) => s.model).sort()).toEqual(
      ['dumb_stub', 'my_model', 'my_stream_model', 'types', 'types_batched', 'instances', 'versions_all', 'versions_specific', 'versions_latest', 'shaped', 'stream_batched', 'errors', 'first', 'second', 'third'].sort(),
    );
  });

  it('is READY in Triton, and Triton serves the config our reading of config.pbtxt predicts', async () => {
    for (const { project, model } of servedModels()) {
      expect((await triton.get(`/v2/models/${model}/ready`)).status, `${model} ready`).toBe(200);
      const text = fs.readFileSync(path.join(projectDir(project), 'models', model, 'config.pbtxt'), 'utf8');
      const { message, diagnostics } = parseTextProto(text);
      expect(diagnostics).toEqual([]);
      const served = await triton.get(`/v2/models/${model}/config`);
      expect(served.status).toBe(200);
      expect(JSON.parse(served.body), `${model}: /v2/models/${model}/config`).toEqual(withTritonDefaults(toJson(message!), { modelName: model }));
    }
  });
});

/**
 * What the README promises client.py prints (the block after "`client.py` sends"), as a pattern for its
 * whole output: `[...]` stands for the values, -1 in a shape for any size, a `...` line for more
 * responses like the one before, N for a count.
 */
function promisedOutput(readme: string): RegExp {
  const block = /`client\.py` sends[\s\S]*?```\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('the README does not say what client.py prints');
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = (text: string) =>
    escape(text)
      .replace(/\\\[\\\.\\\.\\\.\\\]/g, '\\[.*\\]')
      .replace(/-1/g, '\\d+')
      .replace(/^response 1:/, 'response \\d+:')
      .replace(/^N responses$/, '\\d+ responses');
  const lines = (block[1] as string).trimEnd().split('\n');
  const pattern = lines.map((text, index) => (text === '...' ? '' : `${line(text)}\\n${lines[index + 1] === '...' ? '(?:' + line(text) + '\\n)*' : ''}`)).join('');
  return new RegExp(`^${pattern}$`);
}

/** The cases compared for a model: batch sizes 1 and 3 when it batches, one unbatched request otherwise. */
function casesFor(maxBatchSize: number) {
  return maxBatchSize > 0 ? [{ id: 'batch 1', batch_size: 1 }, { id: `batch ${Math.min(3, maxBatchSize)}`, batch_size: Math.min(3, maxBatchSize) }] : [{ id: 'unbatched', batch_size: null }];
}

async function compare(project: string, model: string, cases: { id: string; batch_size: number | null; values?: Record<string, number[]> }[]): Promise<Compared[]> {
  const { cases: compared } = await runPythonJson<{ cases: Compared[] }>('triton_compare.py', { project: projectDir(project), model, http: triton.httpUrl.replace('http://', ''), grpc: triton.grpcAddress, cases }, 180_000);
  return compared;
}

describe.each(PROJECTS.map((p) => p.id))('project %s', (id) => {
  it("the fake pb_utils, Triton's HTTP and Triton's gRPC give the same outputs for the same inputs, as declared", async () => {
    for (const model of readServedModels(projectDir(id), id)) {
      for (const result of await compare(id, model.name, casesFor(model.maxBatchSize))) {
        const where = `${model.name} (${result.id})`;
        expect(result.grpc, `${where}: gRPC vs the fake`).toEqual(result.fake);
        if (!model.decoupled) expect(result.http, `${where}: HTTP vs the fake`).toEqual(result.fake);
        const answers = result.fake.filter((answer) => answer.outputs);
        expect(answers.length, where).toBeGreaterThan(0);
        const batch = model.maxBatchSize > 0 ? [Object.values(result.inputs)[0]!.shape[0]!] : [];
        for (const answer of answers) {
          expect(Object.keys(answer.outputs!).sort(), where).toEqual(model.outputs.map((t) => t.name).sort());
          for (const declared of model.outputs) {
            const output = answer.outputs![declared.name]!;
            expect(output.datatype, `${where}: ${declared.name}`).toBe(declared.dataType === 'STRING' ? 'BYTES' : declared.dataType);
            const dims = [...batch, ...declared.dims];
            expect(output.shape.length, `${where}: ${declared.name} rank`).toBe(dims.length);
            output.shape.forEach((size, axis) => expect(dims[axis] === -1 || dims[axis] === size, `${where}: ${declared.name} shape ${output.shape} vs ${dims}`).toBe(true));
          }
        }
        if (model.decoupled) expect(result.fake.at(-1), `${where}: the stream ends with the final flag`).toEqual({ final: true });
      }
    }
  });

  it('validate finds nothing to report in what Triton loaded', async () => {
    const result = await runCli(['validate', id, '--json'], { cwd: root });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { findings?: unknown[] };
    expect(report.findings ?? [], result.stdout).toEqual([]);
  });

  it("its own pytest suite passes", async () => {
    const result = await execa(TEST_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: projectDir(id), reject: false, timeout: 170_000, env: { PYTHONDONTWRITEBYTECODE: '1' } });
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
  });

  it('its client.py runs unchanged against Triton and prints what its README says it prints', async () => {
    const first = readServedModels(projectDir(id), id)[0]!;
    const url = first.decoupled ? triton.grpcAddress : triton.httpUrl.replace('http://', '');
    const result = await execa(TEST_PYTHON, ['client.py', '--url', url], { cwd: projectDir(id), reject: false, timeout: 120_000 });
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(`${result.stdout}\n`).toMatch(promisedOutput(fs.readFileSync(path.join(projectDir(id), 'README.md'), 'utf8')));
  });

  it("`run`'s readiness wait and smoke request pass against it", async () => {
    const baseUrl = new URL(triton.httpUrl);
    const models = readServedModels(projectDir(id), id);
    const outcome = await waitUntilReady({ baseUrl, models: models.map((m) => m.name), timeoutMs: 30_000, intervalMs: 200 });
    expect(outcome.ok).toBe(true);
    for (const model of models) {
      const request = smokeRequestFor(model);
      if (request.kind === 'none') {
        // Only decoupled models whose inputs cannot travel through generate_stream: gRPC covers them above.
        expect(model.decoupled).toBe(true);
        continue;
      }
      const smoke = await runSmokeTest(baseUrl, model, request, 60_000);
      expect(smoke.missing, model.name).toEqual([]);
      expect(smoke.responses.length, model.name).toBeGreaterThanOrEqual(model.decoupled ? 2 : 1);
    }
  });
});

describe('what Triton does with the details', () => {
  it('a model error keeps its code and message: INVALID_ARG is 400, anything else INTERNAL 500, as in the fake', async () => {
    const [invalid, bug] = await compare('errors', 'errors', [
      { id: 'x=1', batch_size: null, values: { x: [1] } },
      { id: 'x=2', batch_size: null, values: { x: [2] } },
    ]);
    expect(invalid!.fake).toEqual([{ error: 'x must not be 1', code: 'INVALID_ARG' }]);
    expect(invalid!.http).toEqual(invalid!.fake);
    expect(invalid!.grpc).toEqual(invalid!.fake);
    expect(bug!.fake).toEqual([{ error: 'RuntimeError: model bug for x = 2', code: 'INTERNAL' }]);
    expect(bug!.http).toEqual(bug!.fake);
    expect(bug!.grpc).toEqual(bug!.fake);
  });

  it("a request Triton itself refuses (wrong datatype, wrong shape) gets Triton's 400 before the model runs", async () => {
    const wrongType = await triton.post('/v2/models/errors/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] });
    expect(wrongType.status).toBe(400);
    expect(JSON.parse(wrongType.body).error).toMatch(/data-type is 'FP32', but model 'errors' expects 'INT32'/);
    const wrongShape = await triton.post('/v2/models/errors/infer', { inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: [1, 2] }] });
    expect(wrongShape.status).toBe(400);
    expect(JSON.parse(wrongShape.body).error).toMatch(/unexpected shape for input 'x' for model 'errors'/);
  });

  it('version policies serve exactly the versions they name, each answering with its own model.py', async () => {
    const expected: Record<string, string[]> = { versions_all: ['1', '2', '3'], versions_specific: ['1', '3'], versions_latest: ['2', '3'] };
    for (const [model, versions] of Object.entries(expected)) {
      for (const version of ['1', '2', '3']) {
        const ready = await triton.get(`/v2/models/${model}/versions/${version}/ready`);
        expect(ready.status, `${model} v${version}`).toBe(versions.includes(version) ? 200 : 400);
        if (!versions.includes(version)) continue;
        const answer = await triton.post(`/v2/models/${model}/versions/${version}/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [4], data: [0, 0, 0, 0] }] });
        expect(JSON.parse(answer.body).outputs[0].data, `${model} v${version}`).toEqual([Number(version), Number(version), Number(version), Number(version)]);
      }
      const latest = await triton.post(`/v2/models/${model}/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [4], data: [0, 0, 0, 0] }] });
      expect(JSON.parse(latest.body).outputs[0].data[0], `${model}: no version means the highest served`).toBe(Number(versions.at(-1)));
    }
  });

  it('config parameters reach the model as Triton passes them', async () => {
    const answer = await triton.post('/v2/models/instances/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [4], data: [2, 4, 6, 8] }] });
    expect(JSON.parse(answer.body).outputs[0].data).toEqual([1, 2, 3, 4]);
  });

  it('several CPU instance groups start one stub per instance', async () => {
    const stats = JSON.parse((await triton.get('/v2/models/instances/config')).body);
    expect(stats.instance_group.map((g: { kind: string; count: number }) => [g.kind, g.count])).toEqual([['KIND_CPU', 2], ['KIND_CPU', 1]]);
    const stubs = await execa('pgrep', ['-f', '-a', 'triton_python_backend_stub'], { reject: false });
    const instances = String(stubs.stdout).split('\n').filter((line) => line.includes('/instances/1/model.py') && line.includes(`ctm${process.pid}`));
    expect(instances.length).toBe(3);
  });

  it('an optional input left out, and reshaped inputs and outputs, as the model sees them and clients get them', async () => {
    const without = await triton.post('/v2/models/shaped/infer', { inputs: [{ name: 'a', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }] });
    expect(without.status, without.body).toBe(200);
    const outputs = Object.fromEntries(JSON.parse(without.body).outputs.map((o: { name: string; shape: number[]; data: number[] }) => [o.name, o]));
    expect(outputs.y).toMatchObject({ shape: [2, 2], data: [1, 2, 3, 4] });
    expect(outputs.z).toMatchObject({ shape: [4], data: [2, 4, 6, 8] });
    const withB = await triton.post('/v2/models/shaped/infer', { inputs: [{ name: 'a', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }, { name: 'b', datatype: 'INT32', shape: [2], data: [10, 0] }] });
    expect(JSON.parse(withB.body).outputs.find((o: { name: string }) => o.name === 'y').data).toEqual([11, 12, 13, 14]);
  });

  it('a decoupled model streams every response and the final flag through HTTP generate_stream', async () => {
    const [model] = readServedModels(projectDir('decoupled'), 'decoupled');
    const body = sampleGenerateBody(model!.inputs, model!.maxBatchSize);
    const response = await fetch(`${triton.httpUrl}/v2/models/${model!.name}/generate_stream`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
    expect(events.length).toBeGreaterThan(1);
    const output = model!.outputs[0]!.name;
    expect(events.every((event) => typeof event[output] === 'string' && !('error' in event)), JSON.stringify(events)).toBe(true);
  });
});
