/**
 * Fault-injection points for the test suite, driven by environment variables so tests can
 * reach the moments between staging and moving into place with a real process:
 *   CREATE_TRITON_MODEL_TEST_PAUSE=<point>   write "<point>" to stderr, then wait (for a signal)
 *                                            points: write:<path>, copy:<path>, commit
 *   CREATE_TRITON_MODEL_TEST_FAIL=<path>     fail writing that file with EIO
 * Unset in normal use: each hook is then a no-op.
 */

const pauseAt = process.env.CREATE_TRITON_MODEL_TEST_PAUSE;
const failAt = process.env.CREATE_TRITON_MODEL_TEST_FAIL;

async function maybePause(point: string): Promise<void> {
  if (pauseAt !== point) return;
  process.stderr.write(`paused at ${point}\n`);
  // Bounded so a test that forgets to signal does not hang forever.
  await new Promise((resolve) => setTimeout(resolve, 30_000));
}

function maybeFail(path: string): void {
  if (failAt !== path) return;
  const error = new Error(`EIO: injected failure writing ${path}`) as NodeJS.ErrnoException;
  error.code = 'EIO';
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
