// Bundle src/ into dist/ with esbuild: the published package has no runtime dependencies.
// Code splitting keeps heavy parts (prompts, ejs, yaml, docker) in chunks loaded only when used.
// The bundle is written to a temporary folder and renamed into dist/ file by file, chunks
// before the entry, so a CLI running meanwhile (tests in parallel) never reads a half-written file.
// `--clean` (used by prepack) empties dist/ first so no stale chunk is published.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const dist = path.join(root, 'dist');
const staging = path.join(root, `.dist-${process.pid}`);

if (process.argv.includes('--clean')) fs.rmSync(dist, { recursive: true, force: true });
fs.rmSync(staging, { recursive: true, force: true });

try {
  await build({
    entryPoints: { cli: path.join(root, 'src/cli.ts') },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    define: { __VERSION__: JSON.stringify(pkg.version) },
    // CommonJS dependencies (ejs, yaml) call require() for Node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(path.relative(staging, full));
    }
  };
  walk(staging);
  // Entry files last: by then every chunk they import is in place.
  files.sort((a, b) => Number(!a.includes(path.sep)) - Number(!b.includes(path.sep)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
    fs.renameSync(path.join(staging, file), path.join(dist, file));
  }
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
