// A lock shared by processes on one machine: a folder made with mkdir (atomic), holding the pid of its
// holder; a lock whose holder has died is taken over. Used by the scripts that build the suites' tools
// (test-venv.mjs, deploy-tools.mjs), so that two suites started together build once.
import fs from 'node:fs';
import path from 'node:path';

/** Run `work` holding the lock folder `lock`; wait for another live holder at most `waitMs`. */
export function withDirLock(lock, waitMs, work) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim() || 0);
      } catch {}
      let alive = false;
      try {
        alive = holder > 0 && process.kill(holder, 0);
      } catch {}
      if (!alive) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lock} is held by process ${holder} for too long`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
