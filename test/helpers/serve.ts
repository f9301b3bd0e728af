/**
 * Start the built CLI's `serve` on a free 127.0.0.1 port (--port 0, the port read from its
 * "listening on" line) and talk to it over HTTP. Every wait is bounded; stop() and kill() end it.
 */

import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import http from 'node:http';
import { encodeInferRequest, httpRequest, SseParser, splitInferAnswer, type InferRequestBody } from '../../src/triton/client.js';
import { encodeTensor } from '../../src/triton/tensor-bytes.js';
import { BIN, TEST_PYTHON } from './cli.js';

export interface Served {
  url: string;
  /** serve's own process. */
  pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when `pattern` appears on stdout or stderr (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Send a signal (to serve's whole process group with `group`, as a terminal, `timeout` or `docker stop` do) and wait for the exit (bounded). */
  stop(signal?: NodeJS.Signals, options?: { group?: boolean; timeoutMs?: number }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  kill(): void;
}

const running = new Set<Served>();

/** Kill every server still running (for afterAll). */
export function killAllServers(): void {
  for (const served of running) served.kill();
}

/**
 * `marker` goes into serve's environment, which every process it starts inherits (model processes
 * and whatever they start): processesWithMarker finds them all, wherever they were reparented.
 */
export async function startServe(args: string[], options: { cwd: string; python?: string | null; timeoutMs?: number; env?: Record<string, string>; marker?: string }): Promise<Served> {
  const python = options.python === undefined ? ['--python', TEST_PYTHON] : options.python === null ? [] : ['--python', options.python];
  const child: ResultPromise = execa(process.execPath, [BIN, 'serve', ...args, '--port', '0', ...python], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', CI: undefined, ...options.env, ...(options.marker ? { CTM_TEST_MARKER: options.marker } : {}) },
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    // In a process group of its own, so that a signal can go to serve and its model processes at once.
    detached: true,
    // A hung server must not outlive the suite.
    timeout: 600_000,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  let exited = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined && !exited) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const exit = child.then((result) => {
    exited = true;
    for (const listener of listeners) listener();
    return result;
  });

  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stdout.match(pattern) ?? stderr.match(pattern);
        if (match) done(() => resolve(match));
        else if (exited) done(() => reject(new Error(`serve exited before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });

  const served: Served = {
    url: '',
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor,
    async stop(signal = 'SIGINT', { group = false, timeoutMs = 60_000 } = {}) {
      if (group && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
      const timer = setTimeout(() => killGroup(), timeoutMs);
      const result = await exit;
      clearTimeout(timer);
      running.delete(served);
      return { exitCode: result.exitCode ?? -1, stdout, stderr };
    },
    kill() {
      killGroup();
      running.delete(served);
    },
  };
  running.add(served);
  try {
    const match = await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, options.timeoutMs ?? 60_000);
    served.url = match[1] as string;
  } catch (error) {
    served.kill();
    throw error;
  }
  return served;
}

/** Run `serve` expecting it to exit by itself (a startup failure): its exit code and output. */
export async function serveUntilExit(args: string[], options: { cwd: string; python?: string | null; timeoutMs?: number }): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const python = options.python === undefined ? ['--python', TEST_PYTHON] : options.python === null ? [] : ['--python', options.python];
  const result = await execa(process.execPath, [BIN, 'serve', ...args, '--port', '0', ...python], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', CI: undefined },
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs ?? 60_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON (the JSON header when binary outputs follow). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Binary outputs by name (binary tensor data extension). */
  binary: Map<string, Buffer>;
}

/** One HTTP exchange through the CLI's KServe client (src/triton/client.ts), bounded; the answer split into its JSON header and binary outputs. */
export async function call(url: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string | number> } = {}, timeoutMs = 30_000): Promise<Answer> {
  const answer = await httpRequest(new URL(url), {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body === undefined ? {} : { body: Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body, 'utf8') }),
    timeoutMs,
  });
  const { json, binary } = splitInferAnswer(answer.body, answer.headers['inference-header-content-length']);
  return { status: answer.status, headers: answer.headers, body: answer.body, json, binary };
}

/** A KServe v2 request body: JSON, or JSON then binary tensors (Inference-Header-Content-Length). */
export const inferBody = (header: unknown, blobs: Buffer[] = []) => encodeInferRequest(header as InferRequestBody, blobs);

/** BYTES elements in Triton's wire form: 4-byte LE length, then the bytes. */
export const bytesWire = (values: string[]): Buffer => encodeTensor('STRING', values);

/** The data of each server-sent event of a generate_stream answer. */
export function sseEvents(body: Buffer): unknown[] {
  const parser = new SseParser();
  return [...parser.push(body.toString('utf8')), ...parser.end()].map((data) => JSON.parse(data) as unknown);
}

/** Live processes (not serve's test process itself) whose environment holds CTM_TEST_MARKER=`marker` (Linux /proc). */
export function processesWithMarker(marker: string): number[] {
  const needle = Buffer.from(`CTM_TEST_MARKER=${marker}\0`);
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (state === 'Z') continue; // exited, waiting for its parent to read its status
      if (fs.readFileSync(`/proc/${entry}/environ`).includes(needle)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** Wait (bounded) until no process carries `marker`; the ones still there after `timeoutMs`, with their command lines. */
export async function leftoverProcesses(marker: string, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = processesWithMarker(marker);
    if (pids.length === 0 || Date.now() > deadline) {
      return pids.map((pid) => {
        try {
          return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`;
        } catch {
          return String(pid);
        }
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A process's peak resident memory so far (VmHWM), in bytes. */
export function peakResidentBytes(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmHWM for ${pid}`);
  return Number(kb) * 1024;
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request over node:http, for what fetch does not send: any header (Content-Length that the
 * body does not match, Content-Encoding), a body written in chunks from an iterable, or a client
 * that goes away (`abandonAfterMs`, resolving to 'abandoned'). Bounded by `timeoutMs`.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Buffer | Iterable<Buffer>; abandonAfterMs?: number; timeoutMs?: number },
): Promise<RawAnswer | 'abandoned'> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method ?? 'POST', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer from ${url} within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    let abandoned = false;
    request.on('error', (error) => {
      clearTimeout(timer);
      if (abandoned) resolve('abandoned');
      else reject(error);
    });
    if (options.abandonAfterMs !== undefined) {
      setTimeout(() => {
        abandoned = true;
        request.destroy();
      }, options.abandonAfterMs);
    }
    const body = options.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      request.end(body);
      return;
    }
    void (async () => {
      for (const chunk of body) {
        if (request.destroyed) return;
        if (!request.write(chunk)) await new Promise((drained) => request.once('drain', drained));
      }
      request.end();
    })().catch(() => undefined);
  });
}
