/**
 * vitest global setup for every suite: the test venv (.venv-test, scripts/test-venv.mjs) exists and
 * matches test/python/requirements.txt before any test spawns its Python. Its result reaches the
 * tests through the environment: TEST_TORCH says whether BF16 cases can import torch.
 */

import { ensureTestVenv } from '../../scripts/test-venv.mjs';

export default function setup(): void {
  const venv = ensureTestVenv();
  process.env.TEST_TORCH = venv.torch ? '1' : '0';
}
