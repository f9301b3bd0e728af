/**
 * build and run end to end with a fake `docker` first on PATH (test/helpers/fake-docker.mjs): it
 * records every argv and starts a small KServe v2 server on 127.0.0.1 as its "container"
 * (test/helpers/kserve-server.mjs), which records every HTTP request. Assertions are on what a user
 * sees (messages, exit codes), on the exact argv docker received, and on the requests Triton got,
 * checked against the config.pbtxt files as protobuf parses them.
 */

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { makeFakeDocker, portFlags, spawnCli, waitForOutput, type FakeDocker, type RecordedRequest, type TritonConfig } from '../helpers/docker.js';
import { parseConfigsWithProtobuf } from '../helpers/python.js';

let work: string;
let docker: FakeDocker;

/** Tensors of a generated config.pbtxt as protobuf's own parser reads them. */
interface ConfigTensors {
  maxBatchSize: number;
  inputs: { name: string; datatype: string; dims: number[] }[];
  outputs: { name: string; datatype: string; dims: number[] }[];
}
const configs = new Map<string, ConfigTensors>();

const wire = (configType: string) => (configType === 'TYPE_STRING' ? 'BYTES' : configType.replace(/^TYPE_/, ''));

/** The fake Triton's model entry for a project's model, from its config as protobuf parsed it. */
function serverModel(project: string, extra: Partial<TritonConfig['models'][string]> = {}): TritonConfig['models'][string] {
  const config = configs.get(project)!;
  const batch = config.maxBatchSize > 0 ? [-1] : [];
  return {
    inputs: config.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...batch, ...t.dims] })),
    outputs: config.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...batch, ...t.dims] })),
    ...extra,
  };
}

const tritonEnv = (config: TritonConfig) => ({ FAKE_TRITON_CONFIG: JSON.stringify(config) });

beforeAll(async () => {
  work = makeTempDir('ctm-docker-');
  const projects: [string, string[]][] = [
    ['demo', ['--yes']],
    ['half', ['--name', 'halfm', '--input', 'x:FP16:2,3', '--input', 'tag:STRING:1', '--input', 'flag:BOOL:2', '--output', 'y:FP16:2,3', '--output', 'n:INT64:1', '--max-batch-size', '4']],
    ['stream', ['--template', 'decoupled', '--yes']],
    ['gpu', ['--yes', '--instance-kind', 'gpu']],
  ];
  for (const [dir, flags] of projects) {
    const result = await runCli([dir, ...flags], { cwd: work });
    expect(result.exitCode, result.stderr).toBe(0);
  }
  const files = projects.map(([dir]) => {
    const models = path.join(work, dir, 'models');
    const [model] = fs.readdirSync(models);
    return path.join(models, model!, 'config.pbtxt');
  });
  const parsed = await parseConfigsWithProtobuf(files);
  parsed.forEach((config, index) => {
    expect(config.error).toBeUndefined();
    const message = config.message as Record<string, any>;
    const tensors = (list: any[] = []) => list.map((t) => ({ name: t.name, datatype: wire(t.data_type), dims: t.dims.map(Number) }));
    configs.set(projects[index]![0], { maxBatchSize: message.max_batch_size ?? 0, inputs: tensors(message.input), outputs: tensors(message.output) });
  });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

beforeEach(() => {
  docker = makeFakeDocker();
});
afterEach(() => docker.cleanup());

const project = (name: string) => path.join(work, name);
/** The one-line error the CLI printed, without its prefix. */
const errorLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  return lines[0]!.slice('error: '.length);
};
const containerName = (calls: string[][]) => calls.find((c) => c[0] === 'run')?.find((a) => a.startsWith('--name='))?.slice('--name='.length);
const inferRequests = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'POST');

