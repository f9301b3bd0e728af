#!/usr/bin/env node
// The test suite's Python: a virtual environment in .venv-test/ (git-ignored) built from the pinned
// test/python/requirements.txt with the first `python3` on PATH (or $PYTHON). It is reused while the
// requirements file, the interpreter and the build recipe are unchanged (a stamp file records them), and
// rebuilt otherwise; a run that is cut short leaves no stamp, so the next one starts over.
//
// Used by vitest's global setup (test/helpers/global-setup.ts) and runnable on its own:
//   node scripts/test-venv.mjs          build or reuse, then print the interpreter's path
//
// Torch is the one exception to "everything from PyPI": BF16 tensors go through DLPack and torch, and
// PyPI's torch wheel pulls several GB of CUDA libraries. When Debian's python3-torch is installed for
// the same Python minor version, it is linked into the venv (only the torch package, through a .pth
// file); otherwise the BF16 cases say torch is missing.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from './dir-lock.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const VENV_DIR = path.join(ROOT, '.venv-test');
export const VENV_PYTHON = path.join(VENV_DIR, 'bin', 'python');
const REQUIREMENTS = path.join(ROOT, 'test/python/requirements.txt');
const STAMP = path.join(VENV_DIR, '.stamp');
const LOCK = `${VENV_DIR}.lock`;
/** Where Debian's python3-torch lives; its interpreter tells which minor version it was built for. */
const SYSTEM_TORCH_PYTHON = process.env.TEST_TORCH_PYTHON ?? '/usr/bin/python3';
/** The wheel's Triton ships Python-backend stubs for these minor versions only. */
const SUPPORTED_MINORS = ['3.10', '3.11', '3.12'];
/** A pip install from an empty cache takes about a minute here; ten leaves room for a slow mirror. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const LOCK_WAIT_MS = 12 * 60_000;
/** Bump when the way the venv is built changes (the requirements file is hashed on its own). */
const RECIPE = 1;

const say = (line) => process.stderr.write(`test venv: ${line}\n`);

function run(command, args, { timeout = 60_000, quiet = true } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  if (!quiet && result.stdout) process.stderr.write(result.stdout);
  return result;
}

function interpreterInfo(python) {
  const result = run(python, ['-c', 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}"); print(sys.version.split()[0]); print(sys.executable)']);
  if (result.error || result.status !== 0) return undefined;
  const [minor, full, executable] = result.stdout.trim().split('\n');
  return { minor, full, executable };
}

function stampFor(python, info) {
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(REQUIREMENTS));
  hash.update(`recipe ${RECIPE}\n`);
  hash.update(`${info.executable} ${info.full}`);
  return hash.digest('hex');
}

function build(python, info, stamp) {
  say(`building ${path.relative(ROOT, VENV_DIR)} with ${info.executable} (Python ${info.full}) from ${path.relative(ROOT, REQUIREMENTS)} (about a minute)`);
  fs.rmSync(VENV_DIR, { recursive: true, force: true });
  const created = run(python, ['-m', 'venv', VENV_DIR], { timeout: 120_000 });
  if (created.status !== 0) throw new Error(`${python} -m venv failed: ${(created.stderr || created.error?.message || '').trim()}`);
  const installed = run(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-input', '-r', REQUIREMENTS], { timeout: INSTALL_TIMEOUT_MS });
  if (installed.status !== 0) throw new Error(`pip install -r ${path.relative(ROOT, REQUIREMENTS)} failed:\n${(installed.stderr || installed.error?.message || '').trim()}`);
  fs.writeFileSync(STAMP, `${stamp}\n`);
}

function readLink(file) {
  try {
    return fs.readlinkSync(file);
  } catch {
    return undefined;
  }
}

/** Link Debian's torch into the venv when it matches the venv's Python; true when `import torch` works there. */
function linkSystemTorch(info) {
  const linkDir = path.join(VENV_DIR, 'system-torch');
  const site = run(VENV_PYTHON, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).stdout.trim();
  const pth = path.join(site, 'system-torch.pth');
  const system = run(SYSTEM_TORCH_PYTHON, ['-c', 'import sys, importlib.util; s = importlib.util.find_spec("torch"); print(f"{sys.version_info[0]}.{sys.version_info[1]}"); print(s.submodule_search_locations[0] if s else "")']);
  const [minor, torchDir] = system.status === 0 ? system.stdout.trim().split('\n') : [];
  const link = path.join(linkDir, 'torch');
  // Linked and checked by an earlier run: importing torch again costs a second on every test run.
  if (torchDir && minor === info.minor && fs.existsSync(pth) && readLink(link) === torchDir) return true;
  fs.rmSync(linkDir, { recursive: true, force: true });
  fs.rmSync(pth, { force: true });
  if (!torchDir || minor !== info.minor) return false;
  fs.mkdirSync(linkDir);
  fs.symlinkSync(torchDir, link);
  fs.writeFileSync(pth, `${linkDir}\n`);
  if (run(VENV_PYTHON, ['-c', 'import torch']).status === 0) return true;
  fs.rmSync(linkDir, { recursive: true, force: true });
  fs.rmSync(pth, { force: true });
  return false;
}

/** Build or reuse .venv-test; returns its interpreter and whether torch is importable there. */
export function ensureTestVenv() {
  const python = process.env.PYTHON ?? 'python3';
  const info = interpreterInfo(python);
  if (!info) throw new Error(`the tests need Python 3 (${SUPPORTED_MINORS.join(', ')}) as \`${python}\` on PATH (or set PYTHON)`);
  if (!SUPPORTED_MINORS.includes(info.minor)) {
    throw new Error(`${info.executable} is Python ${info.full}; the tests need ${SUPPORTED_MINORS.join(', ')}, the versions the nvidia-pytriton wheel has Triton stubs for (set PYTHON to one)`);
  }
  const stamp = stampFor(python, info);
  return withDirLock(LOCK, LOCK_WAIT_MS, () => {
    const current = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : '';
    if (current !== stamp) build(python, info, stamp);
    const torch = linkSystemTorch(info);
    return { python: VENV_PYTHON, minor: info.minor, torch };
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const venv = ensureTestVenv();
    say(`ready, Python ${venv.minor}, torch ${venv.torch ? 'linked from Debian' : 'not available (BF16 cases will fail)'}`);
    process.stdout.write(`${venv.python}\n`);
  } catch (error) {
    say(error.message);
    process.exit(1);
  }
}
