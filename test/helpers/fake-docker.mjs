// A fake `docker` for tests (test/helpers/docker.ts puts a `docker` wrapper script first on PATH; the
// wrapper records each argv in $FAKE_DOCKER_STATE/calls.bin before Node even starts, so a call the CLI
// makes and kills at once is still on record). Simulates:
//   version, image inspect, build, run --detach, logs [--follow], stop
// Behaviour, from the environment the CLI passes on:
//   FAKE_DOCKER_STATE   folder for the state: calls.bin, images.json, requests.jsonl, containers/<name>.{json,log,exited}
//   FAKE_DOCKER_DAEMON  up (default) | down | denied
//   FAKE_DOCKER_BUILD   ok (default) | fail
//   FAKE_DOCKER_GPU     yes (default) | no: `run --gpus` then fails as on a host without the NVIDIA toolkit
//   FAKE_TRITON_CONFIG  JSON config of the KServe server a started "container" runs (kserve-server.mjs);
//                       its host and port come from the run's --publish for container port 8000
// A started container is a detached `node kserve-server.mjs` writing its log to containers/<name>.log.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const state = process.env.FAKE_DOCKER_STATE;
if (!state) {
  process.stderr.write('fake docker: FAKE_DOCKER_STATE is not set\n');
  process.exit(99);
}
fs.mkdirSync(path.join(state, 'containers'), { recursive: true });

const fail = (message, code = 1) => {
  process.stderr.write(message + '\n');
  process.exit(code);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const daemon = process.env.FAKE_DOCKER_DAEMON ?? 'up';
if (daemon === 'down') fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
if (daemon === 'denied') {
  fail(
    'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version": dial unix /var/run/docker.sock: connect: permission denied',
  );
}

const imagesFile = path.join(state, 'images.json');
const readImages = () => (fs.existsSync(imagesFile) ? JSON.parse(fs.readFileSync(imagesFile, 'utf8')) : {});
const containerFile = (name, ext) => path.join(state, 'containers', `${name}.${ext}`);
/** The value of `--flag=value` or `--flag value` (and a short alias). */
const option = (list, long, short) => {
  for (let i = 0; i < list.length; i++) {
    if (list[i].startsWith(`${long}=`)) return list[i].slice(long.length + 1);
    if (list[i] === long || (short && list[i] === short)) return list[i + 1];
  }
  return undefined;
};
const withTag = (image) => (/:[\w][\w.-]*$/.test(image.split('/').at(-1)) ? image : `${image}:latest`);
const isGone = (name) => {
  if (fs.existsSync(containerFile(name, 'exited'))) return true;
  try {
    process.kill(JSON.parse(fs.readFileSync(containerFile(name, 'json'), 'utf8')).pid, 0);
    return false;
  } catch {
    return true; // removed, or its process is gone
  }
};

const [command, ...rest] = args;

if (command === 'version') {
  process.stdout.write('27.1.1\n');
  process.exit(0);
}

if (command === 'image' && rest[0] === 'inspect') {
  const tag = rest.at(-1);
  const image = readImages()[withTag(tag)];
  if (!image) fail(`Error response from daemon: No such image: ${tag}`);
  process.stdout.write(`${image.id}\n`);
  process.exit(0);
}

if (command === 'build') {
  const tag = option(rest, '--tag', '-t');
  const context = rest.at(-1);
  if (!tag || !context) fail('"docker build" requires exactly 1 argument.');
  if (!fs.existsSync(path.join(context, 'Dockerfile'))) fail(`ERROR: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory`);
  const steps = ['#1 [internal] load build definition from Dockerfile', '#2 [internal] load .dockerignore', '#3 [1/5] FROM nvcr.io/nvidia/tritonserver', '#4 [2/5] COPY requirements.txt constraints.txt /opt/project/', '#5 [3/5] RUN pip install --no-cache-dir -r /opt/project/requirements.txt -c /opt/project/constraints.txt'];
  for (const step of steps) {
    process.stdout.write(step + '\n');
    await sleep(5);
  }
  if ((process.env.FAKE_DOCKER_BUILD ?? 'ok') === 'fail') {
    process.stdout.write('#5 1.234 ERROR: Could not find a version that satisfies the requirement torch==9.9.9\n');
    fail('ERROR: failed to solve: process "/bin/sh -c pip install --no-cache-dir -r /opt/project/requirements.txt" did not complete successfully: exit code: 1');
  }
  process.stdout.write(`#6 naming to docker.io/library/${tag} done\n`);
  const images = readImages();
  images[withTag(tag)] = { id: `sha256:${randomBytes(32).toString('hex')}`, context };
  fs.writeFileSync(imagesFile, JSON.stringify(images));
  process.exit(0);
}

if (command === 'run') {
  const name = option(rest, '--name');
  const image = rest.at(-1);
  if (!name) fail('fake docker: run needs --name');
  if (!readImages()[withTag(image)]) fail(`Unable to find image '${withTag(image)}' locally\ndocker: Error response from daemon: pull access denied for ${image}, repository does not exist or may require 'docker login'.`, 125);
  if (fs.existsSync(containerFile(name, 'json')) && !isGone(name)) fail(`docker: Error response from daemon: Conflict. The container name "/${name}" is already in use by container "0123456789ab".`, 125);
  if (rest.some((a) => a === '--gpus' || a.startsWith('--gpus=')) && process.env.FAKE_DOCKER_GPU === 'no') {
    fail('docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].', 125);
  }
  const publishes = rest.flatMap((a, i) => (a.startsWith('--publish=') ? [a.slice(10)] : a === '-p' || a === '--publish' ? [rest[i + 1]] : []));
  const http = publishes.map((p) => /^(?:\[(.+)\]|([^:]*)):(\d+):8000$/.exec(p)).find(Boolean);
  if (!http) fail('fake docker: run needs --publish=<host>:<port>:8000');
  const config = JSON.parse(process.env.FAKE_TRITON_CONFIG ?? '{"models":{}}');
  for (const ext of ['exited', 'log']) fs.rmSync(containerFile(name, ext), { force: true });
  const logFd = fs.openSync(containerFile(name, 'log'), 'a');
  const child = spawn(process.execPath, [path.join(here, 'kserve-server.mjs')], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      FAKE_TRITON_CONFIG: JSON.stringify({
        ...config,
        host: http[1] ?? http[2],
        port: Number(http[3]),
        requestLog: path.join(state, 'requests.jsonl'),
        exitMarker: containerFile(name, 'exited'),
      }),
    },
  });
  child.unref();
  const id = randomBytes(32).toString('hex');
  fs.writeFileSync(containerFile(name, 'json'), JSON.stringify({ pid: child.pid, id, args: rest }));
  process.stdout.write(id + '\n');
  process.exit(0);
}

