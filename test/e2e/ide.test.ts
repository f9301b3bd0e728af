/**
 * The generated project in an editor and under its own tests. For a matrix of projects (every
 * template; string, integer, float and bool tensors; max_batch_size 0 and > 0; several inputs and
 * outputs; every data type, FP16 and BF16 included): pyright (the npm package) with the project's
 * own pyrightconfig.json reports no error, the project's pytest suite passes under the test venv's
 * python, and pyflakes and pycodestyle (PEP 8, lines up to PYTHON_LINE_LENGTH) are clean on every
 * generated .py and the .pyi stub. Controls show each check can fail.
 * The pb_utils stub exports exactly the names of pb_utils' public surface (test/fixtures/pb-utils-api.json),
 * and the fake module has the same names and parameters. Projects are checked two at a time.
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_TYPES } from '../../src/model-spec/dtypes.js';
import { PYTHON_LINE_LENGTH } from '../../src/render/python.js';
import { listTree, makeTempDir, NO_TORCH_REASON, readText, ROOT, runCli, TEMPLATES, TEST_PYTHON, TORCH } from '../helpers/cli.js';
import { runPythonJson } from '../helpers/python.js';

const PYRIGHT = path.join(ROOT, 'node_modules/.bin/pyright');
// pb_utils' public surface, from the Python backend's README and its pybind11 module.
const PB_UTILS_API = path.join(ROOT, 'test/fixtures/pb-utils-api.json');
const STUB = path.join(TEMPLATES, 'shared/typings/triton_python_backend_utils.pyi');
const FAKE_DIR = path.join(TEMPLATES, 'shared/tests/triton_fake');

interface Project {
  id: string;
  args: string[];
  models: string[];
  pythonVersion: string;
}

const MIXED_IN = ['text:STRING:1', 'ids:INT64:-1', 'mask:BOOL:2,3', 'x:FP32:4'];
const MIXED_OUT = ['label:STRING:2', 'count:INT32:1', 'score:FP32:-1,3', 'ok:BOOL:1'];
const EVERY_TYPE_IN = DATA_TYPES.filter((t) => TORCH || t.name !== 'BF16').map((t) => `in_${t.name.toLowerCase()}:${t.name}:2`);
const EVERY_TYPE_OUT = DATA_TYPES.filter((t) => TORCH || t.name !== 'BF16').map((t) => `out_${t.name.toLowerCase()}:${t.name}:-1,2`);

function project(id: string, template: string, model: string, maxBatchSize: number, inputs: string[], outputs: string[], extra: string[] = []): Project {
  const args = [id, '--template', template, '--name', model, '--max-batch-size', String(maxBatchSize), ...inputs.flatMap((i) => ['--input', i]), ...outputs.flatMap((o) => ['--output', o]), ...extra];
  return { id, args, models: [model], pythonVersion: extra.includes('24.05') ? '3.10' : '3.12' };
}

const PROJECTS: Project[] = [
  { id: 'stub', args: ['stub', '--yes'], models: ['dumb_stub'], pythonVersion: '3.12' },
  project('stub-batched', 'image-stub', 'dumb_stub', 4, ['prompt:STRING:1'], ['image:UINT8:-1,-1,3']),
  project('blank-mixed', 'blank', 'mixed', 0, MIXED_IN, MIXED_OUT),
  project('blank-mixed-batched', 'blank', 'mixed_batched', 8, MIXED_IN, MIXED_OUT),
  project('blank-every-type', 'blank', 'every_type', 3, EVERY_TYPE_IN, EVERY_TYPE_OUT),
  project('blank-py310', 'blank', 'older', 2, ['a:UINT8:3', 'b:FP64:-1'], ['c:INT16:1', 'd:STRING:-1'], ['--triton-version', '24.05']),
  project('blank-advanced', 'blank', 'advanced', 4, ['a:FP32:4', 'b:INT32:2'], ['c:FP32:4', 'd:STRING:1'], ['--optional-input', 'b', '--reshape', 'c:2,2', '--parameter', 'k=v', '--dynamic-batching']),
  project('decoupled-default', 'decoupled', 'streamer', 0, ['text_input:STRING:1'], ['text_output:STRING:1']),
  project('decoupled-mixed-batched', 'decoupled', 'streamer_batched', 2, MIXED_IN, MIXED_OUT),
  project('decoupled-every-type', 'decoupled', 'streamer_every_type', 0, EVERY_TYPE_IN, EVERY_TYPE_OUT),
];

// Controls, copies of generated projects: a second model added by hand (the tests must find it),
// pb_utils misused in model.py and the tests (pyright must say so), a model that drops an output
// (the project's tests must fail).
const SEVERAL_MODELS = 'several-models';
const MISUSED_API = 'misused-api';
const BROKEN_MODEL = 'broken-model';

interface Diagnostic {
  file: string;
  severity: 'error' | 'warning' | 'information';
  message: string;
  rule?: string;
  range: { start: { line: number } };
}
interface PyrightRun {
  exitCode: number;
  diagnostics: Diagnostic[];
  errorCount: number;
}
interface PytestRun {
  exitCode: number;
  output: string;
}

let root: string;
const pyright = new Map<string, PyrightRun>();
const pytest = new Map<string, PytestRun>();
let pyflakes: { exitCode: number; output: string; files: string[] };
let pycodestyle: { exitCode: number; output: string; control: string };
const PEP8_CONTROL = 'pep8-control.py';
/** pycodestyle's own default --ignore list, which an explicit --ignore replaces. */
const PYCODESTYLE_DEFAULT_IGNORE = ['E121', 'E123', 'E126', 'E226', 'E24', 'E704', 'W503', 'W504'];
/** What typeshed's stub layout does on purpose: blank lines between definitions (E301, E302, E305) and one-line bodies (E701). */
const STUB_LAYOUT = ['E301', 'E302', 'E305', 'E701'];

