import { defineConfig } from 'vitest/config';
import { embeddedTemplatesVitePlugin } from './scripts/embed-templates.mjs';

// The docker integration suite (npm run test:docker, root only): test/docker/global-setup.ts starts a
// private dockerd and builds the stand-in Triton base image once; the files then share them one after
// another (one daemon, host ports, two CPUs on CI).
export default defineConfig({
  // Tests import src/ directly: src/render gets the templates embedded as the bundle has them.
  plugins: [embeddedTemplatesVitePlugin()],
  test: {
    include: ['test/docker/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts', 'test/docker/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});