describe('build', () => {
  it('runs docker build --tag=<folder name> <absolute folder>, from any folder', async () => {
    const cwd = path.join(work, 'demo', 'models');
    const result = await runCli(['build', '..'], { cwd, env: docker.env() });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(docker.calls()).toEqual([
      ['version', '--format={{.Server.Version}}'],
      ['build', '--tag=demo', project('demo')],
    ]);
    expect(result.stdout).toContain(`$ docker build --tag=demo ${project('demo')}`);
    expect(result.stdout).toMatch(/✔ Built image demo \(\d+\.\d s\)/);
    // Without --verbose docker's own lines stay hidden.
    expect(result.stdout).not.toContain('load build definition');
  });

  it('--tag names the image; --verbose streams docker output, each line prefixed', async () => {
    const result = await runCli(['build', 'demo', '--tag', 'registry.example.com:5000/team/model:1.0', '--verbose'], { cwd: work, env: docker.env() });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(docker.calls()[1]).toEqual(['build', '--tag=registry.example.com:5000/team/model:1.0', project('demo')]);
    expect(result.stdout).toContain('  │ #1 [internal] load build definition from Dockerfile');
    expect(result.stdout).toContain('  │ #6 naming to docker.io/library/registry.example.com:5000/team/model:1.0 done');
  });

  it('a failing build shows its last lines, says so in one line and exits 1', async () => {
    const result = await runCli(['build', 'demo'], { cwd: work, env: docker.env({ FAKE_DOCKER_BUILD: 'fail' }) });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Last lines of docker build:');
    expect(result.stdout).toContain('  │ #5 1.234 ERROR: Could not find a version that satisfies the requirement torch==9.9.9');
    expect(result.stdout).toContain('  │ ERROR: failed to solve: process "/bin/sh -c pip install');
    expect(errorLine(result.stderr)).toBe('docker build of demo failed (exit code 1): see its output above');
  });

  it('refuses an image name docker would misread, before calling docker', async () => {
    // `--tag=` form: a separate `--privileged` would be read by yargs as an unknown flag (a usage error).
    for (const tag of ['Demo', '--privileged', 'a b', 'x;rm -rf ~', 'name:bad tag', '$(id)', 'a\nb']) {
      const result = await runCli(['build', 'demo', `--tag=${tag}`], { cwd: work, env: docker.env() });
      expect(result.exitCode, tag).toBe(1);
      expect(errorLine(result.stderr)).toMatch(/^--tag ".*": not a docker image name/);
    }
    expect(docker.calls()).toEqual([]);
  });

  it('refuses a folder that is not a project, before calling docker', async () => {
    const empty = makeTempDir('ctm-empty-');
    const result = await runCli(['build'], { cwd: empty, env: docker.env() });
    expect(result.exitCode).toBe(1);
    expect(errorLine(result.stderr)).toBe('[directory] ".": no Dockerfile (is it a project created by create-triton-model?)');
    expect(docker.calls()).toEqual([]);
    fs.rmSync(empty, { recursive: true });
  });
});

describe('docker itself: missing, daemon down, permission denied', () => {
  it('no docker on PATH: one line saying so, exit 1', async () => {
    const emptyBin = makeTempDir('ctm-nobin-');
    for (const command of [['build', 'demo'], ['run', 'demo']]) {
      const result = await runCli(command, { cwd: work, env: { PATH: emptyBin } });
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe('');
      expect(errorLine(result.stderr)).toBe('docker is not installed (no "docker" command on PATH): install Docker (https://docs.docker.com/get-docker/) and try again');
    }
    fs.rmSync(emptyBin, { recursive: true });
  });

  it('the daemon is not running: one line saying so and what to do, exit 1, nothing else attempted', async () => {
    for (const command of [['build', 'demo'], ['run', 'demo']]) {
      const fake = makeFakeDocker();
      const result = await runCli(command, { cwd: work, env: fake.env({ FAKE_DOCKER_DAEMON: 'down' }) });
      expect(result.exitCode).toBe(1);
      expect(errorLine(result.stderr)).toBe(
        'the Docker daemon is not running (nothing answers at unix:///var/run/docker.sock): start Docker Desktop, or "sudo systemctl start docker", and try again',
      );
      expect(fake.calls()).toEqual([['version', '--format={{.Server.Version}}']]);
      fake.cleanup();
    }
  });

  it('permission denied on the socket: one line saying so and what to do, exit 1', async () => {
    const result = await runCli(['run', 'demo'], { cwd: work, env: docker.env({ FAKE_DOCKER_DAEMON: 'denied' }) });
    expect(result.exitCode).toBe(1);
    expect(errorLine(result.stderr)).toBe(
      'permission denied talking to the Docker daemon: add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again) or use rootless Docker',
    );
    expect(docker.calls()).toEqual([['version', '--format={{.Server.Version}}']]);
  });
});

