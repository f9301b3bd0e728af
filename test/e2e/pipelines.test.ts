/**
 * Pipelines and batched execute through the built CLI, without Triton (test/triton/pipelines.test.ts
 * runs the same projects in real Triton): the ensemble and bls templates' files and wiring, their
 * own pytest suites (the fake runs an ensemble step by step, BLS calls reach the other model), what
 * the generated tests catch, requests computed together when shapes agree and apart when they do
 * not, add-model with a pipeline, serve running an ensemble and a BLS caller, validate on BLS calls.
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, readText, runCli, TEST_PYTHON, treeSnapshot } from '../helpers/cli.js';
import { parseConfigsWithProtobuf } from '../helpers/python.js';
import { startServe } from '../helpers/serve.js';
import { replaceCompute } from '../helpers/triton-projects.js';

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-pipelines-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function create(args: string[], cwd = root) {
  const result = await runCli(args, { cwd });
  expect(result.exitCode, result.stderr).toBe(0);
  return result;
}

const pytest = (project: string) => execa(TEST_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: project, reject: false, timeout: 120_000, env: { PYTHONDONTWRITEBYTECODE: '1' } });

function edit(project: string, model: string, lines: string[], todo?: string): void {
  const file = path.join(project, 'models', model, '1', 'model.py');
  fs.writeFileSync(file, replaceCompute(fs.readFileSync(file, 'utf8'), lines, todo));
}

describe('--template ensemble', () => {
  let project: string;
  let stdout: string;
  beforeAll(async () => {
    stdout = (await create(['ens', '--template', 'ensemble', '--yes'])).stdout;
    project = path.join(root, 'ens');
  });

  it('writes the ensemble and its three Python steps, wired by input_map and output_map from the tensor questions', async () => {
    expect(stdout).toContain('Created ensemble my_ensemble (template ensemble: models my_ensemble, my_ensemble_preprocess, my_ensemble_model, my_ensemble_postprocess)');
    expect(listTree(path.join(project, 'models'))).toEqual([
      'my_ensemble/',
      'my_ensemble/1/',
      'my_ensemble/1/.gitkeep',
      'my_ensemble/config.pbtxt',
      // Each Python step has its own assets/ in its version folder, the place model.py reads its files from.
      ...['my_ensemble_model', 'my_ensemble_postprocess', 'my_ensemble_preprocess'].flatMap((m) => [`${m}/`, `${m}/1/`, `${m}/1/assets/`, `${m}/1/assets/.gitkeep`, `${m}/1/model.py`, `${m}/config.pbtxt`]),
    ]);
    const configs = await parseConfigsWithProtobuf(['my_ensemble', 'my_ensemble_preprocess', 'my_ensemble_model', 'my_ensemble_postprocess'].map((m) => path.join(project, 'models', m, 'config.pbtxt')));
    expect(configs.map((c) => c.error)).toEqual([undefined, undefined, undefined, undefined]);
    const [ensemble, pre, model, post] = configs.map((c) => c.message!);
    expect(ensemble).toMatchObject({
      name: 'my_ensemble',
      platform: 'ensemble',
      input: [{ name: 'raw', data_type: 'TYPE_FP32', dims: ['4'] }],
      output: [{ name: 'result', data_type: 'TYPE_FP32', dims: ['4'] }],
      ensemble_scheduling: {
        step: [
          { model_name: 'my_ensemble_preprocess', model_version: '-1', input_map: { raw: 'raw' }, output_map: { features: 'features' } },
          { model_name: 'my_ensemble_model', model_version: '-1', input_map: { features: 'features' }, output_map: { scores: 'scores' } },
          { model_name: 'my_ensemble_postprocess', model_version: '-1', input_map: { scores: 'scores' }, output_map: { result: 'result' } },
        ],
      },
    });
    expect(ensemble!.backend).toBeUndefined();
    expect(ensemble!.instance_group).toBeUndefined();
    expect([pre, model, post].map((c) => [c!.backend, (c!.input as { name: string }[])[0]!.name, (c!.output as { name: string }[])[0]!.name])).toEqual([
      ['python', 'raw', 'features'],
      ['python', 'features', 'scores'],
      ['python', 'scores', 'result'],
    ]);
    const readme = readText(project, 'README.md');
    expect(readme).toContain('## The ensemble `my_ensemble`');
    expect(readme).toContain('| 2 | `my_ensemble_model` | `features` | `scores` |');
    expect(readme).toContain("as `in ensemble 'my_ensemble', <message>`");
    expect(readText(project, 'client.py')).toContain('MODEL_NAME = "my_ensemble"');
    expect(readText(project, 'models/my_ensemble_preprocess/1/model.py')).toMatch(/^"""my_ensemble_preprocess: step 1 of 3 of the ensemble my_ensemble/);
  });

  it("passes its own tests, which run the whole chain, and validate's checks", async () => {
    const tests = await pytest(project);
    expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/12 passed/);
    const validated = await runCli(['validate', 'ens'], { cwd: root });
    expect(validated.exitCode, validated.stdout + validated.stderr).toBe(0);
    expect(validated.stdout).toContain('4 models checked in ens/models: no problems found');
  });

  it("runs in serve step by step: the data goes through every step, and a step's error reaches the client with its code", async () => {
    const copy = path.join(root, 'ens-served');
    fs.cpSync(project, copy, { recursive: true });
    edit(copy, 'my_ensemble_preprocess', ['if (inputs["raw"] < 0).any():', '    raise InvalidRequestError("raw must not be negative")', 'return {"features": inputs["raw"] + 1}']);
    edit(copy, 'my_ensemble_model', ['return {"scores": inputs["features"] * 10}']);
    const server = await startServe(['ens-served'], { cwd: root });
    try {
      await server.waitFor(/listening on/, 60_000);
      const infer = async (data: number[]) => {
        const response = await fetch(`${server.url}/v2/models/my_ensemble/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'raw', datatype: 'FP32', shape: [4], data }] }) });
        return { status: response.status, body: (await response.json()) as { outputs?: { name: string; data: number[] }[]; error?: string } };
      };
      // (x + 1) * 10, then the postprocess placeholder passes it on.
      expect(await infer([1, 2, 3, 4])).toMatchObject({ status: 200, body: { outputs: [{ name: 'result', data: [20, 30, 40, 50] }] } });
      expect(await infer([-1, 2, 3, 4])).toEqual({ status: 400, body: { error: "in ensemble 'my_ensemble', raw must not be negative" } });
      const config = (await (await fetch(`${server.url}/v2/models/my_ensemble/config`)).json()) as { platform: string; model_transaction_policy: unknown };
      expect(config).toMatchObject({ platform: 'ensemble', model_transaction_policy: { decoupled: false } });
      expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

it("a pipeline's assets go to the model that computes, <name>_model, and nowhere else", async () => {
  const weights = path.join(root, 'weights.bin');
  fs.writeFileSync(weights, 'w');
  for (const template of ['ensemble', 'bls']) {
    await create([`assets-${template}`, '--template', template, '--name', 'pipe', '--asset', weights, '--yes']);
    const files = listTree(path.join(root, `assets-${template}`, 'models')).filter((p) => p.includes('/assets/') && !p.endsWith('/'));
    const others = template === 'ensemble' ? ['pipe_postprocess', 'pipe_preprocess'] : ['pipe'];
    expect(files.sort()).toEqual(['pipe_model/1/assets/weights.bin', ...others.map((m) => `${m}/1/assets/.gitkeep`)].sort());
  }
});

describe('--template bls', () => {
  let project: string;
  beforeAll(async () => {
    await create(['bls', '--template', 'bls', '--max-batch-size', '4', '--yes']);
    project = path.join(root, 'bls');
  });

  it('writes a caller and the model it calls; the caller calls it through InferenceRequest(...).exec() and shows async_exec and the decoupled variant', () => {
    expect(listTree(path.join(project, 'models')).filter((p) => !p.endsWith('/'))).toEqual([
      'my_bls/1/assets/.gitkeep',
      'my_bls/1/model.py',
      'my_bls/config.pbtxt',
      'my_bls_model/1/assets/.gitkeep',
      'my_bls_model/1/model.py',
      'my_bls_model/config.pbtxt',
    ]);
    const caller = readText(project, 'models/my_bls/1/model.py');
    expect(caller).toContain('TARGET_MODEL = "my_bls_model"');
    expect(caller).toMatch(/request = pb_utils\.InferenceRequest\(\n\s+model_name=TARGET_MODEL,\n\s+requested_output_names=\["scores"\],\n\s+inputs=\[\n\s+pb_utils\.Tensor\("features", np\.ascontiguousarray\(inputs\["features"\], dtype=np\.float32\)\),/);
    expect(caller).toContain('response = request.exec()');
    expect(caller).toContain('await\n    request.async_exec()');
    expect(caller).toContain('raise TargetError(error.message(), error.code())');
    expect(caller).toMatch(/A decoupled caller \(model_transaction_policy \{ decoupled: true \}/);
    const readme = readText(project, 'README.md');
    expect(readme).toContain('## The model `my_bls`, calling `my_bls_model` through BLS');
    expect(readme).toMatch(/A decoupled caller \(`model_transaction_policy \{ decoupled: true \}`\)/);
  });

  it('passes its own tests (BLS calls reach the other model) and validate', async () => {
    const tests = await pytest(project);
    expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
    const validated = await runCli(['validate', 'bls'], { cwd: root });
    expect(validated.stdout).toContain('2 models checked in bls/models: no problems found');
  });

  it("passes the called model's errors on, with their codes, in its own tests' fake and in serve", async () => {
    const copy = path.join(root, 'bls-errors');
    fs.cpSync(project, copy, { recursive: true });
    edit(copy, 'my_bls_model', ['if (inputs["features"] < 0).any():', '    raise InvalidRequestError("no negative values")', 'return {"scores": inputs["features"] * 2}']);
    fs.writeFileSync(
      path.join(copy, 'tests', 'test_errors.py'),
      [
        'import numpy as np',
        'import triton_python_backend_utils as pb_utils',
        'from harness import load_model, make_request',
        '',
        '',
        'def test_the_called_models_error_reaches_the_client_and_the_others_answer() -> None:',
        '    model = load_model("models/my_bls")',
        '    good = make_request({"raw": np.ones((1, 4), dtype=np.float32)})',
        '    bad = make_request({"raw": np.full((1, 4), -1, dtype=np.float32)})',
        '    first, second, third = model.execute([good, bad, good])',
        '    error = second.responses[0].error()',
        '    assert (error.message(), error.code()) == ("no negative values", pb_utils.TritonError.INVALID_ARG)',
        '    for result in (first, third):',
        '        assert result.responses[0].output_tensors()[0].as_numpy().tolist() == [[2.0, 2.0, 2.0, 2.0]]',
        '',
      ].join('\n'),
    );
    const tests = await pytest(copy);
    expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
    const server = await startServe(['bls-errors'], { cwd: root });
    try {
      await server.waitFor(/listening on/, 60_000);
      const response = await fetch(`${server.url}/v2/models/my_bls/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'raw', datatype: 'FP32', shape: [1, 4], data: [-1, 2, 3, 4] }] }) });
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 400, body: { error: 'no negative values' } });
    } finally {
      await server.stop();
    }
  });

  it('validate names a BLS call Triton would refuse: an unknown model, an unknown or missing tensor, a wrong dtype', async () => {
    const broken = path.join(root, 'bls-broken');
    fs.cpSync(project, broken, { recursive: true });
    const file = path.join(broken, 'models/my_bls/1/model.py');
    const original = fs.readFileSync(file, 'utf8');
    const messages = async (change: (code: string) => string) => {
      fs.writeFileSync(file, change(original));
      const result = await runCli(['validate', 'bls-broken', '--json'], { cwd: root });
      expect(result.exitCode, result.stdout).toBe(1);
      return (JSON.parse(result.stdout) as { findings: { file: string; severity: string; message: string }[] }).findings.map((f) => `${f.file} ${f.severity}: ${f.message}`);
    };
    expect(await messages((code) => code.replace('TARGET_MODEL = "my_bls_model"', 'TARGET_MODEL = "my_bls_modl"'))).toEqual([
      `bls-broken/models/my_bls/1/model.py error: InferenceRequest(model_name="my_bls_modl"): no model 'my_bls_modl' in this repository: Triton answers every such request "Failed for execute the inference request. Model 'my_bls_modl' is not ready."`,
    ]);
    expect(await messages((code) => code.replace('requested_output_names=["scores"]', 'requested_output_names=["score"]').replace('dtype=np.float32)),', 'dtype=np.int64)),'))).toEqual([
      "bls-broken/models/my_bls/1/model.py error: unexpected inference output 'score' for model 'my_bls_model' (its outputs: 'scores')",
      "bls-broken/models/my_bls/1/model.py error: inference input 'features' data-type is 'INT64' (numpy int64), but model 'my_bls_model' expects 'FP32'",
    ]);
    expect(await messages((code) => code.replace('pb_utils.Tensor("features"', 'pb_utils.Tensor("feature"'))).toEqual([
      "bls-broken/models/my_bls/1/model.py error: InferenceRequest to 'my_bls_model' does not send its required input(s) 'features': Triton refuses the request (\"missing required input(s)\")",
      "bls-broken/models/my_bls/1/model.py error: unexpected inference input 'feature' for model 'my_bls_model' (its inputs: 'features')",
    ]);
  });
});

describe('--from', () => {
  it('takes modelInputs and modelOutputs from a spec file, and --json shows them in the spec', async () => {
    fs.writeFileSync(path.join(root, 'pipe.yaml'), 'template: bls\nname: caller\ninputs: [text:STRING:1]\nmodelInputs:\n  - {name: ids, dataType: int64, dims: [-1]}\nmodelOutputs: [probs:FP32:3]\noutputs: [label:STRING:1]\n');
    const result = await create(['from-file', '--from', 'pipe.yaml', '--yes', '--json']);
    const { spec } = JSON.parse(result.stdout) as { spec: Record<string, unknown> };
    expect(spec).toMatchObject({ template: 'bls', modelInputs: [{ name: 'ids', dataType: 'INT64', dims: [-1] }], modelOutputs: [{ name: 'probs', dataType: 'FP32', dims: [3] }] });
    const caller = readText(root, 'from-file/models/caller/1/model.py');
    expect(caller).toContain('pb_utils.Tensor("ids", np.ascontiguousarray(inputs["ids"], dtype=np.int64)),');
    expect(caller).toContain('requested_output_names=["probs"],');
  });
});

describe('batched execute', () => {
  let project: string;
  beforeAll(async () => {
    await create(['batched', '--template', 'blank', '--name', 'rows', '--input', 'x:FP32:-1', '--output', 'y:FP32:-1', '--max-batch-size', '8', '--dynamic-batching', '--yes']);
    project = path.join(root, 'batched');
    // compute() records what it was given, and refuses a row holding 7 (the client's fault).
    edit(project, 'rows', ['CALLS.append([list(row) for row in inputs["x"]])', 'if (inputs["x"] == 7).any():', '    raise InvalidRequestError("no sevens")', 'return {"y": inputs["x"] * 2}']);
    const file = path.join(project, 'models/rows/1/model.py');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('\n\nclass TritonPythonModel:', '\n\nCALLS: list[Any] = []\n\n\nclass TritonPythonModel:'));
    fs.writeFileSync(
      path.join(project, 'tests', 'test_batching.py'),
      [
        'import numpy as np',
        'import triton_python_backend_utils as pb_utils',
        'from harness import LoadedModel, make_request',
        '',
        '',
        'def run(*rows):',
        '    model = LoadedModel("models/rows")',
        '    model.module.CALLS.clear()',
        '    results = model.execute([make_request({"x": np.array(r, dtype=np.float32)}) if r is not None else make_request({}) for r in rows])',
        '    answers = []',
        '    for result in results:',
        '        [response] = result.responses',
        '        error = response.error()',
        '        answers.append((error.message(), error.code()) if error else response.output_tensors()[0].as_numpy().tolist())',
        '    return model.module.CALLS, answers',
        '',
        '',
        'def test_requests_of_one_shape_are_computed_at_once_and_each_gets_its_rows() -> None:',
        '    calls, answers = run([[1, 2]], [[3, 4], [5, 6]], None, [[7.5, 8]])',
        '    assert calls == [[[1, 2], [3, 4], [5, 6], [7.5, 8]]]',
        '    assert answers == [[[2, 4]], [[6, 8], [10, 12]], ("missing input \'x\'", pb_utils.TritonError.INVALID_ARG), [[15, 16]]]',
        '',
        '',
        'def test_requests_whose_variable_dims_differ_are_computed_apart_in_order() -> None:',
        '    calls, answers = run([[1, 2]], [[1, 2, 3]], [[4, 5]])',
        '    assert calls == [[[1, 2], [4, 5]], [[1, 2, 3]]]',
        '    assert answers == [[[2, 4]], [[2, 4, 6]], [[8, 10]]]',
        '',
        '',
        'def test_a_batch_that_fails_is_answered_request_by_request() -> None:',
        '    calls, answers = run([[1, 2]], [[7, 7]], [[3, 4]])',
        '    assert calls == [[[1, 2], [7, 7], [3, 4]], [[1, 2]], [[7, 7]], [[3, 4]]]',
        '    assert answers == [[[2, 4]], ("no sevens", pb_utils.TritonError.INVALID_ARG), [[6, 8]]]',
        '',
      ].join('\n'),
    );
  });

  it('computes the good requests of a call at once, a shape apart from another, and a failed batch request by request', async () => {
    const tests = await pytest(project);
    expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/7 passed/);
  });

  it('the generated tests catch a compute() that mixes the rows of requests computed together', async () => {
    const mixed = path.join(root, 'mixed');
    fs.cpSync(project, mixed, { recursive: true });
    fs.rmSync(path.join(mixed, 'tests', 'test_batching.py'));
    const file = path.join(mixed, 'models/rows/1/model.py');
    const source = fs.readFileSync(file, 'utf8');
    expect(source).toContain('return {"y": inputs["x"] * 2}');
    fs.writeFileSync(file, source.replace('return {"y": inputs["x"] * 2}', 'return {"y": inputs["x"][::-1] * 2}'));
    const tests = await pytest(mixed);
    expect(tests.exitCode, tests.stdout).toBe(1);
    expect(tests.stdout).toContain('got other outputs with another request than alone');
  });
});

describe('add-model with a pipeline', () => {
  it("adds an ensemble's four models to a project, and refuses a BLS pipeline whose second model's name is taken", async () => {
    await create(['grown', '--template', 'blank', '--yes']);
    const project = path.join(root, 'grown');
    const added = await runCli(['add-model', 'grown', '--template', 'ensemble', '--name', 'pipe', '--yes'], { cwd: root });
    expect(added.exitCode, added.stderr).toBe(0);
    expect(added.stdout).toContain('Added ensemble pipe (template ensemble: models pipe, pipe_preprocess, pipe_model, pipe_postprocess) to grown');
    expect(fs.readdirSync(path.join(project, 'models')).sort()).toEqual(['my_model', 'pipe', 'pipe_model', 'pipe_postprocess', 'pipe_preprocess']);
    expect(readText(project, 'README.md')).toContain('## The ensemble `pipe`');
    const tests = await pytest(project);
    expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);

    const before = treeSnapshot(project);
    const clash = await runCli(['add-model', 'grown', '--template', 'bls', '--name', 'my', '--yes'], { cwd: root });
    expect(clash.exitCode).toBe(1);
    expect(clash.stderr.trim()).toBe(
      'error: --name "my": models/my_model already exists (--template bls writes models/my_model beside models/my); this project has models/my_model, models/pipe, models/pipe_model, models/pipe_postprocess, models/pipe_preprocess (choose another name)',
    );
    expect(treeSnapshot(project)).toEqual(before);
  });
});