async function runPyright(dir: string): Promise<PyrightRun> {
  // The test venv has numpy, cv2, tritonclient and (linked from Debian) torch: every import resolves.
  const result = await execa(PYRIGHT, ['--pythonpath', TEST_PYTHON, '--outputjson', '-p', dir], { cwd: dir, reject: false, timeout: 120_000 });
  let report: { generalDiagnostics: Diagnostic[]; summary: { errorCount: number } };
  try {
    report = JSON.parse(String(result.stdout));
  } catch {
    throw new Error(`pyright in ${dir} printed no JSON (exit ${result.exitCode}):\n${result.stderr}\n${result.stdout}`);
  }
  const diagnostics = report.generalDiagnostics.map((d) => ({ ...d, file: path.relative(dir, d.file) }));
  return { exitCode: result.exitCode ?? -1, diagnostics, errorCount: report.summary.errorCount };
}

async function runPytest(dir: string, verbosity = '-q'): Promise<PytestRun> {
  const result = await execa(TEST_PYTHON, ['-m', 'pytest', verbosity], {
    cwd: dir,
    reject: false,
    timeout: 120_000,
    env: { PYTHONDONTWRITEBYTECODE: undefined, PYTHONPATH: undefined },
    extendEnv: true,
  });
  return { exitCode: result.exitCode ?? -1, output: `${result.stdout}\n${result.stderr}` };
}

