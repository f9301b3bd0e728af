/**
 * `validate` through the built CLI: the python_backend example repositories and the reference
 * tutorial's repository validate clean, so does every project the generator makes (every template,
 * with and without batching, every data type); what a user sees for a broken repository (lines,
 * summary, exit code), --json, --strict, and which folder it checks. The generated configs also
 * round-trip through our parser and printer.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJson } from '../../src/pbtxt/json.js';
import { parseTextProto } from '../../src/pbtxt/parser.js';
import { printTextProto } from '../../src/pbtxt/printer.js';
import { DATA_TYPES } from '../../src/model-spec/dtypes.js';
import { DEFAULT_TRITON_VERSION } from '../../src/model-spec/releases.js';
import { makeTempDir, ROOT, runCli } from '../helpers/cli.js';

const EXAMPLES = path.join(ROOT, 'test/fixtures/validate/python_backend');
const DUMB_STUB = path.join(ROOT, 'test/fixtures/validate/dumb_stub');

/** Each python_backend example: the repository folder its README builds, and the models in it. */
const EXAMPLE_REPOSITORIES: [string, string, string[]][] = [
  ['add_sub', 'add_sub/models', ['add_sub']],
  ['bls', 'bls/models', ['add_sub', 'bls_async', 'bls_sync', 'pytorch']],
  ['bls_decoupled', 'bls_decoupled/models', ['bls_decoupled_async', 'bls_decoupled_sync', 'square_int32']],
  ['decoupled', 'decoupled/models', ['repeat_int32', 'square_int32']],
  ['custom_metrics', 'custom_metrics/models', ['custom_metrics']],
  ['instance_kind', 'instance_kind/models', ['resnet50']],
  ['jax', 'jax/models', ['jax']],
  ['pytorch', 'pytorch/models', ['pytorch']],
  ['preprocessing', 'preprocessing/model_repository', ['ensemble_python_resnet50', 'preprocess', 'resnet50_trt']],
];

interface JsonReport {
  repository: string;
  models: string[];
  strict: boolean;
  ok: boolean;
  errors: number;
  warnings: number;
  findings: { file: string; line: number | null; column: number | null; severity: string; code: string; message: string }[];
}

describe('real-world repositories validate with no finding', () => {
  it.each(EXAMPLE_REPOSITORIES)('python_backend example %s', async (_name, repository, models) => {
    const result = await runCli(['validate', repository, '--json'], { cwd: EXAMPLES });
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.findings).toEqual([]);
    expect(report.models).toEqual(models);
    expect(result.exitCode).toBe(0);
  });

  it('the reference tutorial repository (dumb_stub), written by hand', async () => {
    const result = await runCli(['validate'], { cwd: DUMB_STUB });
    expect(result).toEqual({ exitCode: 0, stdout: '1 model checked in models: no problems found', stderr: '' });
  });
});

// ------------------------------------------------------------------------------------------------

const EVERY_TYPE_IN = DATA_TYPES.map((t) => `in_${t.name.toLowerCase()}:${t.name}:2`);
const EVERY_TYPE_OUT = DATA_TYPES.map((t) => `out_${t.name.toLowerCase()}:${t.name}:-1,3`);
const tensorFlags = (inputs: string[], outputs: string[]) => [...inputs.flatMap((i) => ['--input', i]), ...outputs.flatMap((o) => ['--output', o])];

