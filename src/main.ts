/**
 * The default command in its simplest form, run without yargs (dist/create.cjs, one synchronous
 * CommonJS bundle the bin require()s): `create-triton-model my-project [--yes] [--force]
 * [--dry-run] [--json]` with nobody to prompt, as precomputed.ts's simpleCreate decided. The bundle
 * holds what this path loads (the Spec, render with its embedded templates, write); what it imports
 * dynamically (prompts, docker, yaml) is left out of it, as this path never reaches it. Everything
 * else goes through the yargs CLI (cli.ts, dist/cli.js).
 */

import { createArgsFrom, createCommand } from './commands/create.js';
import { exitCodeOf } from './ui/exit-code.js';
import { flushStdout, holdStdout } from './ui/output.js';

/** Run the create command on the arguments object yargs would have handed it; its exit code. Output on stdout is written once, at the end. */
export async function createFromArgs(args: Record<string, unknown>): Promise<number> {
  holdStdout();
  try {
    return await exitCodeOf(() => createCommand(createArgsFrom(args)), { json: Boolean(args.json) });
  } finally {
    flushStdout();
  }
}
