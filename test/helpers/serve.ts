/**
 * Start the built CLI's `serve` on a free 127.0.0.1 port (--port 0, the port read from its
 * "listening on" line) and talk to it over HTTP. Every wait is bounded; stop() and kill() end it.
 */

import { execa, type ResultPromise } from 'execa';
import { BIN, TEST_PYTHON } from './cli.js';

export interface Served {
  url: string;
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

export async function startServe(args: string[], options: { cwd: string; python?: string | null; timeoutMs?: number; env?: Record<string, string> }): Promise<Served> {
  const python = options.python === undefined ? ['--python', TEST_PYTHON] : options.python === null ? [] : ['--python', options.python];
  const child: ResultPromise = execa(process.execPath, [BIN, 'serve', ...args, '--port', '0', ...python], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', CI: undefined, ...options.env },
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
  headers: Headers;
  body: Buffer;
  /** The body as JSON (the JSON header when binary outputs follow). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Binary outputs by name (binary tensor data extension). */
  binary: Map<string, Buffer>;
}

/** One HTTP exchange with a bounded wait; the answer split into its JSON header and binary outputs. */
export async function call(url: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}, timeoutMs = 30_000): Promise<Answer> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.headers,
    body: init.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = Buffer.from(await response.arrayBuffer());
  const headerLength = response.headers.get('inference-header-content-length');
  const jsonLength = headerLength === null ? body.length : Number(headerLength);
  const text = body.subarray(0, jsonLength).toString('utf8');
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const binary = new Map<string, Buffer>();
  let offset = jsonLength;
  const outputs = (json as { outputs?: { name: string; parameters?: { binary_data_size?: number } }[] } | undefined)?.outputs ?? [];
  for (const output of outputs) {
    const size = output.parameters?.binary_data_size;
    if (typeof size === 'number') {
      binary.set(output.name, body.subarray(offset, offset + size));
      offset += size;
    }
  }
  return { status: response.status, headers: response.headers, body, json, binary };
}

/** POST a KServe v2 request: JSON, or JSON then binary tensors (Inference-Header-Content-Length). */
export function inferBody(header: unknown, blobs: Buffer[] = []): { body: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (blobs.length === 0) return { body: json, headers: { 'content-type': 'application/json' } };
  return { body: Buffer.concat([json, ...blobs]), headers: { 'inference-header-content-length': String(json.length) } };
}

/** BYTES elements in Triton's wire form: 4-byte LE length, then the bytes. */
export function bytesWire(values: string[]): Buffer {
  return Buffer.concat(
    values.map((value) => {
      const data = Buffer.from(value, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(data.length);
      return Buffer.concat([length, data]);
    }),
  );
}

/** The data of each server-sent event of a generate_stream answer. */
export function sseEvents(body: Buffer): unknown[] {
  return body
    .toString('utf8')
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => JSON.parse(block.slice(6)) as unknown);
}