/** Run jobs at most `limit` at a time. */
async function inPool(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

const dirOf = (id: string) => path.join(root, id);
const modelPy = (id: string, model: string) => path.join(dirOf(id), 'models', model, '1', 'model.py');

function prepareControls(): void {
  const copy = (from: string, to: string) => fs.cpSync(dirOf(from), dirOf(to), { recursive: true });
  copy('blank-mixed', SEVERAL_MODELS);
  fs.cpSync(path.join(dirOf('decoupled-default'), 'models/streamer'), path.join(dirOf(SEVERAL_MODELS), 'models/streamer'), { recursive: true });

  copy('blank-mixed', MISUSED_API);
  fs.appendFileSync(
    modelPy(MISUSED_API, 'mixed'),
    [
      '',
      '',
      'def misuse(request: pb_utils.InferenceRequest) -> None:',
      '    pb_utils.Tensor(name="x", array=np.zeros(1))  # the binding takes no keywords here',
      '    request.get_response_sender().send(flags="final")',
      '',
    ].join('\n'),
  );
  fs.appendFileSync(path.join(dirOf(MISUSED_API), 'tests/test_models.py'), ['', '', 'def test_misuse() -> None:', '    make_request(inputs=1)', ''].join('\n'));

  copy('blank-mixed', BROKEN_MODEL);
  const file = modelPy(BROKEN_MODEL, 'mixed');
  const source = fs.readFileSync(file, 'utf8');
  const dropped = source.replace(/^ {12}"ok": np\.zeros\(.*\n/m, '');
  if (dropped === source) throw new Error('control: the "ok" output placeholder was not found in model.py');
  fs.writeFileSync(file, dropped);
}

beforeAll(async () => {
  root = makeTempDir('ctm-ide-');
  await Promise.all(
    PROJECTS.map(async (p) => {
      const result = await runCli(p.args, { cwd: root });
      if (result.exitCode !== 0) throw new Error(`${p.id}: ${result.stderr}`);
    }),
  );
  prepareControls();
  const jobs: (() => Promise<void>)[] = [
    ...PROJECTS.flatMap((p) => [
      async () => void pyright.set(p.id, await runPyright(dirOf(p.id))),
      async () => void pytest.set(p.id, await runPytest(dirOf(p.id))),
    ]),
    async () => void pyright.set(MISUSED_API, await runPyright(dirOf(MISUSED_API))),
    async () => void pytest.set(SEVERAL_MODELS, await runPytest(dirOf(SEVERAL_MODELS), '-v')),
    async () => void pytest.set(BROKEN_MODEL, await runPytest(dirOf(BROKEN_MODEL))),
  ];
  await inPool(jobs, 2);
  // Every generated .py in one pyflakes process (listed before pytest could add anything).
  const files = PROJECTS.flatMap((p) =>
    listTree(dirOf(p.id))
      .filter((f) => f.endsWith('.py'))
      .map((f) => path.join(dirOf(p.id), f)),
  );
  const flakes = await execa(TEST_PYTHON, ['-m', 'pyflakes', ...files], { reject: false, timeout: 60_000, env: { PYTHONDONTWRITEBYTECODE: '1' } });
  pyflakes = { exitCode: flakes.exitCode ?? -1, output: `${flakes.stdout}${flakes.stderr}`, files };
  // PEP 8 on the same files and the stub; the control is a generated model.py with one blank line taken from between two top-level definitions.
  const stubs = PROJECTS.map((p) => path.join(dirOf(p.id), 'typings/triton_python_backend_utils.pyi'));
  const control = path.join(root, PEP8_CONTROL);
  fs.writeFileSync(control, readText(modelPy('blank-mixed', 'mixed')).replace('\n\n\nclass OutputSpec:', '\n\nclass OutputSpec:'));
  const pep8 = [TEST_PYTHON, '-m', 'pycodestyle', `--max-line-length=${PYTHON_LINE_LENGTH}`] as const;
  const style = await execa(pep8[0], [...pep8.slice(1), ...files], { reject: false, timeout: 60_000 });
  // A stub keeps typeshed's layout (one-line definitions, no blank lines between them), as flake8-pyi checks it: pycodestyle's default ignores plus those.
  const stubStyle = await execa(pep8[0], [...pep8.slice(1), `--ignore=${[...PYCODESTYLE_DEFAULT_IGNORE, ...STUB_LAYOUT].join(',')}`, ...stubs], { reject: false, timeout: 60_000 });
  const styleControl = await execa(TEST_PYTHON, ['-m', 'pycodestyle', `--max-line-length=${PYTHON_LINE_LENGTH}`, control], { reject: false, timeout: 60_000 });
  pycodestyle = { exitCode: Math.max(style.exitCode ?? -1, stubStyle.exitCode ?? -1), output: `${style.stdout}${style.stderr}${stubStyle.stdout}${stubStyle.stderr}`, control: String(styleControl.stdout) };
}, 300_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const describeDiagnostics = (run: PyrightRun) => run.diagnostics.map((d) => `${d.file}:${d.range.start.line + 1} ${d.severity} ${d.rule ?? ''}: ${d.message}`).join('\n');

/** The summary line of pytest, e.g. "7 passed in 1.2s" (-v frames it with "="). */
const summaryOf = (output: string) => (output.trim().split('\n').at(-1) ?? '').replace(/^=+ | =+$/g, '');

if (!TORCH) it.skip(NO_TORCH_REASON, () => {});

describe.each(PROJECTS.map((p) => [p.id, p] as const))('%s', (id, p) => {
  it('writes the stub, the pyright and VS Code settings, and tests/ with the one fake implementation', () => {
    const dir = dirOf(id);
    expect(readText(dir, 'typings/triton_python_backend_utils.pyi')).toBe(readText(STUB));
    for (const file of ['harness.py', 'model_config.py', 'triton_python_backend_utils.py']) {
      expect(readText(dir, 'tests/triton_fake', file), file).toBe(readText(FAKE_DIR, file));
    }
    const config = JSON.parse(readText(dir, 'pyrightconfig.json'));
    expect(config).toMatchObject({ stubPath: 'typings', pythonVersion: p.pythonVersion, venvPath: '.', venv: '.venv' });
    expect(config.exclude).toEqual(expect.arrayContaining(['**/.*', '**/__pycache__', 'tests/triton_fake']));
    expect(JSON.parse(readText(dir, '.vscode/settings.json'))).toMatchObject({ 'python.analysis.stubPath': 'typings', 'python.testing.pytestEnabled': true });
    expect(JSON.parse(readText(dir, '.vscode/extensions.json')).recommendations).toEqual(['ms-python.python', 'ms-python.vscode-pylance']);
    expect(readText(dir, 'pytest.ini')).toMatch(/^\[pytest\]\ntestpaths = tests$/m);
    // The image gets neither the tests nor the stub; the stub is not beside model.py (it would shadow Triton's module).
    expect(readText(dir, '.dockerignore').split('\n')).toEqual(expect.arrayContaining(['tests', 'typings', '.vscode']));
    expect(listTree(path.join(dir, 'models')).filter((f) => f.includes('triton_python_backend_utils'))).toEqual([]);
  });

  it('type-checks with pyright against the test venv (numpy, OpenCV, tritonclient, torch): no error, no warning', () => {
    const run = pyright.get(id)!;
    expect(run.diagnostics, describeDiagnostics(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  it("passes its own tests with python -m pytest, and leaves models/ without __pycache__", () => {
    const run = pytest.get(id)!;
    expect(run.exitCode, run.output).toBe(0);
    // Per model: initialize's args, every output for valid requests, an error for a request missing its inputs; plus the models/ check.
    expect(summaryOf(run.output)).toMatch(new RegExp(`^${1 + 3 * p.models.length} passed in `));
    expect(listTree(path.join(dirOf(id), 'models')).filter((f) => f.includes('__pycache__'))).toEqual([]);
  });
});

describe('the checks can fail', () => {
  it('pyright reports pb_utils misused in model.py and in the tests', () => {
    const run = pyright.get(MISUSED_API)!;
    expect(run.exitCode).toBe(1);
    const errors = run.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.file, d.rule, d.message]);
    expect(errors, describeDiagnostics(run)).toEqual([
      ['models/mixed/1/model.py', 'reportCallIssue', 'Expected 2 more positional arguments'],
      ['models/mixed/1/model.py', 'reportArgumentType', expect.stringContaining('parameter "flags" of type "int" in function "send"')],
      ['tests/test_models.py', 'reportArgumentType', expect.stringContaining('parameter "inputs" of type "dict[str, Any]" in function "make_request"')],
    ]);
  });

  it("the project's tests fail for a model that drops a declared output", () => {
    const run = pytest.get(BROKEN_MODEL)!;
    expect(run.exitCode).toBe(1);
    expect(run.output).toMatch(/FAILED tests\/test_models\.py::test_answers_with_every_declared_output\[mixed\]/);
    expect(run.output).toContain("compute() did not return ['ok']");
    expect(summaryOf(run.output)).toMatch(/^2 failed, 2 passed in /);
  });

  it("the project's tests cover a model added by hand, without regenerating them", () => {
    const run = pytest.get(SEVERAL_MODELS)!;
    expect(run.exitCode, run.output).toBe(0);
    for (const model of ['mixed', 'streamer']) {
      for (const test of ['test_initialize_gets_tritons_args', 'test_answers_with_every_declared_output', 'test_request_missing_its_inputs_gets_an_error_and_the_others_still_answer']) {
        expect(run.output).toContain(`tests/test_models.py::${test}[${model}] PASSED`);
      }
    }
    expect(summaryOf(run.output)).toMatch(/^7 passed in /);
  });
});

it('pyflakes is clean on every generated .py', () => {
  expect(pyflakes.files.length).toBeGreaterThanOrEqual(PROJECTS.length * 6);
  expect(pyflakes.output).toBe('');
  expect(pyflakes.exitCode).toBe(0);
});

it(`pycodestyle (PEP 8, lines up to ${PYTHON_LINE_LENGTH}) is clean on every generated .py and the stub; a definition one blank line short is caught`, () => {
  expect(pycodestyle.output).toBe('');
  expect(pycodestyle.exitCode).toBe(0);
  expect(pycodestyle.control).toMatch(new RegExp(`${PEP8_CONTROL.replace('.', '\\.')}:\\d+:1: E302 expected 2 blank lines, found 1`));
});

// --- the stub against pb_utils' surface and the fake ------------------------------------------

type Entry = { kind: 'constant' } | { kind: 'function'; static: boolean; params: Param[]; overloads?: Param[][] } | { kind: 'class'; members: Record<string, Entry> };
interface Param {
  name: string;
  kind: string;
  default: string | null;
}
type Surface = Record<string, Entry>;

interface ApiClass {
  constructor: boolean;
  methods: string[];
  constants: string[];
}
interface PbUtilsApi {
  classes: Record<string, ApiClass>;
  functions: string[];
  constants: string[];
}

const api = (): PbUtilsApi => JSON.parse(readText(PB_UTILS_API)) as PbUtilsApi;

let surfaces: { stub: Surface; fake: Surface };

describe('the pb_utils stub', () => {
  beforeAll(async () => {
    surfaces = await runPythonJson<{ stub: Surface; fake: Surface }>('stub_surface.py', { stub: STUB, fake: FAKE_DIR });
  });

  it("exports exactly pb_utils' classes, functions and constants", () => {
    const { classes, functions, constants } = api();
    const expected = new Map<string, Entry['kind']>([
      ...Object.keys(classes).map((name) => [name, 'class'] as const),
      ...functions.map((name) => [name, 'function'] as const),
      ...constants.map((name) => [name, 'constant'] as const),
    ]);
    expect(expected.size).toBeGreaterThanOrEqual(30);
    const exported = new Map(Object.entries(surfaces.stub).map(([name, entry]) => [name, entry.kind]));
    expect(Object.fromEntries([...exported].sort())).toEqual(Object.fromEntries([...expected].sort()));
  });

  it('has every constructor, method and class constant of pb_utils', () => {
    const missing: string[] = [];
    for (const [name, expected] of Object.entries(api().classes)) {
      const entry = surfaces.stub[name];
      const members = entry?.kind === 'class' ? entry.members : {};
      if (expected.constructor && !members.__init__) missing.push(`${name}(...) constructor`);
      for (const method of expected.methods) if (members[method]?.kind !== 'function') missing.push(`${name}.${method}()`);
      for (const constant of expected.constants) if (!members[constant]) missing.push(`${name}.${constant}`);
    }
    expect(missing).toEqual([]);
  });

  it('agrees with the fake module: the same public names, and the same parameters (names, kinds, defaults)', () => {
    // A stub default of `...` only says "has a default"; a literal default must be the fake's too.
    const comparable = (stub: Entry | undefined, fake: Entry): Entry => {
      if (fake.kind === 'function' && stub?.kind === 'function') {
        const params = fake.params.map((p, i) => ({ ...p, default: stub.params[i]?.default === '...' && p.default !== null ? '...' : p.default }));
        return { kind: 'function', static: fake.static, params };
      }
      if (fake.kind === 'class') {
        const stubMembers = stub?.kind === 'class' ? stub.members : {};
        // Constructors are compared where the stub declares one: objects only Triton creates have none.
        const names = Object.keys(fake.members).filter((n) => n !== '__init__' || '__init__' in stubMembers);
        return { kind: 'class', members: Object.fromEntries(names.map((n) => [n, comparable(stubMembers[n], fake.members[n]!)])) };
      }
      return fake;
    };
    const withoutOverloads = (entry: Entry): Entry => {
      if (entry.kind === 'function') return { kind: 'function', static: entry.static, params: entry.params };
      if (entry.kind === 'class') return { kind: 'class', members: Object.fromEntries(Object.entries(entry.members).map(([n, e]) => [n, withoutOverloads(e)])) };
      return entry;
    };
    const fake = Object.fromEntries(Object.entries(surfaces.fake).map(([name, entry]) => [name, comparable(surfaces.stub[name], entry)]));
    const stub = Object.fromEntries(Object.entries(surfaces.stub).map(([name, entry]) => [name, withoutOverloads(entry)]));
    expect(fake).toEqual(stub);
  });

  it('declares the overloads of exec and async_exec with the same parameter names', () => {
    const request = surfaces.stub.InferenceRequest;
    if (request?.kind !== 'class') throw new Error('InferenceRequest is not a class in the stub');
    for (const method of ['exec', 'async_exec']) {
      const entry = request.members[method];
      if (entry?.kind !== 'function') throw new Error(`${method} missing`);
      expect(entry.overloads?.map((params) => params.map((p) => p.name))).toEqual([['decoupled'], ['decoupled'], ['decoupled']]);
    }
  });
});
