/**
 * The command a user typed to run this CLI, so that the commands printed for the next steps work
 * when pasted: `npx create-triton-model` under npx or `npm exec`, `node path/to/bin/create-triton-model.js`
 * when node ran the bin file, and the bin's name when it ran from PATH (installed, or `npm link`ed
 * from a checkout).
 */

import path from 'node:path';
import { shownPath } from './paths.js';
import { shellQuote } from './shell.js';

export const BIN_NAME = 'create-triton-model';

export interface Invocation {
  /** process.argv: [node, the script as node was given it, ...]. */
  argv: readonly string[];
  /** npm sets npm_command=exec for `npx` and `npm exec`. */
  env: NodeJS.ProcessEnv;
}

/** The command prefix to print, for commands run from `cwd` (a path to the bin is shown from there). */
export function invokedAs(cwd: string, { argv, env }: Invocation = { argv: process.argv, env: process.env }): string {
  const script = argv[1];
  // `node bin/create-triton-model.js`: npx and PATH run the bin through a link without the .js.
  if (script !== undefined && path.basename(script) === `${BIN_NAME}.js`) return `node ${shellQuote(shownPath(path.resolve(script), cwd))}`;
  if (env.npm_command === 'exec') return `npx ${BIN_NAME}`;
  return BIN_NAME;
}
