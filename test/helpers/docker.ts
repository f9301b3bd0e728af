/**
 * Test doubles for the docker integration: a fake `docker` first on PATH (fake-docker.mjs) that
 * records its argv and starts a small KServe v2 server (kserve-server.mjs) on 127.0.0.1 as its
 * "container", plus helpers to run the CLI as a process a test can signal.
 */

import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, makeTempDir, ROOT } from './cli.js';
import { freePorts } from './ports.js';

export { freePorts };

export const FAKE_DOCKER = path.join(ROOT, 'test/helpers/fake-docker.mjs');

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  headerLength?: number;
  json?: any;
  /** base64 of the bytes after the JSON header (binary tensor data). */
  binary?: string;
}

export interface ServerModel {
  behaviour?: 'ok' | 'never-ready' | 'infer-error' | 'stream-error';
  decoupled?: boolean;
  responses?: number;
  inputs?: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
}

export interface TritonConfig {
  readyAfterMs?: number;
  /** Every answer waits this long: a slow server. */
  answerDelayMs?: number;
  exitAfterMs?: number;
  exitAfterInferMs?: number;
  exitLog?: string[];
  maxLifetimeMs?: number;
  models: Record<string, ServerModel>;
}

export interface FakeDocker {
  /** Folder holding the `docker` wrapper. */
  binDir: string;
  state: string;
  /** Environment for runCli: the fake first on PATH, its state, fast readiness polling, and `extra`. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** Every argv docker received, in order. */
  calls(): string[][];
  /** Every HTTP request the fake Triton received, in order. */
  requests(): RecordedRequest[];
  /** Pretend `docker build` made these images before (tag -> build context). */
  seedImage(tag: string, context: string): void;
  /** Log of a container as the fake wrote it. */
  containerLog(name: string): string;
  /** Is the process behind a started container still running? */
  containerRunning(name: string): boolean;
  /** Kill every container process still running and remove the state. */
  cleanup(): void;
}

const readJsonLines = <T>(file: string): T[] =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as T)
    : [];

/** calls.bin: per call, the argument count and the arguments, each NUL-terminated. */
function readCalls(file: string): string[][] {
  if (!fs.existsSync(file)) return [];
  const tokens = fs.readFileSync(file, 'utf8').split('\0');
  tokens.pop(); // after the last NUL
  const calls: string[][] = [];
  for (let i = 0; i < tokens.length; ) {
    const count = Number(tokens[i]);
    calls.push(tokens.slice(i + 1, i + 1 + count));
    i += 1 + count;
  }
  return calls;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function makeFakeDocker(): FakeDocker {
  const root = makeTempDir('ctm-fake-docker-');
  const binDir = path.join(root, 'bin');
  const state = path.join(root, 'state');
  fs.mkdirSync(binDir);
  fs.mkdirSync(path.join(state, 'containers'), { recursive: true });
  const wrapper = path.join(binDir, 'docker');
  // One printf, one append: the argument count, then each argument, NUL-terminated (any byte but NUL
  // survives), written before Node starts.
  fs.writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\0' "$#" "$@" >> "$FAKE_DOCKER_STATE/calls.bin"\nexec '${process.execPath}' '${FAKE_DOCKER}' "$@"\n`);
  fs.chmodSync(wrapper, 0o755);
  const containerInfo = (name: string) => {
    const file = path.join(state, 'containers', `${name}.json`);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }) : undefined;
  };

  return {
    binDir,
    state,
    env: (extra = {}) => ({
      PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      FAKE_DOCKER_STATE: state,
      CREATE_TRITON_MODEL_TEST_POLL_MS: '25',
      ...extra,
    }),
    calls: () => readCalls(path.join(state, 'calls.bin')),
    requests: () => readJsonLines<RecordedRequest>(path.join(state, 'requests.jsonl')),
    seedImage: (tag, context) => {
      const file = path.join(state, 'images.json');
      const images = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
      images[tag.includes(':') ? tag : `${tag}:latest`] = { id: 'sha256:' + '0'.repeat(64), context };
      fs.writeFileSync(file, JSON.stringify(images));
    },
    containerLog: (name) => {
      const file = path.join(state, 'containers', `${name}.log`);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    },
    containerRunning: (name) => {
      const info = containerInfo(name);
      return info !== undefined && !fs.existsSync(path.join(state, 'containers', `${name}.exited`)) && alive(info.pid);
    },
    cleanup: () => {
      const dir = path.join(state, 'containers');
      for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (!file.endsWith('.json')) continue;
        const { pid } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { pid: number };
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}


/** `--port-http A --port-grpc B --port-metrics C` on free ports. */
export async function portFlags(): Promise<{ flags: string[]; http: number; grpc: number; metrics: number }> {
  const [http, grpc, metrics] = (await freePorts(3)) as [number, number, number];
  return { flags: ['--port-http', String(http), '--port-grpc', String(grpc), '--port-metrics', String(metrics)], http, grpc, metrics };
}

/** Start the CLI as a process the test can signal (stdin closed, no TTY, colors off). */
export function spawnCli(args: string[], options: { cwd: string; env: Record<string, string | undefined>; timeout?: number }): ResultPromise {
  return execa(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', CI: undefined, ...options.env },
    extendEnv: true,
    stdin: 'ignore',
    reject: false,
    timeout: options.timeout ?? 30_000,
    all: true,
  });
}

/** Resolves when `text` appears in the subprocess' output; rejects after `timeoutMs`. */
export function waitForOutput(subprocess: ResultPromise, text: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`"${text}" did not appear within ${timeoutMs} ms; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        subprocess.all?.off('data', onData);
        resolve();
      }
    };
    subprocess.all?.on('data', onData);
  });
}
