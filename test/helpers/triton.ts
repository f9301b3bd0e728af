/**
 * Real Triton Inference Server for the tests: the build the nvidia-pytriton wheel carries (in the test
 * venv), laid out by scripts/tritonserver.mjs (shared with bench/run) the way PyTriton starts it.
 * Every server listens on 127.0.0.1 on free ports, in a process group of its own (the stubs are its
 * children), with its log kept; stop() ends the whole group, every wait is bounded, and the process exit
 * hook kills whatever a crashed test left running.
 */

import { execa, type ResultPromise } from 'execa';
import { beforeEach } from 'vitest';
import os from 'node:os';
import { tritonArgs, tritonLayout } from '../../scripts/tritonserver.mjs';
import { httpRequest, statusOf } from '../../src/triton/client.js';
import { freePorts } from './ports.js';

export { TRITON_WHEEL_RELEASE, TRITON_WHEEL_TAG, tritonLayout, tritonWheel, type TritonLayout, type TritonWheel } from '../../scripts/tritonserver.mjs';

export interface TritonOptions {
  /** One or more model repositories (--model-repository each). */
  repositories: string[];
  /** `explicit`: nothing loads until asked (loadModel); `none` (Triton's default): everything loads at start. */
  modelControl?: 'none' | 'explicit';
  /** Extra tritonserver flags. */
  args?: string[];
  /** More environment for the server (e.g. credentials for an s3:// repository). */
  env?: Record<string, string>;
  /** Wait for /v2/health/ready (every model loaded) rather than /v2/health/live. Default: live. */
  waitForReady?: boolean;
  timeoutMs?: number;
}

