#!/usr/bin/env node
// Tiny shim: the CLI is bundled into dist/ (see scripts/build.mjs).
import { main } from '../dist/cli.js';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Not a user mistake: a bug. Show everything so it can be reported.
    console.error(error);
    process.exitCode = 1;
  },
);
