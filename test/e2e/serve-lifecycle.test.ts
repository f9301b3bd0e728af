/**
 * `serve` over a model's life: --reload picks up an edited model.py (and a fixed one) while the
 * other models keep their process; a model whose initialize raises, or that imports a module the
 * Python lacks, is reported and not ready while the others serve; the import preflight stops a
 * server that could serve nothing, saying what to install; SIGINT and SIGTERM finalize every model
 * and exit 0.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, TEST_PYTHON } from '../helpers/cli.js';
import { echoSource, MISSING_MODULE, writeBroken, writeEcho, writeNeedy } from '../helpers/serve-models.js';
import { call, inferBody, killAllServers, serveUntilExit, startServe, type Served } from '../helpers/serve.js';

let root: string;

async function project(id: string): Promise<{ dir: string; repository: string }> {
  const result = await runCli([id, '--template', 'blank', '--name', 'first', '--input', 'INPUT0:FP32:4', '--output', 'OUTPUT0:FP32:4', '--yes'], { cwd: root });
  expect(result.exitCode, result.stderr).toBe(0);
  return { dir: path.join(root, id), repository: path.join(root, id, 'models') };
}

const echoRequest = (x: number[]) => inferBody({ inputs: [{ name: 'x', datatype: 'INT32', shape: [x.length], data: x }] });
const firstRequest = inferBody({ inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }] });

async function inferEcho(served: Served, x: number[]) {
  return call(`${served.url}/v2/models/echo/infer`, echoRequest(x));
}

/** Poll `probe` until it returns true (bounded). */
async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

beforeAll(() => {
  root = makeTempDir('ctm-serve-life-');
});

afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('serve --reload', () => {
  it('an edited model.py answers the next request; a broken edit is reported and not ready, a fix brings it back; the other model keeps its process', async () => {
    const { dir, repository } = await project('reload');
    writeEcho(repository, { value: 1 });
    const served = await startServe([dir, '--reload', '--log-verbose'], { cwd: root });
    await served.waitFor(/--reload: watching/);
    expect(served.stdout()).toMatch(/^V\d{4} [\d:.]+ \d+ model\.py:\d+\] \[echo\] verbose line$/m);
    expect((await inferEcho(served, [1, 2])).json.outputs[0].data).toEqual([2, 3]);
    const firstPid = /\d+ model\.py:\d+\] \[first\] first version 1 loaded/.exec(served.stdout())?.[0];
    expect(firstPid).toBeDefined();

    const modelPy = path.join(repository, 'echo', '1', 'model.py');
    fs.writeFileSync(modelPy, echoSource(100));
    await eventually(async () => {
      const answer = await inferEcho(served, [1, 2]);
      return answer.status === 200 && JSON.stringify(answer.json.outputs[0].data) === '[101,102]';
    }, 'the edited model answering');
    expect(served.stdout()).toMatch(/serve\] echo: changed, reloading/);
    expect(served.stdout()).toContain("successfully unloaded 'echo' version 1");
    expect(served.stdout()).toMatch(/\[echo\] finalized/);

    // A syntax error: reported with its traceback, the model not ready, the server still up.
    fs.writeFileSync(modelPy, echoSource(3).replace('class TritonPythonModel:', 'class TritonPythonModel(:'));
    await eventually(async () => (await call(`${served.url}/v2/models/echo/ready`)).status === 400, 'echo not ready');
    await served.waitFor(/failed to load 'echo' version 1: SyntaxError/);
    expect(served.stderr()).toMatch(/ {2}File "[^"]*echo[/\\]1[/\\]model\.py", line \d+\n {4}class TritonPythonModel\(:\n *\^\nSyntaxError: invalid syntax\n/);
    const down = await inferEcho(served, [1]);
    expect([down.status, down.json]).toEqual([404, { error: "Request for unknown model: 'echo' has no available versions" }]);
    expect((await call(`${served.url}/v2/health/ready`)).status).toBe(400);
    expect((await call(`${served.url}/v2/models/first/infer`, firstRequest)).status).toBe(200);

    fs.writeFileSync(modelPy, echoSource(3));
    await eventually(async () => JSON.stringify((await inferEcho(served, [1])).json?.outputs?.[0]?.data) === '[4]', 'the fixed model answering');
    expect((await call(`${served.url}/v2/health/ready`)).status).toBe(200);

    // A model folder that appears is loaded; one that goes away is unloaded.
    const staging = makeTempDir('ctm-serve-new-');
    writeEcho(staging, { name: 'echo2', value: 5 });
    fs.renameSync(path.join(staging, 'echo2'), path.join(repository, 'echo2'));
    await eventually(async () => JSON.stringify((await call(`${served.url}/v2/models/echo2/infer`, echoRequest([1]))).json?.outputs?.[0]?.data) === '[6]', 'the new model answering');
    fs.rmSync(path.join(repository, 'echo2'), { recursive: true });
    await eventually(async () => (await call(`${served.url}/v2/models/echo2`)).json?.error === "Request for unknown model: 'echo2' is not found", 'the removed model gone');
    expect(served.stdout()).toContain('echo2: removed (its folder is gone)');

    // first was never restarted: its one load line, no unload.
    expect(served.stdout().match(/\[first\] first version 1 loaded/g)).toHaveLength(1);
    expect(served.stdout()).not.toContain("unloaded 'first'");
    expect((await served.stop()).exitCode).toBe(0);
  });
});

