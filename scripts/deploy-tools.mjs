#!/usr/bin/env node
// The deploy suite's tools: Helm and kustomize, built from the Go module proxy with `go install` into
// the git-ignored .tools/bin/, at the versions pinned here. They are reused while the pins and the Go
// toolchain stay the same (a stamp file records them), and rebuilt otherwise; a run cut short leaves no
// stamp. Needs Go on PATH (or /usr/local/go/bin): the deploy suite is the only one that does.
//
// Used by the deploy suite's global setup (test/deploy/global-setup.ts) and runnable on its own:
//   node scripts/deploy-tools.mjs       build or reuse, then print the folder holding helm and kustomize
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from './dir-lock.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = path.join(ROOT, '.tools');
export const TOOLS_BIN = path.join(TOOLS_DIR, 'bin');
/** Pinned: helm v4.3.2; kustomize v5.8.2 (v5.8.3 wants a newer Go than 1.26). */
export const TOOLS = [
  { name: 'helm', module: 'helm.sh/helm/v4/cmd/helm', version: 'v4.3.2' },
  { name: 'kustomize', module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.8.2' },
];
const STAMP = path.join(TOOLS_DIR, '.stamp');
const LOCK = `${TOOLS_DIR}.lock`;
/** Helm compiles in about 6 minutes on 2 cores from a cold cache; kustomize in under one. */
const BUILD_TIMEOUT_MS = 25 * 60_000;
const LOCK_WAIT_MS = 30 * 60_000;

const say = (line) => process.stderr.write(`deploy tools: ${line}\n`);

function findGo() {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    const result = spawnSync(candidate, ['env', 'GOVERSION'], { encoding: 'utf8' });
    if (result.status === 0) return { go: candidate, version: result.stdout.trim() };
  }
  throw new Error('the deploy suite builds helm and kustomize with Go (1.26 or later): none found on PATH or in /usr/local/go/bin');
}

/** Build or reuse the tools; returns the paths of helm and kustomize. */
export function ensureDeployTools() {
  const { go, version } = findGo();
  const stamp = `${version}\n${TOOLS.map((t) => `${t.module}@${t.version}`).join('\n')}\n`;
  const paths = Object.fromEntries(TOOLS.map((t) => [t.name, path.join(TOOLS_BIN, t.name)]));
  return withDirLock(LOCK, LOCK_WAIT_MS, () => {
    const current = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8') : '';
    if (current === stamp && TOOLS.every((t) => fs.existsSync(paths[t.name]))) return paths;
    fs.rmSync(STAMP, { force: true });
    fs.mkdirSync(TOOLS_BIN, { recursive: true });
    for (const tool of TOOLS) {
      say(`go install ${tool.module}@${tool.version} (${version}; helm takes minutes the first time)`);
      const built = spawnSync(go, ['install', `${tool.module}@${tool.version}`], {
        encoding: 'utf8',
        timeout: BUILD_TIMEOUT_MS,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-buildvcs=false' },
      });
      if (built.status !== 0) throw new Error(`go install ${tool.module}@${tool.version} failed:\n${(built.stderr || built.error?.message || '').trim()}`);
    }
    fs.writeFileSync(STAMP, stamp);
    return paths;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureDeployTools();
    say('ready');
    process.stdout.write(`${TOOLS_BIN}\n`);
  } catch (error) {
    say(error.message);
    process.exit(1);
  }
}
