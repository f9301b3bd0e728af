import { defineConfig } from 'vitest/config';
import { embeddedTemplatesVitePlugin } from './scripts/embed-templates.mjs';

// The suite spawns the built CLI (npm test builds first) and the test venv's Python (global setup); the docker
// integration suite has its own config (vitest.docker.config.ts).
export default defineConfig({
  // Tests import src/ directly: src/render gets the templates embedded as the bundle has them.
  plugins: [embeddedTemplatesVitePlugin()],
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
