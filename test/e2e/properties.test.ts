/**
 * Property-based checks with fast-check, seeded and reproducible (FC_SEED, FC_RUNS override):
 * - random valid specs: the generated config.pbtxt parses back (protobuf's parser, against
 *   model_config.proto) to exactly the spec, and every generated .py compiles;
 * - random invalid specs given to the real CLI through --from: exit 1, one line naming the field,
 *   and an unchanged folder.
 * Cases are sampled up front and checked in batches (one Python process, a few CLI processes at a time).
 */

import fc from 'fast-check';
import { BF16_MIN_TRITON_VERSION } from '../../src/model-spec/releases.js';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../../src/render/index.js';
import { DATA_TYPES, dataTypeInfo, type DataType } from '../../src/model-spec/dtypes.js';
import type { InstanceKind, TensorSpec } from '../../src/model-spec/fields.js';
import { finalizeSpec, type Spec, type SpecDraft } from '../../src/model-spec/spec.js';
import { listTree, makeTempDir, runCli } from '../helpers/cli.js';
import { parseConfigsWithProtobuf, runPythonJson } from '../helpers/python.js';

const SEED = Number(process.env.FC_SEED ?? 20261126);
const RUNS = Number(process.env.FC_RUNS ?? 300);
const CLI_RUNS = Math.max(20, Math.round(RUNS / 3));

const nameChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const tailChars = nameChars + '_.-';
const word = (first: string, rest: string, max: number) =>
  fc.tuple(fc.constantFrom(...first), fc.string({ unit: fc.constantFrom(...rest), maxLength: max })).map(([a, b]) => a + b);
const modelName = word(nameChars, tailChars, 30).filter((n) => n !== 'stats');
const tensorName = word(nameChars.replace(/[0-9]/g, '') + '_', tailChars, 20);
const dims = fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 2 ** 40 })), { minLength: 1, maxLength: 6 });
const dataType = fc.constantFrom(...DATA_TYPES.map((t) => t.name));
const requirement = fc.constantFrom('torch==2.4.0', 'numpy<2', 'pillow>=10,<12', 'transformers[torch]==4.44.2', 'scipy; python_version >= "3.10"', 'tokenizers~=0.19');

const validSpec = fc
  .record({
    names: fc.uniqueArray(tensorName, { minLength: 2, maxLength: 10, selector: (n) => n }),
    split: fc.integer({ min: 1, max: 9 }),
    types: fc.array(dataType, { minLength: 10, maxLength: 10 }),
    dims: fc.array(dims, { minLength: 10, maxLength: 10 }),
    name: modelName,
    template: fc.constantFrom('blank', 'decoupled'),
    maxBatchSize: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1024 })),
    requirements: fc.uniqueArray(requirement, { maxLength: 3, selector: (r) => r.split(/[<>=~;[]/)[0] }),
    tritonVersion: fc.constantFrom('23.10', '24.05', '24.10', '24.11', '25.10', '26.01', '26.09'),
    instanceKind: fc.constantFrom('cpu', 'gpu', 'auto'),
    instanceCount: fc.integer({ min: 1, max: 8 }),
    modelVersion: fc.integer({ min: 1, max: 1000 }),
  })
  .map((r) => {
    const split = Math.min(r.split, r.names.length - 1);
    const tensors: TensorSpec[] = r.names.map((name, i) => ({ name, dataType: r.types[i] as DataType, dims: r.dims[i]! }));
    return {
      name: r.name,
      template: r.template as Spec['template'],
      inputs: tensors.slice(0, split),
      outputs: tensors.slice(split),
      maxBatchSize: r.maxBatchSize,
      requirements: r.requirements,
      // The Python backend reads BF16 tensors from 24.08 on (finalizeSpec refuses them before).
      tritonVersion: tensors.some((t) => t.dataType === 'BF16') && r.tritonVersion < BF16_MIN_TRITON_VERSION ? BF16_MIN_TRITON_VERSION : r.tritonVersion,
      instanceKind: r.instanceKind as InstanceKind,
      instanceCount: r.instanceCount,
      modelVersion: r.modelVersion,
    };
  });