export interface TritonServer {
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** 127.0.0.1:<port>, as tritonclient.grpc wants it. */
  grpcAddress: string;
  metricsUrl: string;
  ports: { http: number; grpc: number; metrics: number };
  pid: number;
  /** Everything the server printed so far. */
  log(): string;
  /** Resolves when `pattern` shows in the log after its first `from` characters (rejects after `timeoutMs` or when the server exits). */
  waitForLog(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** Load (or reload) a model in explicit mode; resolves with Triton's HTTP status and body. */
  loadModel(name: string, body?: unknown, timeoutMs?: number): Promise<{ status: number; body: string }>;
  unloadModel(name: string): Promise<{ status: number; body: string }>;
  get(pathname: string): Promise<{ status: number; body: string }>;
  post(pathname: string, body: unknown): Promise<{ status: number; body: string }>;
  exited(): boolean;
  /** True once the server has exited, waiting up to `timeoutMs` for it (a dying server closes its sockets first). */
  waitForExit(timeoutMs: number): Promise<boolean>;
  /** SIGTERM, then SIGKILL to the whole group if it has not ended in time. Idempotent. */
  stop(): Promise<void>;
}

const running = new Set<TritonServer>();
process.on('exit', () => {
  for (const server of running) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** How long Triton waits for in-flight requests when stopping (its default is 30 s). */
const EXIT_TIMEOUT_SECONDS = 5;
const STOP_TIMEOUT_MS = (EXIT_TIMEOUT_SECONDS + 10) * 1000;
let serverCount = 0;

/** One exchange through the CLI's own KServe client (src/triton/client.ts); the body as text. */
async function request(url: string, init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  const answer = await httpRequest(new URL(url), {
    method: init.method ?? 'GET',
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body === undefined ? {} : { body: Buffer.from(init.body, 'utf8') }),
    timeoutMs: init.timeoutMs ?? 60_000,
  });
  return { status: answer.status, body: answer.body.toString('utf8') };
}

/** True when the process group has no process left. */
function groupGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function launch(options: TritonOptions, ports: { http: number; grpc: number; metrics: number }) {
  const { binary, env } = tritonLayout();
  const args = tritonArgs({
    repositories: options.repositories,
    ports,
    shmPrefix: `ctm${process.pid}x${serverCount++}x`,
    explicit: options.modelControl === 'explicit',
    exitTimeoutSeconds: EXIT_TIMEOUT_SECONDS,
    extra: options.args ?? [],
  });
  const child: ResultPromise = execa(binary, args, {
    env: { ...env, ...options.env },
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    all: true,
    buffer: false,
    detached: true,
    cwd: os.tmpdir(),
  });
  return { child, args };
}

export async function startTriton(options: TritonOptions): Promise<TritonServer> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  // A port found free can be taken before Triton binds it: try again with new ports, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    const [http, grpc, metrics] = (await freePorts(3)) as [number, number, number];
    const ports = { http, grpc, metrics };
    const { child } = await launch(options, ports);
    let log = '';
    let exitedWith: number | undefined | null;
    const listeners = new Set<() => void>();
    child.all?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      for (const listener of listeners) listener();
    });
    const done = child.then((result) => {
      exitedWith = result.exitCode ?? null;
      for (const listener of listeners) listener();
    });
    const pid = child.pid as number;
    const httpUrl = `http://127.0.0.1:${http}`;
    let stopping: Promise<void> | undefined;
    const server: TritonServer = {
      httpUrl,
      grpcAddress: `127.0.0.1:${grpc}`,
      metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
      ports,
      pid,
      log: () => log,
      exited: () => exitedWith !== undefined,
      waitForExit: (waitMs) => Promise.race([done.then(() => true), sleep(waitMs).then(() => exitedWith !== undefined)]),
      waitForLog(pattern, waitMs = 30_000, from = 0) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(log.slice(from));
            if (match) finish(() => resolve(match));
            else if (exitedWith !== undefined) finish(() => reject(new Error(`tritonserver exited (${exitedWith}) before printing ${pattern}\n${log}`)));
          };
          const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} in Triton's log after ${waitMs} ms\n${log}`))), waitMs);
          const finish = (settle: () => void) => {
            clearTimeout(timer);
            listeners.delete(check);
            settle();
          };
          listeners.add(check);
          check();
        });
      },
      loadModel: (name, body, loadTimeoutMs = timeoutMs) =>
        request(`${httpUrl}/v2/repository/models/${encodeURIComponent(name)}/load`, { method: 'POST', body: body === undefined ? '' : JSON.stringify(body), timeoutMs: loadTimeoutMs }),
      unloadModel: (name) => request(`${httpUrl}/v2/repository/models/${encodeURIComponent(name)}/unload`, { method: 'POST', body: '' }),
      get: (pathname) => request(`${httpUrl}${pathname}`),
      post: (pathname, body) => request(`${httpUrl}${pathname}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      stop() {
        stopping ??= (async () => {
          try {
            if (exitedWith === undefined) process.kill(pid, 'SIGTERM');
          } catch {
            // Already gone.
          }
          const deadline = Date.now() + STOP_TIMEOUT_MS;
          while (Date.now() < deadline && (exitedWith === undefined || !groupGone(pid))) await sleep(100);
          if (!groupGone(pid)) {
            try {
              process.kill(-pid, 'SIGKILL');
            } catch {
              // Gone meanwhile.
            }
          }
          await Promise.race([done, sleep(5_000)]);
          running.delete(server);
        })();
        return stopping;
      },
    };
    running.add(server);

    const deadline = Date.now() + timeoutMs;
    const probe = options.waitForReady ? '/v2/health/ready' : '/v2/health/live';
    let answered = false;
    while (Date.now() < deadline && exitedWith === undefined) {
      if ((await statusOf(new URL(probe, httpUrl), 2_000)) === 200) {
        answered = true;
        break;
      }
      await sleep(100);
    }
    if (answered) return server;
    await server.stop();
    if (/address already in use|Address in use|Failed to start/i.test(log) && attempt < 3) continue;
    throw new Error(`Triton did not answer ${probe} within ${timeoutMs} ms (${exitedWith === undefined ? 'still running' : `exited with ${exitedWith}`}):\n${log}`);
  }
}

/** Lines of a server's log shown under a failed test. */
const LOG_LINES_ON_FAILURE = 150;

/** Print the tail of the server's log under every test of this file that fails (call at the top level). */
export function showLogOnFailure(server: () => TritonServer | undefined): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      const log = server()?.log();
      if (log) process.stderr.write(`--- last lines of Triton's log ---\n${log.split('\n').slice(-LOG_LINES_ON_FAILURE).join('\n')}\n---\n`);
    });
  });
}
