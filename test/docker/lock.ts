/**
 * One docker suite per machine at a time: two daemons would share the bridge driver's host state and
 * a run's stale-state sweep would hit the other's files. The lock is a folder holding the owner's pid;
 * a lock whose owner is gone is taken over.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from './host.js';

const LOCK_DIR = path.join(os.tmpdir(), 'create-triton-model-docker-suite.lock');
const WAIT_MS = 20 * 60_000;

function ownerOf(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Take the lock, waiting (bounded) for another run to finish; returns the release function. */
export async function acquireSuiteLock(log: (line: string) => void): Promise<() => void> {
  const deadline = Date.now() + WAIT_MS;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => {
        if (ownerOf() === process.pid) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf();
    const since = fs.statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs;
    if (since === undefined) continue; // released meanwhile
    // No pid yet: its owner is between mkdir and write; give it a moment before judging it stale.
    if (owner === undefined ? Date.now() - since > 5000 : !isAlive(owner)) {
      fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another docker suite (pid ${owner}) has held ${LOCK_DIR} for ${WAIT_MS / 60_000} minutes; giving up`);
    if (!told) log(`Waiting for another docker suite run (pid ${owner ?? '?'}) to finish…`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
