#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): what most runs need is answered before Node's ES module
// loader starts. dist/precomputed.cjs (a few kB) answers --version and --help, and tells whether
// argv is the default command's simplest form with nobody to prompt: that runs from dist/create.cjs,
// one synchronous bundle loaded through V8's code cache. Anything else loads the yargs CLI
// (dist/cli.js, ES modules). See scripts/build.mjs and src/precomputed.ts, src/main.ts, src/cli.ts.
'use strict';

// Node 22.1+ keeps V8's compiled code for the modules below between runs (Node 20 uses dist/create.cjs.cache).
require('node:module').enableCompileCache?.();

const precomputed = require('../dist/precomputed.cjs');

const argv = process.argv.slice(2);
const answer = precomputed.precomputedAnswer(argv);
if (answer !== undefined) {
  precomputed.writeStdout(answer);
} else {
  const simple = precomputed.simpleCreate(argv);
  const run = simple ? precomputed.loadCreate().createFromArgs(simple) : import('../dist/cli.js').then((cli) => cli.main());
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      // Not a user mistake: a bug. Show everything so it can be reported.
      console.error(error);
      process.exitCode = 1;
    },
  );
}