/** Every template, with and without a batch dimension; the blank and decoupled ones with a tensor of every data type each way; the advanced config features. */
const GENERATED: { id: string; args: string[] }[] = [
  { id: 'stub', args: ['--template', 'image-stub'] },
  { id: 'stub-batched', args: ['--template', 'image-stub', '--max-batch-size', '8'] },
  { id: 'blank-every-type', args: ['--template', 'blank', '--name', 'every_type', ...tensorFlags(EVERY_TYPE_IN, EVERY_TYPE_OUT)] },
  { id: 'blank-every-type-batched', args: ['--template', 'blank', '--name', 'every_type', '--max-batch-size', '4', ...tensorFlags(EVERY_TYPE_IN, EVERY_TYPE_OUT)] },
  { id: 'decoupled-every-type', args: ['--template', 'decoupled', '--name', 'streamer', ...tensorFlags(EVERY_TYPE_IN, EVERY_TYPE_OUT)] },
  { id: 'decoupled-every-type-batched', args: ['--template', 'decoupled', '--name', 'streamer', '--max-batch-size', '2', ...tensorFlags(EVERY_TYPE_IN, EVERY_TYPE_OUT)] },
  { id: 'blank-gpu-instances-version-3', args: ['--template', 'blank', '--instance-kind', 'gpu', '--instance-count', '2', '--model-version', '3'] },
  {
    id: 'blank-advanced-config',
    args: [
      ...['--template', 'blank', '--name', 'advanced', '--max-batch-size', '8', ...tensorFlags(['a:FP32:4', 'b:INT64:-1'], ['c:FP32:2,2'])],
      ...['--dynamic-batching', '--preferred-batch-size', '4', '--preferred-batch-size', '8', '--max-queue-delay-us', '100'],
      ...['--instance-group', 'cpu:2', '--instance-group', 'gpu:1:0,1', '--instance-group', 'auto:1'],
      ...['--parameter', 'threshold=0.5', '--version-policy', 'latest:1', '--optional-input', 'b', '--reshape', 'c:4'],
    ],
  },
  { id: 'decoupled-advanced-config', args: ['--template', 'decoupled', '--max-batch-size', '2', '--version-policy', 'specific:1', '--reshape', 'text_input:', '--parameter', 'mode=fast'] },
];

describe('every project the generator makes validates clean', () => {
  let root: string;
  beforeAll(async () => {
    root = makeTempDir('ctm-validate-generated-');
    await Promise.all(
      GENERATED.map(async ({ id, args }) => {
        const result = await runCli([id, '--yes', ...args], { cwd: root });
        if (result.exitCode !== 0) throw new Error(`${id}: ${result.stderr}`);
      }),
    );
  }, 120_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it.each(GENERATED.map((g) => [g.id] as const))('%s', async (id) => {
    const result = await runCli(['validate', id, '--strict'], { cwd: root });
    expect(result.stdout).toBe(`1 model checked in ${id}/models: no problems found`);
    expect(result.exitCode).toBe(0);
  });

  it('their configs round-trip: parse, print, parse gives the same message', () => {
    for (const { id } of GENERATED) {
      const modelsDir = path.join(root, id, 'models');
      for (const model of fs.readdirSync(modelsDir)) {
        const text = fs.readFileSync(path.join(modelsDir, model, 'config.pbtxt'), 'utf8');
        const first = parseTextProto(text);
        expect(first.diagnostics, `${id}/${model}`).toEqual([]);
        const json = toJson(first.message!);
        const printed = printTextProto(json);
        const second = parseTextProto(printed);
        expect(second.diagnostics).toEqual([]);
        expect(toJson(second.message!), `${id}/${model}`).toEqual(json);
        expect(printTextProto(toJson(second.message!))).toBe(printed);
      }
    }
  });
});

describe('the python_backend example configs round-trip', () => {
  const configs: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (entry.name === 'config.pbtxt') configs.push(path.join(dir, entry.name));
    }
  };
  walk(EXAMPLES);
  it.each(configs.map((file) => [path.relative(EXAMPLES, file)] as const))('%s', (relative) => {
    const first = parseTextProto(fs.readFileSync(path.join(EXAMPLES, relative), 'utf8'));
    expect(first.diagnostics).toEqual([]);
    const json = toJson(first.message!);
    expect(toJson(parseTextProto(printTextProto(json)).message!)).toEqual(json);
  });
});

// ------------------------------------------------------------------------------------------------

