/**
 * vitest global setup of the deploy suite (vitest.deploy.config.ts): helm and kustomize, built from the
 * Go module proxy at their pinned versions into .tools/bin (scripts/deploy-tools.mjs), before any test
 * runs them. The test venv (kubernetes-validate) comes from test/helpers/global-setup.ts.
 */

import { ensureDeployTools } from '../../scripts/deploy-tools.mjs';

export default function setup(): void {
  ensureDeployTools();
}
