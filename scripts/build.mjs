// Bundle src/ into dist/ with esbuild: the published package has no runtime dependencies.
// What the bin loads, in order (bin/create-triton-model.js):
// - dist/precomputed.cjs (src/precomputed.ts, CommonJS, a few kB): --version, --help of the CLI and
//   of each command (from dist/precomputed.json, yargs' own help captured at each precomputed width
//   by running the yargs bundle just built: scripts/capture-yargs.mjs), and whether argv is the
//   default command's simplest form with nobody to prompt. The command names are defined into it.
// - dist/create.cjs (src/main.ts, CommonJS, one file): that simplest create, synchronous to load:
//   Node 20's ES module loader resolves and reads every chunk separately, which cost more than the
//   generation itself. What the create path imports dynamically (prompts, docker, yaml) is left out
//   of it (external): that path never reaches it. dist/create.cjs.cache is V8's code cache for it,
//   made here after running it once (the bin uses it on Node 20; Node >= 22.1 keeps its own).
// - dist/cli.js (src/cli.ts, ES modules with code splitting): the yargs CLI, for everything else;
//   heavy parts (prompts, yaml, docker, the server) are chunks loaded only when used.
// Everything is written to a temporary folder and renamed into dist/ file by file, chunks first and
// the entries last, so a CLI running meanwhile (tests in parallel) never reads a half-written file.
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

/**
 * For the CommonJS bundles: `import fs from 'node:fs'` becomes `const fs = require('node:fs')`. esbuild
 * would wrap each such import in __toESM, which copies every export of the module once per file that
 * imports it (about 2 ms a run for fs and path); a built-in needs no interop. Same module, same object.
 */
const builtinDefaultImports = {
  name: 'builtin-default-imports',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => ({
      contents: fs.readFileSync(args.path, 'utf8').replace(/^import (\w+) from '(node:\w+)';$/gm, "const $1 = require('$2');"),
      loader: 'ts',
    }));
  },
};

/** For the create bundle: whatever the create path imports dynamically stays out of it (that path never reaches it). */
const dynamicImportsStayOut = {
  name: 'dynamic-imports-stay-out',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
  },
};

/** CommonJS bundles: import.meta.url is the file's own URL, made only if asked for (node:url costs a run time). */
const commonJs = {
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__bundle.url' },
  banner: { js: "const __bundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
};

const common = { outdir: staging, bundle: true, platform: 'node', target: 'node20', minify: true, logLevel: 'warning' };
const version = JSON.stringify(pkg.version);

fs.rmSync(staging, { recursive: true, force: true });

try {
  // 1. The yargs CLI, as ES modules with code splitting.
  await build({
    ...common,
    entryPoints: { cli: path.join(root, 'src/cli.ts') },
    splitting: true,
    format: 'esm',
    legalComments: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    define: { __VERSION__: version },
    // CommonJS dependencies (yaml) call require() for Node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [lazyStringWidth, embeddedTemplates],
  });

  // 2. yargs' own help and command names, from the CLI just built.
  const precomputedJson = path.join(staging, 'precomputed.json');
  const capture = spawnSync(process.execPath, [path.join(root, 'scripts/capture-yargs.mjs'), path.join(staging, 'cli.js'), precomputedJson], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 60_000,
  });
  if (capture.status !== 0) throw new Error(`capturing yargs' help failed (${capture.error?.message ?? `exit ${capture.status}`})`);
  const { commands } = JSON.parse(fs.readFileSync(precomputedJson, 'utf8'));

  // 3. What the bin decides first, and 4. the simplest create, as CommonJS.
  const define = { ...commonJs.define, __VERSION__: version };
  await build({ ...common, ...commonJs, entryPoints: { precomputed: path.join(root, 'src/precomputed.ts') }, define: { ...define, __COMMAND_NAMES__: JSON.stringify(commands) }, plugins: [builtinDefaultImports] });
  await build({ ...common, ...commonJs, entryPoints: { create: path.join(root, 'src/main.ts') }, define, plugins: [embeddedTemplates, builtinDefaultImports, dynamicImportsStayOut] });

  // 5. V8's code cache of the create bundle, made after one run so that it holds the functions a run compiles.
  const cache = spawnSync(process.execPath, [path.join(root, 'scripts/code-cache.cjs'), path.join(staging, 'create.cjs')], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
  if (cache.status !== 0) throw new Error(`making the code cache of create.cjs failed (${cache.error?.message ?? `exit ${cache.status}`})`);

  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(path.relative(staging, full));
    }
  };
  walk(staging);
  // Chunks first, then what the entries read, the entries last: by then everything they read is in place.
  const ENTRIES = ['create.cjs', 'cli.js', 'precomputed.cjs'];
  const rank = (file) => (ENTRIES.includes(file) ? 2 + ENTRIES.indexOf(file) : file.includes(path.sep) ? 0 : 1);
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
