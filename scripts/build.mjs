// Bundle src/ into dist/ with esbuild: the published package has no runtime dependencies.
// - Entry src/main.ts -> dist/cli.js: tiny; answers --version and --help itself, loads the yargs CLI
//   (a chunk) for anything else. Code splitting keeps heavy parts (yargs, prompts, yaml, docker)
//   in chunks loaded only when used.
// - src/precomputed.ts -> dist/precomputed.cjs: those answers alone, as CommonJS, for the bin.
// - dist/precomputed.json: the command names, and yargs' own --help output for the CLI and each
//   command at each precomputed width, captured by running the bundle just built (scripts/capture-yargs.mjs).
// The bundle is written to a temporary folder and renamed into dist/ file by file, chunks first and
// the entry last, so a CLI running meanwhile (tests in parallel) never reads a half-written file.
// `--clean` (used by prepack and bench/run) then removes what earlier builds left in dist/, so no
// stale chunk is published.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMBEDDED_MODULE, embeddedTemplatesSource } from './embed-templates.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const dist = path.join(root, 'dist');
const staging = path.join(root, `.dist-${process.pid}`);

/**
 * string-width (used by yargs, cliui and wrap-ansi to lay out help and messages) builds an
 * Intl.Segmenter and a Unicode-property regex when its module is evaluated: about 30 ms, paid by
 * every run although only help and usage errors measure text. Each import of it gets a stand-in
 * that evaluates the real module on its first call (esbuild bundles a require()d ES module as a
 * lazily initialised one); same function, same results.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let stringWidth;\nexport default function lazyStringWidth(text, options) {\n  stringWidth ??= require(${JSON.stringify(args.path)}).default;\n  return stringWidth(text, options);\n}\n`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * The templates render uses, embedded into the bundle's copy of src/render/embedded-templates.ts
 * (scripts/embed-templates.mjs): a run reads no template file and loads no ejs. The .ejs files
 * still ship, as the sources a reader follows.
 */
const embeddedTemplates = {
  name: 'embedded-templates',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: EMBEDDED_MODULE }, () => ({ contents: embeddedTemplatesSource(), loader: 'js' }));
  },
};

fs.rmSync(staging, { recursive: true, force: true });

try {
  await build({
    entryPoints: { cli: path.join(root, 'src/main.ts') },
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
    // CommonJS dependencies (yaml) call require() for Node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [lazyStringWidth, embeddedTemplates],
    logLevel: 'warning',
  });
  // The same answers as CommonJS, for the bin to use before the ES module loader starts.
  await build({
    entryPoints: { precomputed: path.join(root, 'src/precomputed.ts') },
    outdir: staging,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    define: { __VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__fileUrl' },
    banner: { js: "const __fileUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  const capture = spawnSync(process.execPath, [path.join(root, 'scripts/capture-yargs.mjs'), path.join(staging, 'cli.js'), path.join(staging, 'precomputed.json')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 60_000,
  });
  if (capture.status !== 0) throw new Error(`capturing yargs' help failed (${capture.error?.message ?? `exit ${capture.status}`})`);

  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(path.relative(staging, full));
    }
  };
  walk(staging);
  // Chunks first, then precomputed.json and the rest, the entries last: by then everything they read is in place.
  const rank = (file) => (file === 'cli.js' ? 3 : file === 'precomputed.cjs' ? 2 : file.includes(path.sep) ? 0 : 1);
  files.sort((a, b) => rank(a) - rank(b));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
    fs.renameSync(path.join(staging, file), path.join(dist, file));
  }
  if (process.argv.includes('--clean')) {
    const current = new Set(files);
    for (const entry of fs.readdirSync(dist, { recursive: true, withFileTypes: true })) {
      const file = path.relative(dist, path.join(entry.parentPath ?? entry.path, entry.name));
      if (entry.isFile() && !current.has(file)) fs.rmSync(path.join(dist, file));
    }
  }
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
