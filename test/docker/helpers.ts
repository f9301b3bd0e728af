/** Helpers for the docker suite's tests: docker and the built CLI, both pointed at the suite's daemon. */

import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import type { DockerSuiteContext } from './context.js';
export { freePorts } from '../helpers/ports.js';

export function suite(): DockerSuiteContext {
  return inject('dockerSuite');
}

/** The CLI's readiness polling, shortened (its test hook): the suite waits less between polls. */
const CLI_ENV = { CREATE_TRITON_MODEL_TEST_POLL_MS: '250' };

/** `docker <args>` against the suite's daemon; never throws, bounded. */
export async function docker(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const result = await execa('docker', args, { env: suite().env, extendEnv: true, reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The built CLI, run to completion with the suite's daemon as its docker. */
export function cli(args: string[], cwd: string, timeoutMs = 180_000): Promise<CliResult> {
  return runCli(args, { cwd, env: { ...suite().env, ...CLI_ENV }, timeout: timeoutMs });
}

/** The built CLI as a running process, its output collected as it comes (for Ctrl-C tests). */
export function startCli(args: string[], cwd: string): { process: ResultPromise; output: () => string } {
  let output = '';
  const child = execa(process.execPath, [BIN, ...args], {
    cwd,
    env: { NO_COLOR: '1', CI: undefined, ...suite().env, ...CLI_ENV },
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    buffer: true,
    timeout: 180_000,
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, output: () => output };
}

/** A new empty folder under the suite's root (deleted with it). */
export function workDir(name: string): string {
  const dir = path.join(suite().root, 'work', `${name}-${Math.random().toString(16).slice(2, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}


/** Poll `check` until it returns a value (not undefined) or `timeoutMs` passes; then throw naming `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Names of every container the daemon knows, running or not. */
export async function containerNames(): Promise<string[]> {
  const listed = await docker(['ps', '--all', '--format', '{{.Names}}']);
  if (listed.exitCode !== 0) throw new Error(`docker ps failed: ${listed.stderr}`);
  return listed.stdout.split('\n').filter(Boolean);
}