describe('run', () => {
  it('--detach: exact docker argv, readiness polled, the test request matches config.pbtxt, outputs printed, container left running', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const result = await runCli(['run', 'demo', '--detach', '--name', 'demo-test', ...ports.flags], {
      cwd: work,
      env: docker.env(tritonEnv({ readyAfterMs: 1_500, models: { dumb_stub: serverModel('demo') } })), // a window the polls see even on a loaded machine
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(docker.calls()).toEqual([
      ['version', '--format={{.Server.Version}}'],
      ['image', 'inspect', '--format={{.Id}}', 'demo'],
      [
        'run',
        '--detach',
        '--rm',
        '--name=demo-test',
        '--shm-size=1g',
        `--publish=127.0.0.1:${ports.http}:8000`,
        `--publish=127.0.0.1:${ports.grpc}:8001`,
        `--publish=127.0.0.1:${ports.metrics}:8002`,
        'demo',
      ],
      ['logs', '--follow', 'demo-test'],
    ]);

    const requests = docker.requests();
    // Polled until ready: server health first, then the model, and only then the inference.
    const paths = requests.map((r) => `${r.method} ${r.path}`);
    expect(paths[0]).toBe('GET /v2/health/ready');
    expect(paths).toContain('GET /v2/models/dumb_stub/ready');
    expect(paths.at(-1)).toBe('POST /v2/models/dumb_stub/infer');
    expect(paths.filter((p) => p === 'GET /v2/health/ready').length).toBeGreaterThan(1);

    const [request] = inferRequests(requests);
    expect(request!.contentType).toBe('application/json');
    expect(request!.json).toEqual({
      inputs: [{ name: 'prompt', shape: [1], datatype: 'BYTES', data: ['a red square'] }],
      outputs: [{ name: 'image' }],
    });
    // Names, datatypes and ranks as protobuf reads config.pbtxt.
    const config = configs.get('demo')!;
    expect(request!.json.inputs.map((i: any) => [i.name, i.datatype, i.shape.length])).toEqual(config.inputs.map((t) => [t.name, t.datatype, t.dims.length]));
    expect(request!.json.outputs.map((o: any) => o.name)).toEqual(config.outputs.map((t) => t.name));

    expect(result.stdout).toContain('waiting for Triton to answer');
    expect(result.stdout).toContain('loading models: 0 of 1 ready (waiting for dumb_stub)');
    expect(result.stdout).toMatch(/✔ Triton is ready: dumb_stub/);
    expect(result.stdout).toContain('POST /v2/models/dumb_stub/infer with prompt BYTES [1]');
    expect(result.stdout).toContain('  image  UINT8  [2, 2, 3]  0, 1, 2, 3, …');
    expect(result.stdout).toContain(`Triton keeps running in container demo-test (HTTP http://127.0.0.1:${ports.http}, gRPC 127.0.0.1:${ports.grpc}, metrics http://127.0.0.1:${ports.metrics}/metrics).`);
    expect(result.stdout).toContain('  docker logs --follow demo-test');
    expect(result.stdout).toContain('  docker stop demo-test');
    expect(docker.containerRunning('demo-test')).toBe(true);
  });

  it('builds first when the image is missing, and names the container <image>-<random>', async () => {
    const ports = await portFlags();
    const result = await runCli(['run', '--detach', ...ports.flags], { cwd: project('demo'), env: docker.env(tritonEnv({ models: { dumb_stub: serverModel('demo') } })) });
    expect(result.exitCode, result.stderr).toBe(0);
    const calls = docker.calls();
    expect(calls.map((c) => c.slice(0, 2))).toEqual([
      ['version', '--format={{.Server.Version}}'],
      ['image', 'inspect'],
      ['build', '--tag=demo'],
      ['run', '--detach'],
      ['logs', '--follow'],
    ]);
    expect(calls[2]).toEqual(['build', '--tag=demo', project('demo')]);
    expect(result.stdout).toContain('Image demo does not exist yet: building it.');
    expect(containerName(calls)).toMatch(/^demo-[0-9a-f]{6}$/);
  });

  it('FP16 inputs travel through the binary tensor extension; strings as BYTES; FP16 outputs asked in binary', async () => {
    docker.seedImage('half', project('half'));
    const ports = await portFlags();
    const result = await runCli(['run', 'half', '--detach', ...ports.flags], { cwd: work, env: docker.env(tritonEnv({ models: { halfm: serverModel('half') } })) });
    expect(result.exitCode, result.stderr).toBe(0);
    const [request] = inferRequests(docker.requests());
    expect(request!.contentType).toBe('application/octet-stream');
    const header = request!.json;
    expect(request!.headerLength).toBe(Buffer.byteLength(JSON.stringify(header)));
    // Batch of 2 first (max_batch_size 4), variable dims none here.
    expect(header).toEqual({
      inputs: [
        { name: 'x', shape: [2, 2, 3], datatype: 'FP16', parameters: { binary_data_size: 24 } },
        { name: 'tag', shape: [2, 1], datatype: 'BYTES', data: ['hello', 'hello'] },
        { name: 'flag', shape: [2, 2], datatype: 'BOOL', data: [true, false, true, false] },
      ],
      outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 'n' }],
    });
    const config = configs.get('half')!;
    expect(header.inputs.map((i: any) => [i.name, i.datatype, i.shape.slice(1)])).toEqual(config.inputs.map((t) => [t.name, t.datatype, t.dims]));
    // The 12 halves 0..11 (IEEE binary16, little-endian) after the JSON header.
    const bytes = Buffer.from(request!.binary!, 'base64');
    const halves = Array.from({ length: 12 }, (_, i) => bytes.readUInt16LE(i * 2));
    expect(halves).toEqual([0x0000, 0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600, 0x4700, 0x4800, 0x4880, 0x4900, 0x4980]);
    expect(result.stdout).toContain('POST /v2/models/halfm/infer with x FP16 [2, 2, 3], tag BYTES [2, 1], flag BOOL [2, 2]');
    expect(result.stdout).toContain('  y  FP16   [2, 2, 3]  (24 bytes, binary)');
    expect(result.stdout).toContain('  n  INT64  [2, 1]     0, 1');
  });

  it('a decoupled model is tested through generate_stream and its streamed responses are printed', async () => {
    docker.seedImage('stream', project('stream'));
    const ports = await portFlags();
    const result = await runCli(['run', 'stream', '--detach', ...ports.flags], {
      cwd: work,
      env: docker.env(tritonEnv({ models: { my_stream_model: serverModel('stream', { decoupled: true, responses: 3 }) } })),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const posts = inferRequests(docker.requests());
    expect(posts.map((r) => r.path)).toEqual(['/v2/models/my_stream_model/generate_stream']);
    const config = configs.get('stream')!;
    expect(Object.keys(posts[0]!.json)).toEqual(config.inputs.map((t) => t.name));
    // The decoupled template's default tensors are those of Triton's generate extension and its streaming clients.
    expect(posts[0]!.json).toEqual({ text_input: 'hello' });
    expect(result.stdout).toContain('  3 streamed responses:');
    expect(result.stdout).toContain('  #1  text_output  BYTES  [1]  "response 1 of 3"');
    expect(result.stdout).toContain('  #3  text_output  BYTES  [1]  "response 3 of 3"');
  });

  it('a model that never becomes ready: the log tail, what it means, the container stopped, exit 1', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    // Long enough for the fake container to start answering on a busy machine: the wait must end on the
    // model "loading", not on a server that never answered.
    const result = await runCli(['run', 'demo', '--name', 'stuck', '--timeout', '12', ...ports.flags], {
      cwd: work,
      env: docker.env(tritonEnv({ models: { dumb_stub: serverModel('demo', { behaviour: 'never-ready' }) } })),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Last lines of the container log (docker logs stuck):');
    expect(result.stdout).toContain('  │ I1126 08:00:00.100000 1 model_lifecycle.cc:473] loading: dumb_stub:1');
    expect(result.stdout).toContain('Stopped container stuck.');
    expect(errorLine(result.stderr)).toBe('not ready after 12 s: dumb_stub: still loading or failed to load, see the log above (raise --timeout if it loads slowly)');
    expect(docker.calls().at(-1)).toEqual(['stop', 'stuck']);
    expect(docker.containerRunning('stuck')).toBe(false);
    expect(inferRequests(docker.requests())).toEqual([]);
  });

  it('a container that exits early: its log and what it means, exit 1', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const result = await runCli(['run', 'demo', '--name', 'crashy', ...ports.flags], {
      cwd: work,
      env: docker.env(
        tritonEnv({
          readyAfterMs: 60_000,
          exitAfterMs: 200,
          exitLog: [
            "E1126 08:00:00.300000 1 model_lifecycle.cc:638] failed to load 'dumb_stub' version 1: Internal: ModuleNotFoundError: No module named 'cv2'",
            'error: creating server: Internal - failed to load all models',
          ],
          models: { dumb_stub: serverModel('demo') },
        }),
      ),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("  │ E1126 08:00:00.300000 1 model_lifecycle.cc:638] failed to load 'dumb_stub' version 1: Internal: ModuleNotFoundError: No module named 'cv2'");
    expect(errorLine(result.stderr)).toBe(
      'container crashy stopped before Triton was ready: model.py imports "cv2", which is not installed in the image: add it to requirements.txt and rebuild (create-triton-model build)',
    );
    // Gone already (--rm): nothing to stop.
    expect(docker.calls().map((c) => c[0])).not.toContain('stop');
  });

  it('a test request answered with an error: Triton\'s message, the container stopped, exit 1', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const result = await runCli(['run', 'demo', '--name', 'broken', ...ports.flags], {
      cwd: work,
      env: docker.env(tritonEnv({ models: { dumb_stub: serverModel('demo', { behaviour: 'infer-error' }) } })),
    });
    expect(result.exitCode).toBe(1);
    expect(errorLine(result.stderr)).toBe(
      'the test request to dumb_stub failed (HTTP 500: Traceback (most recent call last): ValueError: the model is broken): model.py raised an error or rejected the request, see the log above',
    );
    expect(docker.calls().at(-1)).toEqual(['stop', 'broken']);
    expect(docker.containerRunning('broken')).toBe(false);
  });

  it('a port already taken is reported before docker is called, naming the flag', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.grpc, '127.0.0.1', resolve));
    try {
      const result = await runCli(['run', 'demo', ...ports.flags], { cwd: work, env: docker.env() });
      expect(result.exitCode).toBe(1);
      expect(errorLine(result.stderr)).toBe(`port ${ports.grpc} (gRPC) on 127.0.0.1 is already in use: stop what uses it, or choose another port with --port-grpc`);
      expect(docker.calls()).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('--mount binds models/ by absolute path from any folder (assets/ too in a project made before models held their assets); KIND_GPU adds --gpus=all', async () => {
    docker.seedImage('gpu', project('gpu'));
    const run = async (name: string) => {
      const ports = await portFlags();
      const result = await runCli(['run', '../gpu', '--mount', '--detach', '--name', name, '--shm-size', '2g', ...ports.flags], {
        cwd: project('demo'),
        env: docker.env(tritonEnv({ models: { dumb_stub: serverModel('gpu') } })),
      });
      expect(result.exitCode, result.stderr).toBe(0);
      return { result, ports, call: docker.calls().find((c) => c[0] === 'run' && c.includes(`--name=${name}`)) };
    };
    const { result, ports, call } = await run('g1');
    expect(call).toEqual([
      'run',
      '--detach',
      '--rm',
      '--name=g1',
      '--shm-size=2g',
      `--publish=127.0.0.1:${ports.http}:8000`,
      `--publish=127.0.0.1:${ports.grpc}:8001`,
      `--publish=127.0.0.1:${ports.metrics}:8002`,
      '--gpus=all',
      `--mount=type=bind,source=${path.join(project('gpu'), 'models')},target=/models,readonly`,
      'gpu',
    ]);
    expect(result.stdout).toContain('dumb_stub asks for KIND_GPU instances: adding --gpus=all.');

    fs.mkdirSync(path.join(project('gpu'), 'assets'));
    try {
      const old = await run('g2');
      expect(old.call!.filter((a) => a.startsWith('--mount='))).toEqual([
        `--mount=type=bind,source=${path.join(project('gpu'), 'models')},target=/models,readonly`,
        `--mount=type=bind,source=${path.join(project('gpu'), 'assets')},target=/assets,readonly`,
      ]);
    } finally {
      fs.rmSync(path.join(project('gpu'), 'assets'), { recursive: true });
    }
  });

  it('--gpus on a host without the NVIDIA toolkit: docker refuses, we say what it means', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const result = await runCli(['run', 'demo', '--gpus', 'device=0', ...ports.flags], { cwd: work, env: docker.env({ FAKE_DOCKER_GPU: 'no' }) });
    expect(result.exitCode).toBe(1);
    expect(docker.calls().find((c) => c[0] === 'run')).toContain('--gpus=device=0');
    expect(errorLine(result.stderr)).toBe(
      'docker run failed: --gpus needs a GPU and the NVIDIA Container Toolkit on this host: run without --gpus (and with instance_group kind KIND_CPU), or install the toolkit',
    );
  });

  it('refuses bad values in one line before calling docker', async () => {
    const cases: [string[], string][] = [
      [['--port-http', '70000'], '--port-http "70000": not a port (allowed: an integer from 1 to 65535)'],
      [['--port-grpc', '8000'], '--port-grpc 8000: --port-http uses the same port (give each one its own)'],
      [['--shm-size', 'lots'], '--shm-size "lots": not a size (allowed: a number with a unit, e.g. 1g, 512m, 2gb)'],
      [['--name=-rm'], '--name "-rm": not a container name (allowed: letters, digits, _ . -, starting with a letter or digit)'],
      [['--gpus=--privileged'], '--gpus "--privileged": not a GPU request (allowed: all, a count such as 1, or device=0,1)'],
      [['--timeout', '0'], '--timeout "0": not a number of seconds (allowed: greater than 0, at most 86400)'],
      [['--host', 'example.com'], '--host "example.com": not an IP address (allowed: 127.0.0.1 for this machine only, 0.0.0.0 for every interface, or one of its addresses)'],
    ];
    for (const [flags, message] of cases) {
      const fake = makeFakeDocker();
      const result = await runCli(['run', 'demo', ...flags], { cwd: work, env: fake.env() });
      expect(result.exitCode, flags.join(' ')).toBe(1);
      expect(errorLine(result.stderr)).toBe(message);
      expect(fake.calls()).toEqual([]);
      fake.cleanup();
    }
  });

  it('Ctrl-C (SIGINT) while following the log stops exactly its container and exits 130', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const cli = spawnCli(['run', 'demo', '--name', 'followme', ...ports.flags], {
      cwd: work,
      env: docker.env(tritonEnv({ models: { dumb_stub: serverModel('demo') } })),
    });
    await waitForOutput(cli, 'Following the log of container followme (Ctrl-C stops it):');
    expect(docker.containerRunning('followme')).toBe(true);
    cli.kill('SIGINT');
    const result = await cli;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toContain('Stopping container followme…');
    expect(String(result.stderr)).toContain('Stopped container followme.');
    expect(docker.calls().filter((c) => c[0] === 'stop')).toEqual([['stop', 'followme']]);
    expect(docker.containerRunning('followme')).toBe(false);
  });

  it('a container that stops by itself while its log is followed: exit 1, saying so', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const result = await runCli(['run', 'demo', '--name', 'shortlived', ...ports.flags], {
      cwd: work,
      env: docker.env(tritonEnv({ exitAfterInferMs: 100, exitLog: ['Signal (2) received.'], models: { dumb_stub: serverModel('demo') } })),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Following the log of container shortlived (Ctrl-C stops it):');
    expect(result.stdout).toContain('  │ Signal (2) received.');
    expect(errorLine(result.stderr)).toBe('container shortlived stopped: see the log above');
    expect(docker.calls().map((c) => c[0])).not.toContain('stop');
  });

  it('SIGTERM stops it too and exits 143', async () => {
    docker.seedImage('demo', project('demo'));
    const ports = await portFlags();
    const cli = spawnCli(['run', 'demo', ...ports.flags], { cwd: work, env: docker.env(tritonEnv({ models: { dumb_stub: serverModel('demo') } })) });
    await waitForOutput(cli, 'Following the log of container');
    const name = containerName(docker.calls())!;
    cli.kill('SIGTERM');
    const result = await cli;
    expect(result.exitCode).toBe(143);
    expect(docker.calls().filter((c) => c[0] === 'stop')).toEqual([['stop', name]]);
    expect(docker.containerRunning(name)).toBe(false);
  });
});

describe("the generated README's plain docker commands", () => {
  /** `run`'s argv in the README's spelling: no --detach/--name, `-p <address>:<container port>:<container port>`. */
  const asReadmeWords = (argv: string[]) =>
    argv
      .filter((a) => a !== '--detach' && !a.startsWith('--name='))
      .flatMap((a) => {
        const publish = /^--publish=(.+):\d+:(\d+)$/.exec(a);
        if (publish) return ['-p', `${publish[1]}:${publish[2]}:${publish[2]}`];
        return a.startsWith('--gpus=') ? ['--gpus', a.slice('--gpus='.length)] : [a];
      });

  for (const name of ['demo', 'gpu']) {
    it(`are what build and run call (${name})`, async () => {
      const readme = fs.readFileSync(path.join(project(name), 'README.md'), 'utf8');
      const ports = await portFlags();
      const build = await runCli(['build', name], { cwd: work, env: docker.env() });
      expect(build.exitCode, build.stderr).toBe(0);
      const run = await runCli(['run', name, '--detach', ...ports.flags], { cwd: work, env: docker.env(tritonEnv({ models: { dumb_stub: serverModel(name) } })) });
      expect(run.exitCode, run.stderr).toBe(0);
      const runArgv = docker.calls().find((c) => c[0] === 'run')!;
      const readmeRun = readme.split('\n').find((l) => l.startsWith('docker run '))!;
      const readmeBuild = readme.split('\n').find((l) => l.startsWith('docker build '))!;
      expect(readmeRun.split(' ')).toEqual(['docker', ...asReadmeWords(runArgv)]);
      expect(readmeBuild).toBe(`docker build -t ${name} .`);
      expect(docker.calls().find((c) => c[0] === 'build')).toEqual(['build', `--tag=${name}`, project(name)]);
    });
  }
});

describe('create --build / --run', () => {
  it('--build or --run with --dry-run (or --json) is a usage error: exit 2, nothing written, docker not called', async () => {
    for (const flags of [['--run', '--dry-run'], ['--build', '--dry-run'], ['--run', '--json']]) {
      const result = await runCli(['never', '--yes', ...flags], { cwd: work, env: docker.env() });
      expect(result.exitCode, flags.join(' ')).toBe(2);
      expect(errorLine(result.stderr)).toMatch(/^--(run|build) cannot be used with --(dry-run|json)/);
    }
    expect(fs.existsSync(project('never'))).toBe(false);
    expect(docker.calls()).toEqual([]);
  });

  it('--build writes the project, then builds it', async () => {
    const result = await runCli(['built', '--yes', '--build'], { cwd: work, env: docker.env() });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(project('built'), 'Dockerfile'))).toBe(true);
    expect(docker.calls().at(-1)).toEqual(['build', '--tag=built', project('built')]);
    expect(result.stdout).toContain('✔ Built image built');
  });

  it('--run with docker down: nothing is written', async () => {
    const result = await runCli(['down', '--yes', '--run'], { cwd: work, env: docker.env({ FAKE_DOCKER_DAEMON: 'down' }) });
    expect(result.exitCode).toBe(1);
    expect(errorLine(result.stderr)).toMatch(/^the Docker daemon is not running/);
    expect(fs.existsSync(project('down'))).toBe(false);
  });

  it('--run writes, builds, runs, answers, follows; Ctrl-C stops the container, exit 130', async () => {
    // create has no port flags: run's defaults, moved to free ports through the test hook.
    const ports = await portFlags();
    const cli = spawnCli(['fresh', '--yes', '--run'], {
      cwd: work,
      env: docker.env({ ...tritonEnv({ models: { dumb_stub: serverModel('demo') } }), CREATE_TRITON_MODEL_TEST_PORTS: `${ports.http},${ports.grpc},${ports.metrics}` }),
    });
    await waitForOutput(cli, 'Following the log of container');
    cli.kill('SIGINT');
    const result = await cli;
    expect(result.exitCode).toBe(130);
    const calls = docker.calls();
    expect(calls.map((c) => c[0])).toEqual(['version', 'version', 'image', 'build', 'run', 'logs', 'stop']);
    expect(calls[3]).toEqual(['build', '--tag=fresh', project('fresh')]);
    expect(calls.at(-1)).toEqual(['stop', containerName(calls)]);
    expect(String(result.stdout)).toContain('  image  UINT8  [2, 2, 3]');
  });
});
