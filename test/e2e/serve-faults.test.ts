/**
 * `serve` with faulty models: one model's crash, garbage on its channel or a closed channel ends
 * that model's process only (its request 500, the others keep serving) and the next request
 * starts it again; SystemExit and KeyboardInterrupt fail the request as in Triton 2.51.0 (same
 * status, same message); requests whose client left are not run; and every way of stopping serve
 * (one Ctrl-C, two, serve killed) leaves no process behind, checked by an environment marker every
 * process serve starts inherits.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import { CHANNEL_SABOTAGE, SABOTAGE_IMPORTS, writeEcho, writeFaulty, writeModel, writeSlowCounter } from '../helpers/serve-models.js';
import { call, killAllServers, leftoverProcesses, processesWithMarker, rawRequest, startServe, type Served } from '../helpers/serve.js';

let root: string;
let repository: string;
let served: Served;
let marker: string;

const request = (x: number) => JSON.stringify({ inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: [x] }] });
const infer = (model: string, x: number, timeoutMs = 30_000) => call(`${served.url}/v2/models/${model}/infer`, { body: request(x) }, timeoutMs);
/** serve's model processes: every process with the marker but serve itself. */
const modelProcesses = () => processesWithMarker(marker).filter((pid) => pid !== served.pid).length;

beforeAll(async () => {
  root = makeTempDir('ctm-serve-faults-');
  repository = path.join(root, 'models');
  writeEcho(repository);
  writeFaulty(repository, 'os_exit', 'os._exit(3)');
  writeFaulty(repository, 'sys_exit', 'sys.exit()');
  writeFaulty(repository, 'kbint', 'raise KeyboardInterrupt("stop")');
  writeFaulty(repository, 'sysexit3', 'raise SystemExit(3)');
  for (const [name, statement] of Object.entries(CHANNEL_SABOTAGE)) writeFaulty(repository, name, statement, SABOTAGE_IMPORTS);
  writeSlowCounter(repository);
  marker = `faults-${process.pid}-${Date.now()}`;
  served = await startServe([repository], { cwd: root, marker });
});

afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('serve: a model that raises SystemExit or KeyboardInterrupt, or whose process dies (as Triton 2.51.0 answers)', () => {
  it.each([
    ['sys_exit', 'SystemExit: <EMPTY MESSAGE>'],
    ['sysexit3', 'SystemExit: 3'],
    ['kbint', 'KeyboardInterrupt: stop'],
  ])('%s: that request 500 with Triton’s message, the next one served by the same process', async (model, error) => {
    const before = modelProcesses();
    const failed = await infer(model, 1);
    expect(failed.status).toBe(500);
    // Triton 2.51.0: {"error":"Failed to process the request(s) for model 'sys_exit_0', message: SystemExit: <EMPTY MESSAGE>\n\nAt:\n  /.../sys_exit/1/model.py(11): execute\n"}
    const modelPy = path.join(repository, model, '1', 'model.py');
    expect(failed.json.error).toBe(`Failed to process the request(s) for model '${model}_0', message: ${error}\n\nAt:\n  ${modelPy}(12): execute\n`);
    const next = await infer(model, 0);
    expect([next.status, next.json.outputs[0].data]).toEqual([200, [0]]);
    expect(modelProcesses()).toBe(before);
    expect(served.stdout() + served.stderr()).not.toContain(`restarting '${model}'`);
  });

  it('os._exit in execute: that request 500 "Stub process \'os_exit_0\' is not healthy." (Triton’s words), the model stays ready, the next request starts it again', async () => {
    const failed = await infer('os_exit', 1);
    expect([failed.status, failed.json]).toEqual([500, { error: "Stub process 'os_exit_0' is not healthy." }]);
    await served.waitFor(/os_exit:1: the model's Python process ended \(exit code 3\); it will be started again on the next request/);
    // Triton 2.51.0 keeps the model READY too (and then answers every request with that 500 for good).
    expect((await call(`${served.url}/v2/models/os_exit/ready`)).status).toBe(200);
    expect((await infer('echo', 1)).status).toBe(200);
    for (let round = 0; round < 2; round++) {
      const next = await infer('os_exit', 0);
      expect([next.status, next.json.outputs[0].data]).toEqual([200, [0]]);
    }
    expect(served.stderr()).toMatch(/W\d{4} [\d:.]+ \d+ serve\] restarting 'os_exit' version 1: the model's Python process ended \(exit code 3\)/);
    expect(served.stdout()).toContain("successfully restarted 'os_exit' version 1");
    expect(served.stdout().match(/restarted 'os_exit'/g)).toHaveLength(1);
  });
});

describe('serve: a model that breaks its channel to serve', () => {
  it.each(['garbage', 'oversize'])('%s: bytes that are not a frame end that model’s process only: its request 500, the others serve, the next request starts it again', async (model) => {
    const failed = await infer(model, 1);
    expect([failed.status, failed.json]).toEqual([500, { error: `Stub process '${model}_0' is not healthy.` }]);
    // The log line and the answer travel apart (stderr, the HTTP socket): the line may come second.
    await served.waitFor(new RegExp(`${model}:1: the model's Python process wrote a frame .* to its channel to serve: process killed; it will be started again`), 10_000);
    expect((await infer('echo', 2)).json.outputs[0].data).toEqual([3]);
    expect((await infer(model, 0)).status).toBe(200);
  });

  it.each([
    ['closer', /serve: the model closed its channel to the server \(descriptor \d+\): this process ends/],
    ['shutter', /shutter:1: the model's Python process closed its channel to serve: process killed/],
  ])('%s: a channel closed or shut down while the process hangs ends that model: its request 500 within seconds, its process gone', async (model, logged) => {
    const before = modelProcesses();
    const failed = await infer(model, 1);
    expect([failed.status, failed.json]).toEqual([500, { error: `Stub process '${model}_0' is not healthy.` }]);
    await served.waitFor(logged);
    const deadline = Date.now() + 10_000;
    while (modelProcesses() !== before - 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(modelProcesses()).toBe(before - 1);
    expect((await call(`${served.url}/v2/health/ready`)).status).toBe(200);
  });

  it('the channel is not on fd 3: a model closing fd 3 goes on serving', async () => {
    const answer = await infer('fd3', 1);
    expect([answer.status, answer.json.outputs?.[0]?.data]).toEqual([200, [1]]);
    expect((await infer('fd3', 0)).status).toBe(200);
  });
});

describe('serve: requests whose client left', () => {
  it('are dropped before they start: ten clients gone after 0.5 s do not make the next request wait for ten runs of a 2 s model', async () => {
    const url = `${served.url}/v2/models/slow/infer`;
    const gone = await Promise.all(Array.from({ length: 10 }, () => rawRequest(url, { body: Buffer.from(request(0)), abandonAfterMs: 500 })));
    expect(gone).toEqual(Array(10).fill('abandoned'));
    const next = await call(url, { body: request(0) }, 60_000);
    // The first of the ten had started (1), this one is the next run (2); the nine others never ran.
    expect(next.status).toBe(200);
    expect(next.json.outputs[0].data[0]).toBeLessThanOrEqual(2);
    const abandoned = () => served.stdout().match(/slow version 1: POST \/v2\/models\/slow\/infer abandoned by the client in [\d.]+ ms/g)?.length ?? 0;
    const deadline = Date.now() + 10_000;
    while (abandoned() < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(abandoned()).toBe(10);
  });
});

describe('serve: every way of stopping leaves no process behind', () => {
  /** initialize() starts a child process that would outlive the model; execute() blocks when x is 1. */
  function writeStubborn(repo: string): void {
    writeModel(
      repo,
      'stubborn',
      `max_batch_size: 0
input [ { name: "x" data_type: TYPE_INT32 dims: [ 1 ] } ]
output [ { name: "y" data_type: TYPE_INT32 dims: [ 1 ] } ]
`,
      `import subprocess
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        self.child = subprocess.Popen(["sleep", "300"])

    def execute(self, requests):
        x = pb_utils.get_input_tensor_by_name(requests[0], "x").as_numpy()
        if x[0] == 1:
            pb_utils.Logger.log_info("stuck in execute")
            time.sleep(3600)
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", x)])]
`,
    );
  }

  async function stubbornServe(id: string): Promise<{ served: Served; marker: string }> {
    const repo = path.join(root, id, 'models');
    writeStubborn(repo);
    writeEcho(repo);
    const mark = `${id}-${process.pid}-${Date.now()}`;
    const server = await startServe([repo], { cwd: root, marker: mark });
    // serve, two model processes and the model's sleep.
    expect(processesWithMarker(mark).length).toBe(4);
    return { served: server, marker: mark };
  }

  it('one Ctrl-C: every model finalized, exit 0; what a model started is gone too', async () => {
    const { served: server, marker: mark } = await stubbornServe('once');
    const result = await server.stop('SIGINT');
    expect(result.exitCode).toBe(0);
    expect(await leftoverProcesses(mark)).toEqual([]);
  });

  it('a second Ctrl-C while a model is busy: exit 130 at once, the busy model and what it started killed', async () => {
    const { served: server, marker: mark } = await stubbornServe('twice');
    const busy = rawRequest(`${server.url}/v2/models/stubborn/infer`, { body: Buffer.from(request(1)), timeoutMs: 120_000 }).catch(() => 'failed');
    await server.waitFor(/\[stubborn\] stuck in execute/);
    process.kill(server.pid, 'SIGINT');
    await server.waitFor(/SIGINT received: no new requests/);
    const started = Date.now();
    const result = await server.stop('SIGINT');
    expect(result.exitCode).toBe(130);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await leftoverProcesses(mark)).toEqual([]);
    await busy;
  });

  it('serve killed (SIGKILL, nothing to clean up after it): its models see their channel close, finalize and go, with what they started', async () => {
    const { served: server, marker: mark } = await stubbornServe('killed');
    process.kill(server.pid, 'SIGKILL');
    expect(await leftoverProcesses(mark, 20_000)).toEqual([]);
    server.kill();
  });

  it('twelve models whose finalize logs a lot just before returning: a clean stop is exit 0, never "finalize failed"', async () => {
    const repo = path.join(root, 'twelve', 'models');
    for (let i = 0; i < 12; i++) {
      writeModel(
        repo,
        `m${i}`,
        'max_batch_size: 0\ninput [ { name: "x" data_type: TYPE_INT32 dims: [ 1 ] } ]\noutput [ { name: "y" data_type: TYPE_INT32 dims: [ 1 ] } ]\n',
        `import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.get_input_tensor_by_name(r, "x")]) for r in requests]

    def finalize(self):
        pb_utils.Logger.log_info("bye " + "-" * 500000)
`,
      );
    }
    const mark = `twelve-${process.pid}-${Date.now()}`;
    const server = await startServe([repo], { cwd: root, marker: mark, timeoutMs: 120_000 });
    const result = await server.stop('SIGINT');
    expect(result.stderr).not.toContain('finalize');
    expect([result.exitCode, result.stdout.trimEnd().split('\n').at(-1)]).toEqual([0, 'serve: stopped (every model finalized)']);
    expect(await leftoverProcesses(mark)).toEqual([]);
  });
});
