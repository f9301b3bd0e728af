/** Spawn the built CLI as a user would, in a folder of the test's choosing. */

import { execa, type Options } from 'execa';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/create-triton-model.js');
export const TEMPLATES = path.join(ROOT, 'templates');
/** The test venv's interpreter (scripts/test-venv.mjs, built by the suites' global setup from test/python/requirements.txt). */
export const TEST_PYTHON = path.join(ROOT, '.venv-test/bin/python');
/**
 * torch is importable in the test venv (scripts/test-venv.mjs linked Debian's python3-torch): BF16
 * tensors, which go through torch, can be run. Set by the global setup, which refuses to run without
 * torch on CI.
 */
export const TORCH = process.env.TEST_TORCH === '1';
/** Why BF16 cases are left out when torch is missing; the suites show it as a skipped test. */
export const NO_TORCH_REASON = 'BF16 cases: torch is not in the test venv (install Debian\'s python3-torch: scripts/test-venv.mjs links it)';

/** protoc as the test venv carries it (grpcio-tools): argv before protoc's own arguments. */
export const PROTOC = [TEST_PYTHON, '-m', 'grpc_tools.protoc'] as const;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI with no TTY (stdin closed), CI unset unless given, colors off. */
export async function runCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; input?: string; timeout?: number } & Partial<Options>): Promise<CliResult> {
  const { cwd, env, input, timeout, ...rest } = options;
  const result = await execa(process.execPath, [BIN, ...args], {
    cwd,
    env: { NO_COLOR: '1', CI: undefined, ...env },
    extendEnv: true,
    input: input ?? '',
    reject: false,
    timeout: timeout ?? 30_000,
    ...rest,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export function makeTempDir(prefix = 'ctm-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every path under `dir` (files and folders, relative, sorted), to compare a folder before and after. */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      out.push(entry.isDirectory() ? `${child}/` : child);
      if (entry.isDirectory()) walk(child);
    }
  };
  walk('');
  return out.sort();
}

/** Every path under `dir` with what it holds (a folder: its mode; a file: its mode and the sha256 of its bytes), to prove a folder byte-identical before and after. */
export function treeSnapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of listTree(dir)) {
    const full = path.join(dir, entry);
    const mode = (fs.lstatSync(full).mode & 0o7777).toString(8);
    result[entry] = entry.endsWith('/') ? `dir ${mode}` : `${mode} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`;
  }
  return result;
}

export function readText(...parts: string[]): string {
  return fs.readFileSync(path.join(...parts), 'utf8');
}
