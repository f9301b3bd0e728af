/**
 * The config features real deployments use, through flags and through --from: dynamic batching,
 * several instance groups, parameters, version policy, optional inputs and reshape. Configs are
 * judged by protobuf's parser; the model runs under the fake pb_utils with Triton's reshape applied.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, readText, runCli, TEMPLATES, TEST_PYTHON } from '../helpers/cli.js';
import { parseConfigsWithProtobuf, runPythonJson } from '../helpers/python.js';

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-advanced-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const FLAGS = [
  '--name', 'clf',
  '--input', 'pixels:UINT8:-1,-1,3', '--input', 'mask:BOOL:1', '--input', 'flat:FP32:2,3',
  '--output', 'probs:FP32:10', '--output', 'emb:FP32:4,4',
  '--max-batch-size', '8',
  '--dynamic-batching', '--preferred-batch-size', '4', '--preferred-batch-size', '8', '--max-queue-delay-us', '500',
  '--instance-group', 'gpu:2:0,1', '--instance-group', 'cpu:1',
  '--parameter', 'threshold=0.5', '--parameter', 'label="a#b} \\ c"',
  '--version-policy', 'latest:2',
  '--optional-input', 'mask',
  '--reshape', 'emb:16', '--reshape', 'flat:6',
];

const SPEC_FILE = {
  name: 'clf',
  inputs: [
    { name: 'pixels', dataType: 'UINT8', dims: [-1, -1, 3] },
    { name: 'mask', dataType: 'BOOL', dims: [1], optional: true },
    { name: 'flat', dataType: 'FP32', dims: [2, 3], reshape: [6] },
  ],
  outputs: [
    { name: 'probs', dataType: 'FP32', dims: [10] },
    { name: 'emb', dataType: 'FP32', dims: [4, 4], reshape: [16] },
  ],
  maxBatchSize: 8,
  dynamicBatching: { preferredBatchSizes: [4, 8], maxQueueDelayMicroseconds: 500 },
  instanceGroups: ['gpu:2:0,1', { kind: 'cpu', count: 1 }],
  parameters: { threshold: '0.5', label: '"a#b} \\ c"' },
  versionPolicy: 'latest:2',
};

describe('advanced config through flags and --from', () => {
  let byFlags: string;
  let byFile: string;
  beforeAll(async () => {
    byFlags = path.join(root, 'flags');
    byFile = path.join(root, 'file');
    const flags = await runCli(['flags', ...FLAGS], { cwd: root });
    expect(flags.exitCode, flags.stderr).toBe(0);
    fs.writeFileSync(path.join(root, 'spec.json'), JSON.stringify(SPEC_FILE));
    const file = await runCli(['file', '--from', 'spec.json'], { cwd: root });
    expect(file.exitCode, file.stderr).toBe(0);
  });

  it('writes each feature where Triton reads it, and both sources give the same config', async () => {
    const [fromFlags, fromFile] = await parseConfigsWithProtobuf([path.join(byFlags, 'models/clf/config.pbtxt'), path.join(byFile, 'models/clf/config.pbtxt')]);
    expect(fromFlags!.error).toBeUndefined();
    expect(fromFlags!.message).toMatchObject({
      max_batch_size: 8,
      version_policy: { latest: { num_versions: 2 } },
      input: [
        { name: 'pixels', data_type: 'TYPE_UINT8', dims: ['-1', '-1', '3'] },
        { name: 'mask', data_type: 'TYPE_BOOL', dims: ['1'], optional: true },
        { name: 'flat', data_type: 'TYPE_FP32', dims: ['2', '3'], reshape: { shape: ['6'] } },
      ],
      output: [
        { name: 'probs', dims: ['10'] },
        { name: 'emb', dims: ['4', '4'], reshape: { shape: ['16'] } },
      ],
      instance_group: [
        { count: 2, kind: 'KIND_GPU', gpus: [0, 1] },
        { count: 1, kind: 'KIND_CPU' },
      ],
      dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: '500' },
      parameters: {
        threshold: { string_value: '0.5' },
        // Quotes, #, } and a backslash survive exactly: escaped in the text format, not injected.
        label: { string_value: '"a#b} \\ c"' },
      },
    });
    expect(fromFile!.message).toEqual(fromFlags!.message);
  });

  it('model.py reads optional inputs and parameters, works in the reshaped shapes, and answers under the fake pb_utils', async () => {
    const model = readText(byFlags, 'models/clf/1/model.py');
    expect(model).toContain('OPTIONAL_INPUTS: frozenset[str] = frozenset({"mask"})');
    expect(model).toContain('self.parameters = config_parameters(self.model_config)');
    expect(model).toContain('"emb": np.zeros((batch_size, 16), dtype=np.float32)');
    const [report] = await runPythonJson<any[]>('check_models.py', {
      fake: path.join(TEMPLATES, 'shared/tests/triton_fake'),
      projects: [{ modelDir: path.join(byFlags, 'models/clf'), template: 'blank' }],
    });
    expect(report.loadError).toBeUndefined();
    // Triton shows clients dims: the reshaped output comes back as [batch, 4, 4].
    const emb = report.results[0][0].outputs.find((o: any) => o.name === 'emb');
    expect(emb.shape).toEqual([2, 4, 4]);
    expect(report.results[2][0]).toMatchObject({ code: 3, error: "missing input 'pixels'" });
  });

  it('the generated project\'s own tests pass, sending requests without the optional input too', async () => {
    const { execa } = await import('execa');
    const result = await execa(TEST_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: byFlags, reject: false, timeout: 120_000 });
    expect(result.exitCode, String(result.stdout)).toBe(0);
  });
});

describe('advanced config refused with one line and nothing written', () => {
  it.each([
    [['--input', 'a:FP32:1', '--dynamic-batching'], /^--dynamic-batching: dynamic batching needs --max-batch-size > 0$/],
    [['--input', 'a:FP32:1', '--max-batch-size', '4', '--preferred-batch-size', '8'], /^--preferred-batch-size "8": preferred batch size must be at most max_batch_size 4$/],
    [['--instance-group', 'cpu:2:0'], /^--instance-group "cpu:2:0": a cpu group cannot list GPU ids/],
    [['--instance-group', 'tpu:1'], /^--instance-group "tpu:1": unknown instance kind \(allowed: cpu, gpu, auto\)$/],
    [['--instance-group', 'gpu:1', '--instance-kind', 'cpu'], /^--instance-kind "cpu": give either instance groups or the kind\/count shorthand, not both$/],
    [['--parameter', 'novalue'], /^--parameter "novalue": expected key=value/],
    [['--parameter', 'k=1', '--parameter', 'k=2'], /^--parameter "k=2": parameter k is set twice$/],
    [['--version-policy', 'specific:2'], /^--version-policy "specific:2": does not list version 1, the only version folder generated/],
    [['--version-policy', 'newest'], /^--version-policy "newest": unknown version policy/],
    [['--input', 'a:FP32:2,3', '--reshape', 'a:5'], /^--input "a:FP32:2,3": reshape has a different size for dims \[2, 3\] and reshape \[5\]/],
    [['--input', 'a:FP32:1', '--reshape', 'a:'], /^--input "a:FP32:1": reshape an empty reshape needs dims \[1\] and --max-batch-size > 0/],
    [['--input', 'a:FP32:1', '--reshape', 'zz:1'], /^--reshape "zz:1": no tensor is named zz$/],
    [['--input', 'a:FP32:1', '--output', 'b:FP32:1', '--optional-input', 'b'], /^--optional-input "b": only inputs can be optional$/],
    [['--input', 'a:FP32:1', '--optional-input', 'a'], /^--input "a:FP32:1": at least one input must be required/],
  ])('%j', async (args, message) => {
    const cwd = fs.mkdtempSync(path.join(root, 'bad-'));
    const result = await runCli(['project', ...args, '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.replace(/^error: /, '')).toMatch(message);
    expect(listTree(cwd)).toEqual([]);
  });
});
