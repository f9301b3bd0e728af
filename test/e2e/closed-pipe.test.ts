/**
 * `create-triton-model ... | head -1`: the reader of stdout goes away before the CLI has written
 * everything. What it had to do is done, the rest of its output is dropped, and it ends as it would
 * have, without a stack trace (EPIPE is not a bug to report).
 */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, makeTempDir, runCli } from '../helpers/cli.js';

let root: string;
beforeAll(async () => {
  root = makeTempDir('ctm-closed-pipe-');
  expect((await runCli(['demo', '--yes'], { cwd: root })).exitCode).toBe(0);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Runs the CLI with stdout a pipe whose reading end is closed at once; its exit code and stderr. */
function withReaderGone(args: string[]): Promise<{ exitCode: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', NO_COLOR: '1' }, timeout: 60_000 });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stderr }));
  });
}

it.each([
  ['add-model --dry-run', ['add-model', 'demo', '--name', 'second', '--yes', '--dry-run']],
  ['validate --json', ['validate', 'demo', '--json']],
  ['deploy --dry-run --json', ['deploy', 'demo', '--dry-run', '--json']],
  ['a create', ['third', '--yes']],
])('%s: exit 0, no stack trace, and the work done', async (_name, args) => {
  const result = await withReaderGone(args);
  expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(result.exitCode).toBe(0);
  if (args[0] === 'third') expect(fs.existsSync(path.join(root, 'third/models/dumb_stub/config.pbtxt'))).toBe(true);
});
