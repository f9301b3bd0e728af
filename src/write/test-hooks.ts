/**
 * Fault-injection points for the test suite, driven by environment variables so tests can
 * reach the moments between staging and moving into place with a real process:
 *   CREATE_TRITON_MODEL_TEST_PAUSE=<point>   print "paused at <point>" on stderr, then wait until the
 *                                            file named by CREATE_TRITON_MODEL_TEST_RESUME exists
 *                                            (or a signal arrives; at most 30 s)
 *                                            points: write:<path>, copy:<path>, commit, move:<path>
 *   CREATE_TRITON_MODEL_TEST_FAIL=<path>[:CODE]       fail staging that file with errno CODE (default EIO)
 *   CREATE_TRITON_MODEL_TEST_FAIL_MOVE=<path>[:CODE]  fail moving that file into place (the commit, half
 *                                                     done by then: what moved before it is rolled back)
 * Unset in normal use: each hook is then a no-op.
 */

import fs from 'node:fs';

const pauseAt = process.env.CREATE_TRITON_MODEL_TEST_PAUSE;
const resumeFile = process.env.CREATE_TRITON_MODEL_TEST_RESUME;

function failure(variable: string): { path: string; code: string } | undefined {
  const [path = '', code = 'EIO'] = (process.env[variable] ?? '').split(':');
  return path === '' ? undefined : { path, code };
}
const failWrite = failure('CREATE_TRITON_MODEL_TEST_FAIL');
const failMove = failure('CREATE_TRITON_MODEL_TEST_FAIL_MOVE');

async function maybePause(point: string): Promise<void> {
  if (pauseAt !== point) return;
  process.stderr.write(`paused at ${point}\n`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !(resumeFile && fs.existsSync(resumeFile))) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function maybeFail(fault: { path: string; code: string } | undefined, path: string, what: string): void {
  if (!fault || fault.path !== path) return;
  const error = new Error(`${fault.code}: injected failure ${what} ${path}`) as NodeJS.ErrnoException;
  error.code = fault.code;
  throw error;
}

export const testHooks = {
  async beforeWrite(path: string): Promise<void> {
    await maybePause(`write:${path}`);
    maybeFail(failWrite, path, 'writing');
  },
  async beforeCopy(path: string): Promise<void> {
    await maybePause(`copy:${path}`);
    maybeFail(failWrite, path, 'writing');
  },
  async beforeCommit(): Promise<void> {
    await maybePause('commit');
  },
  async beforeMove(path: string): Promise<void> {
    await maybePause(`move:${path}`);
    maybeFail(failMove, path, 'moving');
  },
};
