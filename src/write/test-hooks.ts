/**
 * Fault-injection points for the test suite, driven by environment variables so tests can
 * reach the moments between staging and moving into place with a real process:
 *   CREATE_TRITON_MODEL_TEST_PAUSE=<point>   print "paused at <point>" on stderr, then wait until the
 *                                            file named by CREATE_TRITON_MODEL_TEST_RESUME exists
 *                                            (or a signal arrives; at most 30 s)
 *                                            points: write:<path>, copy:<path>, commit
 *   CREATE_TRITON_MODEL_TEST_FAIL=<path>[:CODE]  fail writing that file with errno CODE (default EIO)
 * Unset in normal use: each hook is then a no-op.
 */

import fs from 'node:fs';

const pauseAt = process.env.CREATE_TRITON_MODEL_TEST_PAUSE;
const resumeFile = process.env.CREATE_TRITON_MODEL_TEST_RESUME;
const [failPath, failCode = 'EIO'] = (process.env.CREATE_TRITON_MODEL_TEST_FAIL ?? '').split(':');

async function maybePause(point: string): Promise<void> {
  if (pauseAt !== point) return;
  process.stderr.write(`paused at ${point}\n`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !(resumeFile && fs.existsSync(resumeFile))) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function maybeFail(path: string): void {
  if (!failPath || failPath !== path) return;
  const error = new Error(`${failCode}: injected failure writing ${path}`) as NodeJS.ErrnoException;
  error.code = failCode;
  throw error;
}

export const testHooks = {
  async beforeWrite(path: string): Promise<void> {
    await maybePause(`write:${path}`);
    maybeFail(path);
  },
  async beforeCopy(path: string): Promise<void> {
    await maybePause(`copy:${path}`);
    maybeFail(path);
  },
  async beforeCommit(): Promise<void> {
    await maybePause('commit');
  },
};
