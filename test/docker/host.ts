/**
 * Synchronous process and host helpers for the docker suite's setup and teardown. Synchronous on
 * purpose: teardown must also run from an 'exit' or signal handler, where nothing asynchronous finishes.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  /** spawn error (ENOENT, ETIMEDOUT) when the command did not run to completion. */
  error?: Error;
}

/** Run a command (argument array, no shell), bounded by `timeoutMs`. */
export function runSync(command: string, args: readonly string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; input?: string; cwd?: string }): Ran {
  const result = spawnSync(command, [...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input: options.input }),
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ...(result.error ? { error: result.error } : {}) };
}

/** Like runSync, but a failure throws with the command and the end of its output. */
export function mustRun(command: string, args: readonly string[], options: Parameters<typeof runSync>[2]): string {
  const ran = runSync(command, args, options);
  if (ran.status !== 0) {
    const why = ran.error ? ran.error.message : `exit code ${ran.status}`;
    throw new Error(`${command} ${args.join(' ')} failed (${why}):\n${tailOf(`${ran.stdout}\n${ran.stderr}`, 30)}`);
  }
  return ran.stdout;
}

export function tailOf(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Is an executable named `name` on PATH (or at that absolute path)? */
export function which(name: string): string | undefined {
  const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => `${dir}/${name}`);
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Still running? A zombie counts as gone: our own child (dockerd) is only reaped when the event loop
 * runs, which a synchronous teardown never lets it do.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')' (comm may hold parentheses).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of processes whose command line mentions `needle` (our temp root): what dockerd left behind if it died. */
export function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Send SIGTERM, wait up to `graceMs` for the process to go, then SIGKILL. */
export function terminate(pid: number, graceMs: number): void {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) sleepSync(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    const killDeadline = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < killDeadline) sleepSync(50);
  }
}

/** Mount points at or under `root`, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
export function mountsUnder(root: string): string[] {
  const decode = (text: string) => text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(decode)
    .filter((point) => point === root || point.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}
