/**
 * vitest global setup for every suite: the test venv (.venv-test, scripts/test-venv.mjs) exists and
 * matches test/python/requirements.txt before any test spawns its Python. Its result reaches the
 * tests through the environment: TEST_TORCH says whether BF16 cases can import torch (test/helpers/cli.ts).
 */

import { ensureTestVenv } from '../../scripts/test-venv.mjs';

export default function setup(): void {
  const venv = ensureTestVenv();
  // Locally BF16 cases are skipped without torch, and say why; CI must run them.
  if (!venv.torch && process.env.CI) throw new Error("CI runs the BF16 cases: torch must be importable in the test venv (.ci/run installs Debian's python3-torch)");
  process.env.TEST_TORCH = venv.torch ? '1' : '0';
}