if (command === 'logs') {
  const name = rest.at(-1);
  if (!fs.existsSync(containerFile(name, 'json'))) fail(`Error response from daemon: No such container: ${name}`);
  const follow = rest.includes('--follow') || rest.includes('-f');
  let offset = 0;
  const flush = () => {
    const text = fs.readFileSync(containerFile(name, 'log'));
    if (text.length > offset) process.stdout.write(text.subarray(offset));
    offset = text.length;
  };
  flush();
  if (follow) {
    const deadline = Date.now() + 120_000;
    while (!isGone(name) && Date.now() < deadline) {
      await sleep(20);
      flush();
    }
    flush();
    // --rm: the container is removed once it stopped.
    fs.rmSync(containerFile(name, 'json'), { force: true });
  }
  process.exit(0);
}

if (command === 'stop') {
  const name = rest.at(-1);
  if (!fs.existsSync(containerFile(name, 'json')) || isGone(name)) fail(`Error response from daemon: No such container: ${name}`);
  const { pid } = JSON.parse(fs.readFileSync(containerFile(name, 'json'), 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const deadline = Date.now() + 10_000;
  while (!isGone(name) && Date.now() < deadline) await sleep(20);
  if (!isGone(name)) process.kill(pid, 'SIGKILL');
  // --rm: a stopped container is removed.
  fs.rmSync(containerFile(name, 'json'), { force: true });
  process.stdout.write(name + '\n');
  process.exit(0);
}

fail(`fake docker: unsupported command: ${args.join(' ')}`, 98);
