/**
 * The docker layer's pure parts, in process: argv building (Windows paths too), docker's failure
 * messages, option rules, ports, and the models a project serves.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindMountArg, dockerRunArgs, projectMounts, publishArg } from '../../src/docker/container.js';
import { explainLog, explainRunFailure } from '../../src/docker/diagnose.js';
import { firstErrorLine, formatCommand, type DockerResult } from '../../src/docker/exec.js';
import { parseGpus, parseHostAddress, parseImageTag, parseShmSize } from '../../src/commands/options.js';
import { portProblem } from '../../src/docker/ports.js';
import { dockerProblem, dockerProblemMessage } from '../../src/docker/preflight.js';
import { readServedModels } from '../../src/docker/project.js';
import { makeTempDir } from '../helpers/cli.js';
import { freePorts } from '../helpers/docker.js';

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

describe('the models run probes, from the repository reader', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('ctm-models-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };

  it('reads tensors, batch size, decoupled and GPU kind through the text-format parser; a folder without config.pbtxt gets no test request', () => {
    write(
      'models/b/config.pbtxt',
      'name: "b"\nbackend: "python"\nmax_batch_size: 8\ninput [ { name: "x" data_type: TYPE_FP16 dims: [ -1, 3 ] } ]\noutput { name: "y", data_type: TYPE_STRING, dims: 1 }\ninstance_group [ { kind: KIND_GPU count: 2 } ]\nmodel_transaction_policy { decoupled: true }\n',
    );
    write('models/a/config.pbtxt', 'backend: "python"\ninput { name: "i" data_type: TYPE_INT64 dims: [ 1 ] }\noutput { name: "o" data_type: TYPE_BOOL dims: [ 1 ] }\n');
    write('models/auto/1/model.py', '# its config comes from auto_complete_config\n');
    write('models/README.md', 'a file: not a model');
    expect(readServedModels(dir, '.')).toEqual([
      { name: 'a', maxBatchSize: 0, decoupled: false, wantsGpu: false, inputs: [{ name: 'i', dataType: 'INT64', dims: [1] }], outputs: [{ name: 'o', dataType: 'BOOL', dims: [1] }], configFile: 'models/a/config.pbtxt' },
      { name: 'auto', maxBatchSize: 0, decoupled: false, wantsGpu: false, inputs: [], outputs: [], configFile: 'models/auto/config.pbtxt', noConfig: true },
      { name: 'b', maxBatchSize: 8, decoupled: true, wantsGpu: true, inputs: [{ name: 'x', dataType: 'FP16', dims: [-1, 3] }], outputs: [{ name: 'y', dataType: 'STRING', dims: [1] }], configFile: 'models/b/config.pbtxt' },
    ]);
  });

  it('a config Triton would refuse is one line with its place', () => {
    write('models/c/config.pbtxt', 'name: "c"\ninput { name: "x" data_type: TYPE_FP32 dims: [ 1 ] }\nbogus_field: 1\n');
    expect(() => readServedModels(dir, '.')).toThrow(/^models\/c\/config\.pbtxt:3:1: .*bogus_field.* \(Triton would refuse to load it\)$/);
    write('models/c/config.pbtxt', 'name: "other"\n');
    expect(() => readServedModels(dir, '.')).toThrow("unexpected directory name 'c' for model 'other', directory name must equal model name (Triton would refuse to load it)");
    write('models/c/config.pbtxt', 'name: "c"\ninput { name: "x" dims: [ 1 ] }\n');
    expect(() => readServedModels(dir, '.')).toThrow("models/c/config.pbtxt: model input 'x' must specify 'data_type' (Triton would refuse to load it)");
    fs.rmSync(path.join(dir, 'models/c'), { recursive: true });
  });

  it('what would keep Triton in the container from loading the repository is refused before docker runs', () => {
    const outside = makeTempDir('ctm-outside-');
    try {
      fs.symlinkSync('gone', path.join(dir, 'models/dangling'));
      expect(() => readServedModels(dir, '.')).toThrow('models/dangling: a symbolic link to gone, which does not exist (Triton fails to poll the model repository on it and loads none of its models)');
      fs.rmSync(path.join(dir, 'models/dangling'));
      fs.mkdirSync(path.join(dir, 'models/.ipynb_checkpoints'));
      expect(() => readServedModels(dir, '.')).toThrow(/^models\/\.ipynb_checkpoints: a hidden folder in the model repository: Triton tries to load it as a model and fails/);
      fs.rmSync(path.join(dir, 'models/.ipynb_checkpoints'), { recursive: true });
      fs.symlinkSync(outside, path.join(dir, 'models/linked'));
      expect(() => readServedModels(dir, '.')).toThrow(/^models\/linked: a symbolic link to .*, outside models\/: the image and --mount carry the link, not the folder/);
      fs.rmSync(path.join(dir, 'models/linked'));
      // A link to a model folder inside models/ is copied with it: fine.
      fs.symlinkSync('a', path.join(dir, 'models/alias'));
      expect(readServedModels(dir, '.').map((model) => model.name)).toEqual(['a', 'alias', 'auto', 'b']);
      fs.rmSync(path.join(dir, 'models/alias'));
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
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