describe('what a user sees', () => {
  let root: string;
  const write = (relative: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), content);
  };
  beforeAll(() => {
    root = makeTempDir('ctm-validate-cli-');
    fs.cpSync(path.join(DUMB_STUB, 'models'), path.join(root, 'broken/models'), { recursive: true });
    const config = path.join(root, 'broken/models/dumb_stub/config.pbtxt');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('TYPE_UINT8', 'TYPE_FP33'));
    fs.mkdirSync(path.join(root, 'broken/models/dumb_stub/v2'));
    fs.cpSync(path.join(DUMB_STUB, 'models'), path.join(root, 'warned/models'), { recursive: true });
    fs.mkdirSync(path.join(root, 'warned/models/dumb_stub/01'));
    fs.cpSync(path.join(DUMB_STUB, 'models'), path.join(root, 'clean'), { recursive: true });
    write('empty/README.md', 'no models here\n');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a broken repository: one line per finding, file:line:column relative to the current folder, a summary, exit 1', async () => {
    const result = await runCli(['validate', 'broken'], { cwd: root });
    expect(result.stdout.split('\n')).toEqual([
      'broken/models/dumb_stub/config.pbtxt:16:16: error: unknown data type TYPE_FP33',
      "broken/models/dumb_stub/v2: warning: Triton will ignore version directory 'v2' which fails to convert to integral number (version folders are named 1, 2, ...)",
      '1 model checked in broken/models: 1 error, 1 warning',
    ]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
  });

  it('paths stay relative to the current folder from elsewhere', async () => {
    const result = await runCli(['validate', '../broken/models/dumb_stub/config.pbtxt'], { cwd: path.join(root, 'clean') });
    expect(result.stdout.split('\n')).toContain('../broken/models/dumb_stub/config.pbtxt:16:16: error: unknown data type TYPE_FP33');
    expect(result.stdout.split('\n').at(-1)).toBe('1 model checked in ../broken/models/dumb_stub: 1 error, 1 warning');
  });

  it('--json: the same findings with their codes, in one object', async () => {
    const result = await runCli(['validate', 'broken', '--json'], { cwd: root });
    expect(JSON.parse(result.stdout)).toEqual({
      repository: 'broken/models',
      models: ['dumb_stub'],
      strict: false,
      tritonVersion: DEFAULT_TRITON_VERSION,
      autoComplete: true,
      ok: false,
      errors: 1,
      warnings: 1,
      findings: [
        { file: 'broken/models/dumb_stub/config.pbtxt', line: 16, column: 16, severity: 'error', code: 'unknown-data-type', message: 'unknown data type TYPE_FP33' },
        {
          file: 'broken/models/dumb_stub/v2',
          line: null,
          column: null,
          severity: 'warning',
          code: 'version-folder',
          message: "Triton will ignore version directory 'v2' which fails to convert to integral number (version folders are named 1, 2, ...)",
        },
      ],
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
  });

  it('warnings alone pass; --strict makes them fail', async () => {
    const plain = await runCli(['validate', 'warned'], { cwd: root });
    expect(plain.stdout.split('\n').at(-1)).toBe('1 model checked in warned/models: 1 warning');
    expect(plain.exitCode).toBe(0);
    const strict = await runCli(['validate', 'warned', '--strict'], { cwd: root });
    expect(strict.stdout.split('\n').at(-1)).toBe('1 model checked in warned/models: 1 warning (--strict: warnings fail the check)');
    expect(strict.exitCode).toBe(1);
    const json = JSON.parse((await runCli(['validate', 'warned', '--strict', '--json'], { cwd: root })).stdout) as JsonReport;
    expect(json).toMatchObject({ strict: true, ok: false, errors: 0, warnings: 1 });
  });

  it('checks the current folder by default: a project, a model repository, or one model folder', async () => {
    expect((await runCli(['validate'], { cwd: path.join(root, 'warned') })).stdout.split('\n').at(-1)).toBe('1 model checked in models: 1 warning');
    expect((await runCli(['validate'], { cwd: path.join(root, 'clean') })).stdout).toBe('1 model checked in .: no problems found');
    expect((await runCli(['validate'], { cwd: path.join(root, 'clean/dumb_stub') })).stdout).toBe('1 model checked in .: no problems found');
    expect((await runCli(['validate', 'clean/dumb_stub/config.pbtxt'], { cwd: root })).stdout).toBe('1 model checked in clean/dumb_stub: no problems found');
  });

  it("checks for the release the project's Dockerfile builds on, or the one --triton-version names: a field that came later is an error", async () => {
    const config = `${fs.readFileSync(path.join(DUMB_STUB, 'models/dumb_stub/config.pbtxt'), 'utf8')}model_metrics { metric_control { metric_identifier { family: "f" } histogram_options { buckets: [ 1 ] } } }\n`;
    write('released/models/dumb_stub/config.pbtxt', config);
    fs.cpSync(path.join(DUMB_STUB, 'models/dumb_stub/1'), path.join(root, 'released/models/dumb_stub/1'), { recursive: true });
    write('released/Dockerfile', 'FROM nvcr.io/nvidia/tritonserver:24.10-py3\n');
    const unknown = 'has no field named "model_metrics" in Triton 2.51.0 (24.10): the field came in 24.11';
    const fromDockerfile = await runCli(['validate', 'released', '--json'], { cwd: root });
    expect(JSON.parse(fromDockerfile.stdout)).toMatchObject({ tritonVersion: '24.10', ok: false, findings: [{ severity: 'error', code: 'release', message: expect.stringContaining(unknown) }] });
    // A model folder of the project: the same Dockerfile.
    expect((await runCli(['validate', 'released/models/dumb_stub'], { cwd: root })).stdout).toContain(unknown);
    const newer = await runCli(['validate', 'released', '--triton-version', '24.11'], { cwd: root });
    expect([newer.exitCode, newer.stdout]).toEqual([0, '1 model checked in released/models: no problems found']);
  });

  it('--disable-auto-complete-config: a model folder without config.pbtxt is an error, as Triton started with that flag refuses it', async () => {
    fs.cpSync(path.join(DUMB_STUB, 'models'), path.join(root, 'unconfigured/models'), { recursive: true });
    fs.rmSync(path.join(root, 'unconfigured/models/dumb_stub/config.pbtxt'));
    const autoComplete = await runCli(['validate', 'unconfigured'], { cwd: root });
    expect([autoComplete.exitCode, autoComplete.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(/^unconfigured\/models\/dumb_stub: warning: no config\.pbtxt: Triton builds the configuration/)]);
    const disabled = await runCli(['validate', 'unconfigured', '--disable-auto-complete-config', '--json'], { cwd: root });
    expect(JSON.parse(disabled.stdout)).toMatchObject({ autoComplete: false, errors: 1, findings: [{ message: 'no config.pbtxt in dumb_stub/: with --disable-auto-complete-config Triton needs one' }] });
  });

  it('asks python3 to compile model.py: a SyntaxError is an error at its line and column', async () => {
    fs.cpSync(path.join(DUMB_STUB, 'models'), path.join(root, 'syntax/models'), { recursive: true });
    const file = path.join(root, 'syntax/models/dumb_stub/1/model.py');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    def execute(self, requests):', '    def execute(self, requests)'));
    const result = await runCli(['validate', 'syntax'], { cwd: root });
    expect(result.exitCode).toBe(1);
    expect(result.stdout.split('\n')[0]).toMatch(/^syntax\/models\/dumb_stub\/1\/model\.py:\d+:\d+: error: SyntaxError: expected ':': Python refuses this file, so Triton fails to load the model$/);
  });

  it.each([
    ['no such folder', ['validate', 'nowhere'], 'error: validate "nowhere": no such file or folder'],
    ['a file', ['validate', 'empty/README.md'], 'error: validate "empty/README.md": is a file (give a project folder, a model repository, or a model folder)'],
    [
      'a folder without models',
      ['validate', 'empty'],
      'error: validate "empty": neither a project (no models/ folder) nor a model repository (no model folders)',
    ],
    ['an unknown flag', ['validate', 'clean', '--stric'], 'error: Unknown argument: stric (see --help)'],
    ['a release tag that is none', ['validate', 'clean', '--triton-version', '24.13'], 'error: --triton-version "24.13": not an NGC release tag (allowed: YY.MM, e.g. 26.09)'],
  ])('usage mistakes exit 2 with one line: %s', async (_name, args, message) => {
    const result = await runCli(args, { cwd: root });
    expect(result).toEqual({ exitCode: 2, stdout: '', stderr: message });
  });
});