type SpecFile = ReturnType<typeof validSpec.generate>['value'];

function draftOf(file: SpecFile): SpecDraft {
  const s = <T>(value: T) => ({ value, label: 'property', raw: value });
  return {
    name: s(file.name),
    template: s(file.template),
    inputs: file.inputs.map(s),
    outputs: file.outputs.map(s),
    maxBatchSize: s(file.maxBatchSize),
    requirements: file.requirements.map(s),
    tritonVersion: s(file.tritonVersion),
    instanceKind: s(file.instanceKind),
    instanceCount: s(file.instanceCount),
    modelVersion: s(file.modelVersion),
  };
}

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-props-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe(`random valid specs (seed ${SEED}, ${RUNS} cases)`, () => {
  it('render a config.pbtxt that parses back to exactly the spec, and Python files that compile', async () => {
    const cases = fc.sample(validSpec, { seed: SEED, numRuns: RUNS });
    const configFiles: string[] = [];
    const pythonFiles: string[] = [];
    for (const [index, file] of cases.entries()) {
      const { spec } = finalizeSpec(draftOf(file));
      const project = await render(spec, { projectName: `case-${index}` });
      const dir = path.join(root, 'valid', String(index));
      for (const entry of project.files) {
        if (!('content' in entry)) continue;
        fs.mkdirSync(path.dirname(path.join(dir, entry.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, entry.path), entry.content);
        if (entry.path.endsWith('.py')) pythonFiles.push(path.join(dir, entry.path));
      }
      configFiles.push(path.join(dir, 'models', spec.name, 'config.pbtxt'));
    }

    const parsed = await parseConfigsWithProtobuf(configFiles);
    parsed.forEach((result, index) => {
      const file = cases[index]!;
      const context = `case ${index} (seed ${SEED}): ${JSON.stringify(file)}`;
      expect(result.error, context).toBeUndefined();
      const message = result.message as Record<string, any>;
      const tensors = (list: any[] | undefined) => (list ?? []).map((t) => ({ name: t.name, dataType: t.data_type, dims: (t.dims ?? []).map(Number) }));
      expect(
        {
          name: message.name,
          backend: message.backend,
          maxBatchSize: message.max_batch_size ?? 0,
          inputs: tensors(message.input),
          outputs: tensors(message.output),
          decoupled: message.model_transaction_policy?.decoupled ?? false,
        },
        context,
      ).toEqual({
        name: file.name,
        backend: 'python',
        maxBatchSize: file.maxBatchSize,
        inputs: file.inputs.map((t) => ({ name: t.name, dataType: dataTypeInfo(t.dataType).config, dims: t.dims })),
        outputs: file.outputs.map((t) => ({ name: t.name, dataType: dataTypeInfo(t.dataType).config, dims: t.dims })),
        decoupled: file.template === 'decoupled',
      });
    });

    const compiled = await runPythonJson<{ file: string; error?: string }[]>('compile_python.py', { files: pythonFiles });
    expect(compiled.filter((c) => c.error)).toEqual([]);
    expect(compiled).toHaveLength(pythonFiles.length);

    // The built CLI renders with templates compiled at build time, the source with ejs at run
    // time: for a sample of the same specs, both must write byte-identical files.
    const sample = cases.slice(0, CLI_RUNS / 4);
    const mismatches: string[] = [];
    await Promise.all(
      [0, 1].map(async (worker) => {
        for (let index = worker; index < sample.length; index += 2) {
          const cwd = path.join(root, 'cli', String(index));
          fs.mkdirSync(cwd, { recursive: true });
          fs.writeFileSync(path.join(cwd, 'spec.json'), JSON.stringify(sample[index]));
          const result = await runCli([`case-${index}`, '--from', 'spec.json'], { cwd });
          if (result.exitCode !== 0) mismatches.push(`case ${index}: exit ${result.exitCode} ${result.stderr}`);
          for (const file of listTree(path.join(root, 'valid', String(index)))) {
            if (file.endsWith('/')) continue;
            const inProcess = fs.readFileSync(path.join(root, 'valid', String(index), file));
            const byCli = fs.readFileSync(path.join(cwd, `case-${index}`, file));
            if (!inProcess.equals(byCli)) mismatches.push(`case ${index}: ${file} differs`);
          }
        }
      }),
    );
    expect(mismatches).toEqual([]);
  }, 300_000);
});

/** One field broken per case; `field` is how the message must name it. */
const mutations: { field: RegExp; apply: (spec: any) => void }[] = [
  { field: /^spec\.json: name "/, apply: (s) => (s.name = `${s.name} x`) },
  { field: /^spec\.json: name "/, apply: (s) => (s.name = `../${s.name}`) },
  { field: /^spec\.json: maxBatchSize "/, apply: (s) => (s.maxBatchSize = -1 - s.maxBatchSize) },
  { field: /^spec\.json: inputs\[0\]\.dataType "/, apply: (s) => (s.inputs[0].dataType = 'FP33') },
  { field: /^spec\.json: outputs\[0\]\.dims "/, apply: (s) => (s.outputs[0].dims = [...s.outputs[0].dims, 0]) },
  { field: /^spec\.json: inputs\[0\]\.dims "/, apply: (s) => (s.inputs[0].dims = [-2]) },
  { field: /^spec\.json: inputs\[0\]\.name "/, apply: (s) => (s.inputs[0].name = `9${s.inputs[0].name}`) },
  { field: /^spec\.json: outputs\[0\] ".*": tensor name ".*" is already used by an input/, apply: (s) => (s.outputs[0].name = s.inputs[0].name) },
  { field: /^spec\.json: template "/, apply: (s) => (s.template = 'resnet') },
  { field: /^spec\.json: tritonVersion "/, apply: (s) => (s.tritonVersion = 'latest') },
  { field: /^spec\.json: requirements\[0\] "/, apply: (s) => (s.requirements = ['--index-url http://x']) },
  { field: /^spec\.json: instanceCount "/, apply: (s) => (s.instanceCount = 0) },
  { field: /^spec\.json: modelVersion "/, apply: (s) => (s.modelVersion = 0) },
  { field: /^spec\.json: instanceKind "/, apply: (s) => (s.instanceKind = 'tpu') },
  { field: /^spec\.json: unknown field "/, apply: (s) => (s.batchSize = 4) },
];

describe(`random invalid specs through the CLI (seed ${SEED}, ${CLI_RUNS} cases)`, () => {
  it('exit 1 with one line naming the field, and leave the folder as it was', async () => {
    const cases = fc.sample(fc.tuple(validSpec, fc.integer({ min: 0, max: mutations.length - 1 })), { seed: SEED + 1, numRuns: CLI_RUNS });
    const queue = cases.map(([spec, which], index) => ({ spec: structuredClone(spec) as any, mutation: mutations[which]!, index }));
    const failures: string[] = [];
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        item.mutation.apply(item.spec);
        const cwd = path.join(root, 'invalid', String(item.index));
        fs.mkdirSync(cwd, { recursive: true });
        fs.writeFileSync(path.join(cwd, 'spec.json'), JSON.stringify(item.spec));
        const before = listTree(cwd);
        const result = await runCli(['project', '--from', 'spec.json'], { cwd });
        const lines = result.stderr.split('\n').filter(Boolean);
        const ok = result.exitCode === 1 && lines.length === 1 && item.mutation.field.test(lines[0]!.replace(/^error: /, '')) && JSON.stringify(listTree(cwd)) === JSON.stringify(before);
        if (!ok) failures.push(`case ${item.index} (seed ${SEED + 1}) ${item.mutation.field}: exit ${result.exitCode}, ${result.stderr.trim()}`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(failures).toEqual([]);
  }, 300_000);
});
