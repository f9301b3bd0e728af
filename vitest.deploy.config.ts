import { defineConfig } from 'vitest/config';
import { embeddedTemplatesVitePlugin } from './scripts/embed-templates.mjs';

// The deploy suite (npm run test:deploy): what deploy writes, through real Helm and kustomize, built
// from the Go module proxy by the global setup (scripts/deploy-tools.mjs; needs Go), then every
// object they make validated strictly against Kubernetes' schemas (test/helpers/manifests.ts).
export default defineConfig({
  // Tests import src/ directly: src/render gets the templates embedded as the bundle has them.
  plugins: [embeddedTemplatesVitePlugin()],
  test: {
    include: ['test/deploy/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts', 'test/deploy/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
