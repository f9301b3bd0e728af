/**
 * The docker layer's pure parts and its KServe client, in process: argv building (Windows paths
 * too), tensor bytes, server-sent events, docker's failure messages, option rules, and the client
 * and readiness polling against the test KServe server on 127.0.0.1.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindMountArg, dockerRunArgs, projectMounts, publishArg } from '../../src/docker/container.js';
import { explainLog, explainRunFailure } from '../../src/docker/diagnose.js';
import { firstErrorLine, formatCommand, type DockerResult } from '../../src/docker/exec.js';
import { decodeInferResponse, generateStream, infer, KServeError, NoAnswerError, SseParser } from '../../src/docker/kserve.js';
import { parseGpus, parseHostAddress, parseImageTag, parseShmSize } from '../../src/docker/options.js';
import { portProblem } from '../../src/docker/ports.js';
import { dockerProblem, dockerProblemMessage } from '../../src/docker/preflight.js';
import { readServedModels, type ServedModel } from '../../src/docker/project.js';
import { waitUntilReady } from '../../src/docker/readiness.js';
import { runSmokeTest, smokeRequestFor } from '../../src/docker/smoke.js';
import { bfloat16Bits, encodeTensor, float16Bits } from '../../src/kserve/tensor-bytes.js';
import { makeTempDir } from '../helpers/cli.js';
import { freePorts } from '../helpers/docker.js';
import { startKserveServer, type RunningKserveServer } from '../helpers/kserve-server.mjs';

const result = (partial: Partial<DockerResult>): DockerResult => ({ exitCode: 1, stdout: '', stderr: '', notFound: false, notExecutable: false, timedOut: false, ...partial });

describe('docker argv', () => {
  it('run: detached, removed on exit, named, shared memory, ports on the publish address, then the image last', () => {
    expect(
      dockerRunArgs({ image: 'demo', name: 'demo-1', host: '127.0.0.1', ports: { http: 8000, grpc: 8001, metrics: 8002 }, shmSize: '1g' }),
    ).toEqual(['run', '--detach', '--rm', '--name=demo-1', '--shm-size=1g', '--publish=127.0.0.1:8000:8000', '--publish=127.0.0.1:8001:8001', '--publish=127.0.0.1:8002:8002', 'demo']);
  });

  it('an IPv6 publish address is bracketed', () => {
    expect(publishArg('::1', 9000, 8000)).toBe('--publish=[::1]:9000:8000');
  });

  it('bind mounts use --mount, CSV-quoting a source holding a comma or a quote', () => {
    expect(bindMountArg('/home/me/p/models', '/models')).toBe('--mount=type=bind,source=/home/me/p/models,target=/models,readonly');
    expect(bindMountArg('/tmp/a,b "c"/models', '/models')).toBe('--mount=type=bind,"source=/tmp/a,b ""c""/models",target=/models,readonly');
  });

  it('mount sources are absolute by the platform rules: Windows drive paths stay whole', () => {
    expect(projectMounts('C:\\Users\\me\\proj', path.win32)).toEqual([
      { source: 'C:\\Users\\me\\proj\\models', target: '/models' },
      { source: 'C:\\Users\\me\\proj\\assets', target: '/assets' },
    ]);
    expect(bindMountArg('C:\\Users\\me\\proj\\models', '/models')).toBe('--mount=type=bind,source=C:\\Users\\me\\proj\\models,target=/models,readonly');
    expect(projectMounts('proj', path.posix)[0]!.source).toBe(path.posix.resolve('proj', 'models'));
  });

  it('commands are shown quoted as a shell would need them (display only)', () => {
    expect(formatCommand(['build', '--tag=demo', '/tmp/my project'])).toBe("docker build --tag=demo '/tmp/my project'");
  });
});

describe('option rules', () => {
  it('image names: docker reference grammar, nothing that could be read as an option', () => {
    for (const ok of ['demo', 'my-project', 'a.b_c__d', 'registry.example.com:5000/team/model:1.0', 'localhost/x', 'x:latest', `x@sha256:${'a'.repeat(64)}`]) {
      expect(parseImageTag(ok)).toBe(ok);
    }
    for (const bad of ['', 'Demo', '-x', '--privileged', 'a b', 'a;b', 'x:', ':tag', 'a//b', 'a-', '$(id)', 'x\n']) {
      expect(() => parseImageTag(bad), bad).toThrow(/--tag ".*": not a docker image name/);
    }
  });

  it('shm sizes, GPU requests and host addresses', () => {
    expect(parseShmSize('1g')).toBe('1g');
    expect(parseShmSize('512MB')).toBe('512MB');
    expect(() => parseShmSize('0')).toThrow();
    expect(() => parseShmSize('-1g')).toThrow();
    expect(parseGpus('all')).toBe('all');
    expect(parseGpus('"device=0,1"')).toBe('"device=0,1"');
    expect(() => parseGpus('all --privileged')).toThrow();
    expect(parseHostAddress('0.0.0.0')).toBe('0.0.0.0');
    expect(parseHostAddress('[::1]')).toBe('::1');
    expect(() => parseHostAddress('localhost')).toThrow();
  });
});

describe('tensor bytes', () => {
  it('float16 bits, rounded to nearest even, with subnormals, overflow and specials', () => {
    expect([0, 1, -2, 0.5, 65504, 1e6, -Infinity].map(float16Bits)).toEqual([0x0000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0xfc00]);
    expect(float16Bits(5.960464477539063e-8)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(1e-9)).toBe(0x0000);
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway: to even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway: to even (up)
    expect(float16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
  });

  it('bfloat16 bits are the float32 upper half, rounded to nearest even', () => {
    expect([0, 1, -2, 3.140625].map(bfloat16Bits)).toEqual([0x0000, 0x3f80, 0xc000, 0x4049]);
    expect(bfloat16Bits(Number.NaN)).toBe(0x7fc0);
  });

  it('encodes each type little-endian; BYTES with 4-byte lengths', () => {
    expect([...encodeTensor('INT32', [1, -1])]).toEqual([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect([...encodeTensor('BOOL', [true, false])]).toEqual([1, 0]);
    expect([...encodeTensor('FP16', [1])]).toEqual([0x00, 0x3c]);
    expect([...encodeTensor('BF16', [1])]).toEqual([0x80, 0x3f]);
    expect([...encodeTensor('INT64', [2])]).toEqual([2, 0, 0, 0, 0, 0, 0, 0]);
    expect(encodeTensor('STRING', ['hé'])).toEqual(Buffer.from([3, 0, 0, 0, 0x68, 0xc3, 0xa9]));
  });
});

describe('server-sent events', () => {
  it('splits events across arbitrary chunk boundaries, joins multi-line data, ignores comments', () => {
    const parser = new SseParser();
    const text = ': hello\n\ndata: {"a":1}\r\n\r\ndata: line1\ndata: line2\n\nevent: x\ndata: {"b":2}\n\ndata: tail';
    const events: string[] = [];
    for (let i = 0; i < text.length; i += 3) events.push(...parser.push(text.slice(i, i + 3)));
    events.push(...parser.end());
    expect(events).toEqual(['{"a":1}', 'line1\nline2', '{"b":2}', 'tail']);
  });
});

describe("docker's failures, explained", () => {
  it('tells apart not installed, daemon down, permission denied, no answer', () => {
    expect(dockerProblem(result({ exitCode: undefined, notFound: true }))).toBe('not-installed');
    expect(dockerProblem(result({ stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' }))).toBe('daemon-down');
    expect(dockerProblem(result({ stderr: 'error during connect: Get "http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.46/version": open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.' }))).toBe('daemon-down');
    expect(
      dockerProblem(result({ stderr: 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://...": dial unix /var/run/docker.sock: connect: permission denied' })),
    ).toBe('permission-denied');
    expect(dockerProblem(result({ exitCode: undefined, timedOut: true }))).toBe('no-answer');
    expect(dockerProblem(result({ exitCode: 0 }))).toBeUndefined();
    const other = result({ stderr: '\nunknown flag: --format\n' });
    expect(dockerProblemMessage(dockerProblem(other)!, other)).toBe('docker is not working: unknown flag: --format');
  });

  it('reads the container log for the likely cause', () => {
    expect(explainLog(["Unable to initialize shared memory key 'triton_python_backend_shm_region_1' to requested size (67108864 bytes)"])).toMatch(/--shm-size/);
    expect(explainLog(["failed to load 'm' version 1: Invalid argument: model 'm', has kind KIND_GPU but no GPUs are available"])).toMatch(/--gpus all/);
    expect(explainLog(["failed to load 'm': ModuleNotFoundError: No module named 'torch'"])).toBe('model.py imports "torch", which is not installed in the image: add it to requirements.txt and rebuild (create-triton-model build)');
    expect(explainLog(["E1126 model_lifecycle.cc:638] failed to load 'm' version 1: Internal: ValueError"])).toBe('a model failed to load: see the log above');
    expect(explainLog(['all good'])).toBeUndefined();
    expect(explainRunFailure('docker: Error response from daemon: Conflict. The container name "/x1" is already in use by container "abc".')).toBe(
      'a container named x1 exists already: choose another --name, or remove it (docker rm -f x1)',
    );
    expect(explainRunFailure('Bind for 127.0.0.1:8000 failed: port is already allocated')).toMatch(/--port-http/);
  });
});

describe('ports', () => {
  it('a port in use on 127.0.0.1 is reported; a free one is not', async () => {
    const [port] = (await freePorts(1)) as [number];
    expect(await portProblem(port, '127.0.0.1')).toBeUndefined();
    const server = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      expect(await portProblem(port, '127.0.0.1')).toBe('is already in use');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('project models from config.pbtxt', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('ctm-models-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };

  it('reads tensors, batch size, decoupled and GPU kind through the text-format parser', () => {
    write(
      'models/b/config.pbtxt',
      'name: "b"\nbackend: "python"\nmax_batch_size: 8\ninput [ { name: "x" data_type: TYPE_FP16 dims: [ -1, 3 ] } ]\noutput { name: "y", data_type: TYPE_STRING, dims: 1 }\ninstance_group [ { kind: KIND_GPU count: 2 } ]\nmodel_transaction_policy { decoupled: true }\n',
    );
    write('models/a/config.pbtxt', 'backend: "python"\ninput { name: "i" data_type: TYPE_INT64 dims: [ 1 ] }\noutput { name: "o" data_type: TYPE_BOOL dims: [ 1 ] }\n');
    write('models/not-a-model/readme.txt', 'no config here');
    expect(readServedModels(dir, '.')).toEqual([
      { name: 'a', maxBatchSize: 0, decoupled: false, wantsGpu: false, inputs: [{ name: 'i', dataType: 'INT64', dims: [1] }], outputs: [{ name: 'o', dataType: 'BOOL', dims: [1] }], configFile: 'models/a/config.pbtxt' },
      { name: 'b', maxBatchSize: 8, decoupled: true, wantsGpu: true, inputs: [{ name: 'x', dataType: 'FP16', dims: [-1, 3] }], outputs: [{ name: 'y', dataType: 'STRING', dims: [1] }], configFile: 'models/b/config.pbtxt' },
    ]);
  });

  it('a config Triton would refuse is one line with its place', () => {
    write('models/c/config.pbtxt', 'name: "c"\ninput { name: "x" data_type: TYPE_FP32 dims: [ 1 ] }\nbogus_field: 1\n');
    expect(() => readServedModels(dir, '.')).toThrow(/^models\/c\/config\.pbtxt:3:1: .*bogus_field.* \(Triton would refuse to load it\)$/);
    write('models/c/config.pbtxt', 'name: "other"\n');
    expect(() => readServedModels(dir, '.')).toThrow('models/c/config.pbtxt: name "other" differs from its folder "c" (Triton refuses to load it)');
  });
});

describe('KServe client against the test server', () => {
  let server: RunningKserveServer;
  const model = (over: Partial<ServedModel>): ServedModel => ({ name: 'm', maxBatchSize: 0, decoupled: false, wantsGpu: false, inputs: [], outputs: [], configFile: 'models/m/config.pbtxt', ...over });
  beforeAll(async () => {
    server = await startKserveServer({
      models: {
        half: { inputs: [{ name: 'x', datatype: 'BF16', shape: [2] }], outputs: [{ name: 'y', datatype: 'BF16', shape: [2] }, { name: 's', datatype: 'BYTES', shape: [1] }] },
        broken: { behaviour: 'infer-error', outputs: [] },
        stream: { decoupled: true, behaviour: 'stream-error', inputs: [{ name: 'p', datatype: 'BYTES', shape: [1] }], outputs: [{ name: 't', datatype: 'BYTES', shape: [1] }] },
      },
    });
  });
  afterAll(() => server.close());
  const base = () => new URL(server.url);

  it('BF16 in and out through the binary extension; JSON outputs alongside', async () => {
    const half = model({ name: 'half', inputs: [{ name: 'x', dataType: 'BF16', dims: [2] }], outputs: [{ name: 'y', dataType: 'BF16', dims: [2] }, { name: 's', dataType: 'STRING', dims: [1] }] });
    const request = smokeRequestFor(half);
    expect(request.kind).toBe('infer');
    const answer = await runSmokeTest(base(), half, request as Exclude<typeof request, { kind: 'none' }>, 5_000);
    expect(answer.responses[0]).toEqual([
      { name: 'y', datatype: 'BF16', shape: [2], detail: '(4 bytes, binary)' },
      { name: 's', datatype: 'BYTES', shape: [1], detail: '"response 1"' },
    ]);
    const sent = server.requests().at(-1)!;
    expect(sent.json.inputs).toEqual([{ name: 'x', shape: [2], datatype: 'BF16', parameters: { binary_data_size: 4 } }]);
    expect([...Buffer.from(sent.binary!, 'base64')]).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it("an error answer becomes a KServeError with Triton's message", async () => {
    await expect(infer(base(), 'broken', { inputs: [] }, [], 5_000)).rejects.toMatchObject({ status: 500, detail: 'Traceback (most recent call last): ValueError: the model is broken' });
    await expect(infer(base(), 'nope', { inputs: [] }, [], 5_000)).rejects.toBeInstanceOf(KServeError);
  });

  it('an error event in a 200 stream ends generate_stream with that error, after the responses before it', async () => {
    const events: unknown[] = [];
    await expect(generateStream(base(), 'stream', { p: 'x' }, 5_000, (e) => events.push(e))).rejects.toMatchObject({ status: 200, detail: 'the model failed on its second response' });
    expect(events).toEqual([{ model_name: 'stream', model_version: '1', t: 'response 1 of 3' }]);
  });

  it('a binary answer is split at Inference-Header-Content-Length', () => {
    const header = Buffer.from(JSON.stringify({ outputs: [{ name: 'a', datatype: 'UINT8', shape: [3], parameters: { binary_data_size: 3 } }] }));
    const decoded = decodeInferResponse({ status: 200, headers: { 'inference-header-content-length': String(header.length) }, body: Buffer.concat([header, Buffer.from([7, 8, 9])]) });
    expect([...decoded.outputs[0]!.binary!]).toEqual([7, 8, 9]);
    expect(() => decodeInferResponse({ status: 200, headers: { 'inference-header-content-length': '999' }, body: header })).toThrow(/does not fit/);
  });

  it('no server: NoAnswerError', async () => {
    const [port] = (await freePorts(1)) as [number];
    await expect(infer(new URL(`http://127.0.0.1:${port}`), 'm', { inputs: [] }, [], 2_000)).rejects.toBeInstanceOf(NoAnswerError);
  });

  it('a decoupled model whose inputs generate_stream cannot carry gets no request, and a reason', () => {
    const request = smokeRequestFor(model({ decoupled: true, maxBatchSize: 4, inputs: [{ name: 'p', dataType: 'STRING', dims: [1] }] }));
    expect(request).toEqual({ kind: 'none', reason: expect.stringContaining('gRPC streaming (python client.py)') });
  });
});

describe('readiness polling', () => {
  it('ready after a delay: reports starting -> loading -> ready, in bounded time', async () => {
    const server = await startKserveServer({ readyAfterMs: 1_000, models: { m: { outputs: [] } } }); // long enough that the first poll, even on a loaded machine, sees it starting
    try {
      const phases: string[] = [];
      const outcome = await waitUntilReady({ baseUrl: new URL(server.url), models: ['m'], timeoutMs: 5_000, intervalMs: 20, onProgress: (s) => phases.push(s.phase) });
      expect(outcome.ok).toBe(true);
      // onProgress also fires when the set of ready models changes within a phase (the model can turn
      // ready between the server probe and its own), so the phases are compared as a sequence.
      expect(phases.filter((phase, i) => phase !== phases[i - 1])).toEqual(['starting', 'loading', 'ready']);
    } finally {
      await server.close();
    }
  });

  it('nothing listening: times out in the starting phase; a stopped container ends the wait at once', async () => {
    const [port] = (await freePorts(1)) as [number];
    const started = Date.now();
    const outcome = await waitUntilReady({ baseUrl: new URL(`http://127.0.0.1:${port}`), models: ['m'], timeoutMs: 300, intervalMs: 20 });
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout', state: { phase: 'starting', notReady: ['m'] } });
    expect(Date.now() - started).toBeLessThan(2_000);
    const stopped = await waitUntilReady({ baseUrl: new URL(`http://127.0.0.1:${port}`), models: ['m'], timeoutMs: 5_000, intervalMs: 20, stopped: () => true });
    expect(stopped).toMatchObject({ ok: false, reason: 'stopped' });
  });

  it('a probe running into the deadline is not taken for a server that stopped answering', async () => {
    // Each answer takes 60 ms and the deadline falls inside a probe: cut short, it would report "starting".
    const server = await startKserveServer({ answerDelayMs: 60, models: { slow: { behaviour: 'never-ready', outputs: [] } } });
    try {
      for (const timeoutMs of [150, 230, 310]) {
        const outcome = await waitUntilReady({ baseUrl: new URL(server.url), models: ['slow'], timeoutMs, intervalMs: 1 });
        expect(outcome, `timeout ${timeoutMs} ms`).toMatchObject({ ok: false, reason: 'timeout', state: { phase: 'loading', notReady: ['slow'] } });
      }
    } finally {
      await server.close();
    }
  });

  it('a model that never becomes ready: times out in the loading phase naming it', async () => {
    const server = await startKserveServer({ models: { good: { outputs: [] }, bad: { behaviour: 'never-ready', outputs: [] } } });
    try {
      // Many polls, so the last one lands right at the deadline: it must not be cut short into "no answer".
      const outcome = await waitUntilReady({ baseUrl: new URL(server.url), models: ['bad', 'good'], timeoutMs: 2_000, intervalMs: 5 });
      expect(outcome).toMatchObject({ ok: false, reason: 'timeout', state: { phase: 'loading', ready: ['good'], notReady: ['bad'] } });
    } finally {
      await server.close();
    }
  });
});

describe('one-line docker errors', () => {
  it("picks the line that names the error, not docker's preamble", () => {
    expect(firstErrorLine(result({ stderr: "Unable to find image 'x:latest' locally\ndocker: Error response from daemon: pull access denied for x.\nSee 'docker run --help'." }))).toBe(
      'docker: Error response from daemon: pull access denied for x.',
    );
    expect(firstErrorLine(result({ stderr: '\n  something odd\n' }))).toBe('something odd');
    expect(firstErrorLine(result({ exitCode: 3 }))).toBe('exit code 3');
    expect(firstErrorLine(result({ exitCode: undefined, timedOut: true }))).toBe('docker did not finish in time');
  });
});
