/**
 * The interactive flow, typed into the real built CLI in a pseudo-terminal (Python's pty module
 * drives it: wait for a question, send keys). Every wait is bounded by the driver.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, listTree, makeTempDir, readText, runCli } from '../helpers/cli.js';
import { parseConfigsWithProtobuf, runPythonJson } from '../helpers/python.js';

const ENTER = '\r';
const DOWN = '\u001b[B';
const ESC = '\u001b';
const CTRL_C = '\u0003';
const CTRL_U = '\u0015';

interface Step {
  expect: string;
  /** Keys to type, or a signal to send to the program (as `kill` would). */
  send?: string;
  signal?: 'SIGTERM' | 'SIGINT';
  timeout?: number;
}
interface Driven {
  exitCode: number | null;
  signal: number | null;
  transcript: string;
  failedStep: number | null;
}

function drive(cwd: string, args: string[], steps: Step[], env: Record<string, string | null> = {}): Promise<Driven> {
  return runPythonJson<Driven>('pty_drive.py', {
    argv: [process.execPath, BIN, ...args],
    cwd,
    env: { CI: null, NO_COLOR: '1', TERM: 'xterm-256color', ...env },
    steps,
    timeout: 40,
  });
}

/** Questions asked for the built-in example, each answered with Enter. */
const ENTER_EVERYWHERE: Step[] = [
  'Project folder',
  'Model name',
  'Template',
  'Max batch size',
  'Python requirement',
  'Asset file',
  'Triton image tag',
  'Advanced settings',
].map((expect) => ({ expect, send: ENTER }));

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-pty-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('interactive flow in a terminal', () => {
  it('Enter at every question produces the built-in example, the same files as --yes', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'enter-'));
    const driven = await drive(cwd, [], ENTER_EVERYWHERE);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode, driven.transcript).toBe(0);
    expect(driven.transcript).toContain('Created model dumb_stub');
    expect(driven.transcript).not.toContain('Using defaults'); // the user chose each value
    const reference = await runCli(['reference', '--yes'], { cwd });
    expect(reference.exitCode).toBe(0);
    const files = listTree(path.join(cwd, 'reference')).filter((p) => !p.endsWith('/') && !p.endsWith('.jpg'));
    expect(listTree(path.join(cwd, 'triton-project'))).toEqual(listTree(path.join(cwd, 'reference')));
    for (const file of files.filter((f) => f !== 'README.md')) {
      expect(readText(cwd, 'triton-project', file), file).toBe(readText(cwd, 'reference', file));
    }
  });

  it('asks for tensors, batch size, requirements and advanced settings, and writes what was answered', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'custom-'));
    const driven = await drive(cwd, [], [
      { expect: 'Project folder', send: 'vision' + ENTER },
      { expect: 'Model name', send: 'classifier' + ENTER },
      { expect: 'Template', send: DOWN + ENTER }, // blank
      { expect: 'Input 1 name', send: CTRL_U + 'pixels' + ENTER },
      { expect: 'pixels data type', send: ENTER }, // FP32, the blank template's default
      { expect: 'pixels dims', send: CTRL_U + '3,224,224' + ENTER },
      { expect: 'Add another input?', send: 'n' + ENTER },
      { expect: 'Output 1 name', send: CTRL_U + 'probs' + ENTER },
      { expect: 'probs data type', send: DOWN + ENTER }, // FP64, the one after FP32
      { expect: 'probs dims', send: CTRL_U + '1000' + ENTER },
      { expect: 'Add another output?', send: 'n' + ENTER },
      { expect: 'Max batch size', send: CTRL_U + '8' + ENTER },
      { expect: 'Python requirement', send: 'torch==2.4.0' + ENTER },
      { expect: 'Python requirement', send: ENTER },
      { expect: 'Asset file', send: ENTER },
      { expect: 'Triton image tag', send: CTRL_U + '24.08' + ENTER },
      { expect: 'Advanced settings', send: 'y' + ENTER },
      { expect: 'Instance group 1 kind', send: DOWN + ENTER }, // gpu
      { expect: 'Instance count', send: CTRL_U + '2' + ENTER },
      { expect: 'GPU ids', send: ENTER }, // every visible GPU
      { expect: 'Add another instance group?', send: 'y' + ENTER },
      { expect: 'Instance group 2 kind', send: ENTER }, // cpu
      { expect: 'Instance count', send: ENTER },
      { expect: 'Add another instance group?', send: ENTER },
      { expect: 'Dynamic batching', send: 'y' + ENTER },
      { expect: 'Preferred batch sizes', send: '4,8' + ENTER },
      { expect: 'Max queue delay', send: ENTER }, // 100
      { expect: 'Config parameter', send: 'threshold=0.5' + ENTER },
      { expect: 'Config parameter', send: ENTER },
      { expect: 'Version policy', send: ENTER }, // latest: no block
      { expect: 'Model version', send: CTRL_U + '3' + ENTER },
      { expect: 'Reshape a tensor', send: ENTER },
    ]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode, driven.transcript).toBe(0);
    const project = path.join(cwd, 'vision');
    expect(readText(project, 'requirements.txt')).toBe('torch==2.4.0\n');
    expect(fs.existsSync(path.join(project, 'models/classifier/3/model.py'))).toBe(true);
    const [parsed] = await parseConfigsWithProtobuf([path.join(project, 'models/classifier/config.pbtxt')]);
    expect(parsed!.message).toMatchObject({
      name: 'classifier',
      max_batch_size: 8,
      input: [{ name: 'pixels', data_type: 'TYPE_FP32', dims: ['3', '224', '224'] }],
      output: [{ name: 'probs', data_type: 'TYPE_FP64', dims: ['1000'] }],
      instance_group: [{ count: 2, kind: 'KIND_GPU' }, { count: 1, kind: 'KIND_CPU' }],
      dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: '100' },
      parameters: { threshold: { string_value: '0.5' } },
    });
    expect(parsed!.message!.version_policy).toBeUndefined();
    expect(readText(project, 'Dockerfile')).toContain('FROM nvcr.io/nvidia/tritonserver:24.08-py3');
  });

  it('asks what the model in the middle of an ensemble takes and answers, and writes the steps from it', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'ensemble-'));
    const UP = '\u001b[A';
    const driven = await drive(cwd, ['pipe'], [
      { expect: 'Model name', send: CTRL_U + 'words' + ENTER },
      { expect: 'Template', send: DOWN + DOWN + DOWN + ENTER }, // ensemble
      { expect: 'Input 1 name', send: CTRL_U + 'text' + ENTER },
      { expect: 'text data type', send: DOWN + DOWN + ENTER }, // STRING, two after FP32
      { expect: 'text dims', send: CTRL_U + '1' + ENTER },
      { expect: 'Add another input?', send: ENTER },
      { expect: 'Output 1 name', send: ENTER }, // result:FP32:4
      { expect: 'result data type', send: ENTER },
      { expect: 'result dims', send: ENTER },
      { expect: 'Add another output?', send: ENTER },
      { expect: 'Model input 1 name', send: CTRL_U + 'ids' + ENTER },
      { expect: 'ids data type', send: UP + UP + ENTER }, // INT64, two before FP32
      { expect: 'ids dims', send: CTRL_U + '-1' + ENTER },
      { expect: 'Add another model input?', send: ENTER },
      { expect: 'Model output 1 name', send: CTRL_U + 'text' + ENTER },
      { expect: 'is already used', send: CTRL_U + ENTER }, // scores:FP32:4, the default
      { expect: 'scores data type', send: ENTER },
      { expect: 'scores dims', send: ENTER },
      { expect: 'Add another model output?', send: ENTER },
      { expect: 'Max batch size', send: ENTER },
      { expect: 'Python requirement', send: ENTER },
      { expect: 'Asset file', send: ENTER },
      { expect: 'Triton image tag', send: ENTER },
      { expect: 'Advanced settings', send: ENTER },
    ]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode, driven.transcript).toBe(0);
    const configs = await parseConfigsWithProtobuf(['words', 'words_preprocess', 'words_model', 'words_postprocess'].map((m) => path.join(cwd, 'pipe/models', m, 'config.pbtxt')));
    expect(configs.map((c) => [c.message!.input, c.message!.output])).toEqual([
      [[{ name: 'text', data_type: 'TYPE_STRING', dims: ['1'] }], [{ name: 'result', data_type: 'TYPE_FP32', dims: ['4'] }]],
      [[{ name: 'text', data_type: 'TYPE_STRING', dims: ['1'] }], [{ name: 'ids', data_type: 'TYPE_INT64', dims: ['-1'] }]],
      [[{ name: 'ids', data_type: 'TYPE_INT64', dims: ['-1'] }], [{ name: 'scores', data_type: 'TYPE_FP32', dims: ['4'] }]],
      [[{ name: 'scores', data_type: 'TYPE_FP32', dims: ['4'] }], [{ name: 'result', data_type: 'TYPE_FP32', dims: ['4'] }]],
    ]);
  });

  it('validates answers as they are typed, with the flags\' rules, and keeps asking', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'validate-'));
    const driven = await drive(cwd, ['p'], [
      { expect: 'Model name', send: CTRL_U + 'bad name' + ENTER },
      { expect: 'not a valid model name', send: CTRL_U + 'good_name' + ENTER },
      { expect: 'Template', send: DOWN + ENTER },
      { expect: 'Input 1 name', send: ENTER },
      { expect: 'data type', send: ENTER },
      { expect: 'dims', send: CTRL_U + '0' + ENTER },
      { expect: 'dimension 0 is not allowed', send: CTRL_U + '-1' + ENTER },
      { expect: 'Add another input?', send: 'y' + ENTER },
      { expect: 'Input 2 name', send: CTRL_U + 'INPUT0' + ENTER },
      { expect: 'INPUT0 is already used', send: ESC },
    ]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode, driven.transcript).toBe(130);
    expect(listTree(cwd)).toEqual([]);
  });

  it('Ctrl-C at a question exits 130 and leaves nothing on disk', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'ctrlc-'));
    const driven = await drive(cwd, [], [
      { expect: 'Project folder', send: 'cancelled' + ENTER },
      { expect: 'Model name', send: ENTER },
      { expect: 'Template', send: CTRL_C },
    ]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode).toBe(130);
    expect(listTree(cwd)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s from outside while a question waits exits 143/130 and leaves nothing on disk', async (signal) => {
    const cwd = fs.mkdtempSync(path.join(root, 'signal-'));
    const driven = await drive(cwd, [], [
      { expect: 'Project folder', send: 'signalled' + ENTER },
      { expect: 'Model name', signal },
    ]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode).toBe(signal === 'SIGTERM' ? 143 : 130);
    expect(listTree(cwd)).toEqual([]);
  });

  it('ESC at the last question exits 130 and leaves nothing on disk', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'esc-'));
    const driven = await drive(cwd, [], [...ENTER_EVERYWHERE.slice(0, -1), { expect: 'Advanced settings', send: ESC }]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode).toBe(130);
    expect(listTree(cwd)).toEqual([]);
  });

  it('never asks what a flag gave', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'flags-'));
    const driven = await drive(cwd, ['given', '--name', 'm', '--template', 'blank', '--input', 'a:FP32:1', '--output', 'b:INT8:2', '--max-batch-size', '0', '-r', 'numpy<2', '--triton-version', '25.01'], [
      { expect: 'Asset file', send: ENTER },
      { expect: 'Advanced settings', send: ENTER },
    ]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode, driven.transcript).toBe(0);
    for (const question of ['Project folder', 'Model name', 'Template', 'Input 1', 'Output 1', 'Max batch size', 'Python requirement', 'Triton image tag']) {
      expect(driven.transcript).not.toContain(question);
    }
    expect(fs.existsSync(path.join(cwd, 'given/models/m/config.pbtxt'))).toBe(true);
  });

  it('never prompts with CI=true, even in a terminal', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'ci-'));
    const driven = await drive(cwd, ['ci-project'], [], { CI: 'true' });
    expect(driven.exitCode, driven.transcript).toBe(0);
    expect(driven.transcript).toContain('Using defaults:');
    expect(driven.transcript).not.toContain('Model name');
  });
});

