import { defineConfig } from 'vitest/config';
import { embeddedTemplatesVitePlugin } from './scripts/embed-templates.mjs';

// The real-Triton suite (npm run test:triton): every test starts the Triton Inference Server build the
// nvidia-pytriton wheel carries (test/helpers/triton.ts), from the test venv the global setup builds.
// Two files at a time: each server runs one Python stub process per model instance.
export default defineConfig({
  // Tests import src/ directly: src/render gets the templates embedded as the bundle has them.
  plugins: [embeddedTemplatesVitePlugin()],
  test: {
    include: ['test/triton/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
