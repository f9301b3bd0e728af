#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): --version and --help are answered from dist/precomputed.cjs
// before Node starts its ES module loader, so they cost about what `node -e 0` costs. Everything else
// loads the CLI, bundled into dist/ (see scripts/build.mjs and src/main.ts).
'use strict';

// Node 22.1+ keeps V8's compiled code for the modules below between runs (a no-op on Node 20).
require('node:module').enableCompileCache?.();

const { precomputedAnswer } = require('../dist/precomputed.cjs');

const answer = precomputedAnswer(process.argv.slice(2), process.stdout.columns);
if (answer !== undefined) {
  process.stdout.write(answer);
} else {
  import('../dist/cli.js')
    .then(({ main }) => main())
    .then(
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