describe('deploy in a terminal', () => {
  it('asks only what its flags did not give, judges answers with the flags\' rules, and writes what was answered', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'deploy-'));
    expect((await runCli(['p', '--yes', '--template', 'blank', '--input', 'x:FP32:4', '--output', 'y:FP32:4'], { cwd })).exitCode).toBe(0);
    const driven = await drive(path.join(cwd, 'p'), ['deploy', '--replicas', '2'], [
      { expect: 'Image the cluster pulls', send: CTRL_U + 'registry.example.com/team/p:1.0' + ENTER },
      { expect: 'Namespace', send: 'Prod' + ENTER },
      { expect: 'not a Kubernetes namespace', send: CTRL_U + 'team-a' + ENTER },
      { expect: 'GPUs per pod', send: ENTER },
      { expect: 'Shared memory', send: CTRL_U + '2g' + ENTER },
      { expect: 'Manifests for', send: DOWN + ENTER }, // kubernetes
    ]);
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode, driven.transcript).toBe(0);
    expect(driven.transcript).not.toContain('Replicas at least');
    // kubernetes only: no KServe, so no storage URI asked.
    expect(driven.transcript).not.toContain('Where models/ is uploaded');
    expect(listTree(path.join(cwd, 'p/deploy')).filter((f) => !f.endsWith('/') && !f.startsWith('kubernetes/'))).toEqual(['README.md']);
    const kustomization = readText(cwd, 'p/deploy/kubernetes/kustomization.yaml');
    expect(kustomization).toContain('\nnamespace: team-a\n');
    const deployment = readText(cwd, 'p/deploy/kubernetes/deployment.yaml');
    expect(deployment).toContain('image: "registry.example.com/team/p:1.0"');
    expect(deployment).toContain('sizeLimit: 2Gi');
    expect(readText(cwd, 'p/deploy/kubernetes/hpa.yaml')).toContain('minReplicas: 2');
  });
});
