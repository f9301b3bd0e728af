// V8's code cache for a CommonJS bundle, made by running it once: node scripts/code-cache.cjs <dir>/create.cjs
// Compiles <dir>/create.cjs as the bin does (with <dir>/precomputed.cjs's compileBundle), creates a
// project with it in a temporary folder (the default command, --yes) so that V8 has compiled what a
// run uses, then writes what V8 compiled to <dir>/create.cjs.cache. Run by scripts/build.mjs.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function main() {
  const file = path.resolve(process.argv[2]);
  const { compileBundle, runBundle } = require(path.join(path.dirname(file), 'precomputed.cjs'));
  const script = compileBundle(file);
  const { createFromArgs } = runBundle(script, file);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-code-cache-'));
  try {
    const code = await createFromArgs({ _: [], $0: 'create-triton-model', yes: true, force: false, dryRun: false, json: false, directory: path.join(work, 'project') });
    if (code !== 0) throw new Error(`the warm-up run exited ${code}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  fs.writeFileSync(`${file}.cache`, script.createCachedData());
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