describe('serve --reload: saves by rename', () => {
  it('four saves in a row by `mv new model.py` (as sed -i, vim and formatters save): each one answers the next requests', async () => {
    const { dir, repository } = await project('reload-mv');
    writeEcho(repository, { value: 2 });
    const served = await startServe([dir, '--reload'], { cwd: root });
    await served.waitFor(/--reload: watching/);
    const modelPy = path.join(repository, 'echo', '1', 'model.py');
    const seen: number[] = [];
    for (const value of [3, 4, 5, 6]) {
      fs.writeFileSync(`${modelPy}.new`, echoSource(value - 1));
      fs.renameSync(`${modelPy}.new`, modelPy);
      await eventually(async () => (await inferEcho(served, [1])).json?.outputs?.[0]?.data?.[0] === value, `the save giving ${value}`);
      seen.push((await inferEcho(served, [1])).json.outputs[0].data[0] as number);
    }
    expect(seen).toEqual([3, 4, 5, 6]);
    expect((await served.stop()).exitCode).toBe(0);
  });
});

describe('serve: models that cannot load', () => {
  it('a model whose initialize raises and one missing a module are reported and not ready; the others serve', async () => {
    const { dir, repository } = await project('broken');
    writeBroken(repository);
    writeNeedy(repository);
    const served = await startServe([dir], { cwd: root });
    const err = served.stderr();
    expect(err).toMatch(/failed to load 'broken' version 1: ValueError: boom at initialize/);
    // The traceback starts at the model's code: serve's and the fake's own frames are left out.
    expect(err).toMatch(/Traceback \(most recent call last\):\n {2}File "[^"]*broken[/\\]1[/\\]model\.py", line 3, in initialize\n.*\nValueError: boom at initialize\n/);
    expect(err).not.toMatch(/worker\.py|harness\.py/);
    expect(err).toContain(`failed to load 'needy': ${TEST_PYTHON} cannot import ${MISSING_MODULE} (broken/models/needy/1/model.py line 3); not in requirements.txt`);
    expect(served.stdout()).toMatch(/\| broken +\| 1 +\| UNAVAILABLE: Internal: ValueError: boom at initialize/);

    expect((await call(`${served.url}/v2/health/ready`)).status).toBe(400);
    const ready = await call(`${served.url}/v2/models/broken/ready`);
    expect([ready.status, ready.json]).toEqual([400, { error: 'Model version not ready' }]);
    const infer = await call(`${served.url}/v2/models/broken/infer`, echoRequest([1]));
    expect([infer.status, infer.json]).toEqual([404, { error: "Request for unknown model: 'broken' has no available versions" }]);
    const index = await call(`${served.url}/v2/repository/index`, { method: 'POST', body: '{}' });
    expect(index.json).toEqual([
      // Triton's reason: the stub's error as an INTERNAL status, with where it was raised.
      { name: 'broken', version: '1', state: 'UNAVAILABLE', reason: expect.stringMatching(/^Internal: ValueError: boom at initialize\n\nAt:\n {2}.*broken[/\\]1[/\\]model\.py\(3\): initialize\n$/) },
      { name: 'first', version: '1', state: 'READY' },
      { name: 'needy', state: 'UNAVAILABLE', reason: expect.stringContaining(`cannot import ${MISSING_MODULE}`) },
    ]);
    expect((await call(`${served.url}/v2/models/first/infer`, firstRequest)).status).toBe(200);
    expect((await served.stop()).exitCode).toBe(0);
  });

  it('a project whose only model imports a missing module: exit 1, naming the module and how to install it', async () => {
    const dir = path.join(root, 'needy-only');
    writeNeedy(path.join(dir, 'models'));
    fs.writeFileSync(path.join(dir, 'requirements.txt'), 'numpy<2\n');
    const result = await serveUntilExit(['needy-only'], { cwd: root });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error: no model can be loaded:\n  needy: ${TEST_PYTHON} cannot import ${MISSING_MODULE} (needy-only/models/needy/1/model.py line 3)`);
    expect(result.stderr).toContain(`not in requirements.txt (the image needs them too): ${MISSING_MODULE}`);
    expect(result.stderr).toContain(`install them: ${TEST_PYTHON} -m venv needy-only/.venv && needy-only/.venv/bin/pip install -r needy-only/requirements.txt`);
    expect(result.stderr).not.toContain('Traceback');
  });

  it("uses the project's .venv before --python, and says how to install numpy into it when it lacks it", async () => {
    const { dir } = await project('no-numpy');
    // A stand-in for a fresh venv: the system Python without its site-packages (so without numpy).
    fs.mkdirSync(path.join(dir, '.venv', 'bin'), { recursive: true });
    const venvPython = path.join(dir, '.venv', 'bin', 'python');
    fs.writeFileSync(venvPython, `#!/bin/sh\nexec ${TEST_PYTHON} -I -S "$@"\n`, { mode: 0o755 });
    const result = await serveUntilExit([], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: \S+ cannot import numpy, which every Python-backend model needs \(ModuleNotFoundError: No module named 'numpy'\)$/m);
    expect(result.stderr).toContain('install them: .venv/bin/pip install -r requirements.txt -c constraints.txt');
    expect(result.stdout).toBe('');
  });

  it('a folder that is not a project: one line, exit 1', async () => {
    fs.mkdirSync(path.join(root, 'empty'), { recursive: true });
    const result = await serveUntilExit(['empty'], { cwd: root });
    expect([result.exitCode, result.stderr]).toEqual([1, 'error: [project-or-models-dir] "empty": neither a project (no models/ folder) nor a model repository (no model folders)']);
    const port = await runCli(['serve', 'empty', '--port', 'x'], { cwd: root });
    expect([port.exitCode, port.stderr]).toEqual([1, 'error: --port "x": not a port (allowed: an integer from 0 to 65535, 0 picks a free port)']);
  });
});

describe('serve: stopping', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s to the whole process group (Ctrl-C, docker stop): every model runs finalize, exit 0', async (signal) => {
    const { dir, repository } = await project(`stop-${signal}`);
    const marker = path.join(root, `finalized-${signal}.txt`);
    writeEcho(repository, { marker });
    const served = await startServe([dir], { cwd: root });
    expect((await inferEcho(served, [1])).status).toBe(200);
    const result = await served.stop(signal, { group: true });
    expect(result.exitCode).toBe(0);
    expect(fs.readFileSync(marker, 'utf8')).toBe('finalized');
    expect(result.stdout).toMatch(/\[echo\] finalized/);
    expect(result.stdout).toMatch(/\[first\] unloaded/);
    expect(result.stdout).toMatch(/serve: stopped \(every model finalized\)\n$/);
  });
});
