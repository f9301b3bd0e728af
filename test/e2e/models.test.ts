/**
 * Every template's model.py, generated for a matrix of tensors, imported by Debian's python3 with
 * the shipped fake triton_python_backend_utils, initialized with Triton's args keys and sent a batch
 * of requests in one execute() call: two valid ones, one missing its inputs, one that trips a bug in
 * the model's own code. One Python process checks every project.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataTypeInfo, DATA_TYPES } from '../../src/model-spec/dtypes.js';
import { makeTempDir, NO_TORCH_REASON, runCli, TEMPLATES, TORCH } from '../helpers/cli.js';
import { runPythonJson } from '../helpers/python.js';

interface Output {
  name: string;
  type: number;
  shape: number[];
  sample: unknown[] | null;
}
interface Described {
  outputs?: Output[];
  error?: string;
  code?: number;
  flags: number;
}
interface Report {
  modelDir: string;
  loadError?: string;
  argsKeys: string[];
  batchSizes: (number | null)[];
  results: Described[][];
  logs: [string, string][];
}

interface Project {
  id: string;
  args: string[];
  template: 'image-stub' | 'blank' | 'decoupled';
  model: string;
  maxBatchSize: number;
  outputs: { name: string; dataType: string; dims: number[] }[];
}

const tensor = (flag: string) => {
  const [name, dataType, dims] = flag.split(':') as [string, string, string];
  return { name, dataType, dims: dims.split(',').map(Number) };
};

function project(id: string, template: Project['template'], model: string, maxBatchSize: number, inputs: string[], outputs: string[], extra: string[] = []): Project {
  const args = [id, '--template', template, '--name', model, '--max-batch-size', String(maxBatchSize), ...inputs.flatMap((i) => ['--input', i]), ...outputs.flatMap((o) => ['--output', o]), ...extra];
  return { id, args, template, model, maxBatchSize, outputs: outputs.map(tensor) };
}

const MIXED_IN = ['text:STRING:1', 'ids:INT64:-1', 'mask:BOOL:2,3', 'x:FP32:4'];
const MIXED_OUT = ['label:STRING:2', 'count:INT32:1', 'score:FP32:-1,3', 'ok:BOOL:1'];
const EVERY_TYPE_IN = DATA_TYPES.filter((t) => TORCH || t.name !== 'BF16').map((t) => `in_${t.name.toLowerCase()}:${t.name}:2`);
const EVERY_TYPE_OUT = DATA_TYPES.filter((t) => TORCH || t.name !== 'BF16').map((t) => `out_${t.name.toLowerCase()}:${t.name}:-1,2`);

const PROJECTS: Project[] = [
  project('stub', 'image-stub', 'dumb_stub', 0, ['prompt:STRING:1'], ['image:UINT8:-1,-1,3']),
  project('stub-batched', 'image-stub', 'dumb_stub', 4, ['prompt:STRING:1'], ['image:UINT8:-1,-1,3']),
  project('blank-default', 'blank', 'my_model', 0, ['INPUT0:FP32:4'], ['OUTPUT0:FP32:4']),
  project('blank-mixed', 'blank', 'mixed', 0, MIXED_IN, MIXED_OUT),
  project('blank-mixed-batched', 'blank', 'mixed_batched', 8, MIXED_IN, MIXED_OUT),
  project('blank-every-type', 'blank', 'every_type', 3, EVERY_TYPE_IN, EVERY_TYPE_OUT),
  project('decoupled-default', 'decoupled', 'streamer', 0, ['text_input:STRING:1'], ['text_output:STRING:1']),
  project('decoupled-mixed-batched', 'decoupled', 'streamer_batched', 2, MIXED_IN, MIXED_OUT),
  project('decoupled-every-type', 'decoupled', 'streamer_every_type', 0, EVERY_TYPE_IN, EVERY_TYPE_OUT),
];

const TRITON_ARGS_KEYS = ['model_config', 'model_instance_device_id', 'model_instance_kind', 'model_instance_name', 'model_name', 'model_repository', 'model_version'];
const FINAL = 1;
const INVALID_ARG = 3;
const INTERNAL = 1;

let root: string;
let reports: Map<string, Report>;

beforeAll(async () => {
  root = makeTempDir('ctm-models-');
  await Promise.all(
    PROJECTS.map(async (p) => {
      const result = await runCli(p.args, { cwd: root });
      if (result.exitCode !== 0) throw new Error(`${p.id}: ${result.stderr}`);
    }),
  );
  const list = await runPythonJson<Report[]>('check_models.py', {
    fake: path.join(TEMPLATES, 'shared/tests/triton_fake'),
    projects: PROJECTS.map((p) => ({ modelDir: path.join(root, p.id, 'models', p.model), template: p.template })),
  });
  reports = new Map(list.map((r, i) => [PROJECTS[i]!.id, r]));
}, 180_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function expectOutputs(p: Project, described: Described, batchSize: number | null): void {
  expect(described.error, described.error).toBeUndefined();
  const outputs = described.outputs ?? [];
  expect(outputs.map((o) => o.name)).toEqual(p.outputs.map((o) => o.name));
  outputs.forEach((output, i) => {
    const declared = p.outputs[i]!;
    expect(output.type, `${output.name} type`).toBe(dataTypeInfo(declared.dataType as never).enumNumber);
    const expected = batchSize === null ? declared.dims : [batchSize, ...declared.dims];
    expect(output.shape.length, `${output.name} rank`).toBe(expected.length);
    expected.forEach((dim, d) => {
      if (dim !== -1) expect(output.shape[d], `${output.name} dim ${d}`).toBe(dim);
    });
  });
}

if (!TORCH) it.skip(NO_TORCH_REASON, () => {});

describe.each(PROJECTS.map((p) => [p.id, p] as const))('%s', (id, p) => {
  it('loads, and initialize gets Triton\'s args keys', () => {
    const report = reports.get(id)!;
    expect(report.loadError).toBeUndefined();
    expect(report.argsKeys).toEqual(TRITON_ARGS_KEYS);
    expect(report.logs).toContainEqual(['INFO', expect.stringMatching(new RegExp(`^${p.model} version 1 loaded on CPU`))]);
    // finalize ran and logged
    expect(report.logs.at(-1)).toEqual(['INFO', 'unloaded']);
  });

  it('answers each valid request with every declared output, in the declared dtype and shape', () => {
    const report = reports.get(id)!;
    for (const index of [0, 1]) {
      const responses = report.results[index]!;
      const batchSize = report.batchSizes[index]!;
      if (p.template === 'decoupled') {
        // Several streamed responses, then the final flag on its own.
        expect(responses.length).toBeGreaterThanOrEqual(2);
        expect(responses.at(-1)).toEqual({ flags: FINAL });
        for (const streamed of responses.slice(0, -1)) {
          expectOutputs(p, streamed, batchSize);
          expect(streamed.flags).toBe(0);
        }
      } else {
        expect(responses).toHaveLength(1);
        expect(responses[0]!.flags).toBe(FINAL);
        expectOutputs(p, responses[0]!, batchSize);
      }
    }
  });

  it('answers a request missing its inputs with INVALID_ARG, and a bug in the model with INTERNAL, without failing the others', () => {
    const report = reports.get(id)!;
    const missing = report.results[2]!;
    const bug = report.results[3]!;
    expect(missing[0]).toMatchObject({ code: INVALID_ARG, error: expect.stringMatching(/^missing input '/) });
    expect(bug[0]).toMatchObject({ code: INTERNAL, error: 'RuntimeError: simulated bug in the model' });
    if (p.template === 'decoupled') {
      expect(missing.at(-1)).toEqual({ flags: FINAL });
      expect(bug.at(-1)).toEqual({ flags: FINAL });
    } else {
      expect(missing).toHaveLength(1);
      expect(bug).toHaveLength(1);
    }
    expect(report.results[0]![0]!.error).toBeUndefined();
    expect(report.results[1]![0]!.error).toBeUndefined();
  });
});

describe('what the models answer', () => {
  it('the image stub returns the asset image as RGB (OpenCV reads BGR)', () => {
    const image = reports.get('stub')!.results[0]![0]!.outputs![0]!;
    expect(image.shape).toEqual([128, 160, 3]);
    // The asset's top-left pixel is a dark blue (BGR about 60, 40, 30): in RGB blue comes last.
    const [red, green, blue] = image.sample as number[];
    expect(blue! - red!).toBeGreaterThan(15);
    expect(green).toBeGreaterThan(red!);
  });

  it('the decoupled placeholder numbers its streamed responses', () => {
    const streamed = reports.get('decoupled-default')!.results[0]!;
    expect(streamed.slice(0, -1).map((r) => r.outputs![0]!.sample)).toEqual([['response 1 of 3'], ['response 2 of 3'], ['response 3 of 3']]);
  });
});
