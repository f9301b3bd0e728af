/**
 * What the bin decides before loading any of the CLI (dist/precomputed.cjs, small, CommonJS):
 * - `--version`, and `--help` of the CLI and of each command, answered from what the build captured
 *   by running yargs itself (scripts/build.mjs writes dist/precomputed.json: yargs' help at each
 *   precomputed width, read only when help is asked for). Only these exact argv forms are answered;
 *   for anything else, or a terminal narrower than the precomputed widths, yargs answers, which
 *   prints the same (test/e2e/startup.test.ts compares the two for every command and width);
 * - whether argv is the default command in its simplest form with nobody to prompt (simple-argv.ts),
 *   which dist/create.cjs runs without yargs (main.ts), loaded through V8's code cache (code-cache.ts).
 * The command names are built in: the build defines them from what yargs knows.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { requireWithCodeCache } from './code-cache.js';
import { simpleCreateArgs } from './simple-argv.js';
import { helpWidth } from './ui/help-width.js';
import { canPrompt } from './ui/terminal.js';
import { VERSION } from './version.js';

/** dist/precomputed.json. */
export interface Precomputed {
  /** Every command name and alias yargs knows, besides the default command. */
  commands: string[];
  /** width -> command ('' for the CLI itself) -> exactly what yargs wrote to stdout for its --help. */
  help: Record<string, Record<string, string>>;
}

/** Replaced at build time with the command names yargs knows (scripts/capture-yargs.mjs). */
declare const __COMMAND_NAMES__: readonly string[] | undefined;

const HELP_FLAGS = ['--help', '-h'];
const VERSION_FLAGS = ['--version', '-v'];

let cached: Precomputed | null | undefined;

/** A file beside this module: in dist/ (CommonJS, where __dirname is this bundle's folder) or beside src/precomputed.ts. */
function besideThisModule(name: string): string {
  if (typeof __dirname === 'string') return path.join(__dirname, name);
  const { fileURLToPath } = createRequire(import.meta.url)('node:url') as typeof import('node:url');
  return path.join(path.dirname(fileURLToPath(import.meta.url)), name);
}

/** dist/precomputed.json, or undefined when the bundle was built without one (yargs answers then). */
export function readPrecomputed(): Precomputed | undefined {
  if (cached === undefined) {
    try {
      cached = JSON.parse(readFileSync(besideThisModule('precomputed.json'), 'utf8')) as Precomputed;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}

function capturedHelp(columns: number | undefined, command: string): string | undefined {
  const byCommand = readPrecomputed()?.help[helpWidth(columns)];
  const text = byCommand && Object.hasOwn(byCommand, command) ? byCommand[command] : undefined;
  return typeof text === 'string' ? text : undefined;
}

/** The terminal's width, asked only when it matters (help): reading process.stdout.columns creates the stream. */
const terminalColumns = () => process.stdout.columns;

/** What the yargs CLI would print on stdout (with exit 0) for argv, when known without running it. `columns`: the terminal's width. */
export function precomputedAnswer(argv: readonly string[], columns: number | undefined | (() => number | undefined) = terminalColumns): string | undefined {
  const [first, second, ...rest] = argv;
  const width = () => (typeof columns === 'function' ? columns() : columns);
  if (first === undefined || rest.length > 0) return undefined;
  if (second === undefined) {
    if (VERSION_FLAGS.includes(first)) return `${VERSION}\n`;
    return HELP_FLAGS.includes(first) ? capturedHelp(width(), '') : undefined;
  }
  if (!HELP_FLAGS.includes(second) || first === '' || first.startsWith('-')) return undefined;
  return capturedHelp(width(), first);
}

/** The arguments object yargs would hand the default command, for its simplest argv when nobody is there to prompt; else undefined. */
export function simpleCreate(argv: readonly string[]): Record<string, unknown> | undefined {
  const commandNames = typeof __COMMAND_NAMES__ === 'undefined' ? undefined : __COMMAND_NAMES__;
  if (!commandNames) return undefined;
  const args = simpleCreateArgs(argv, commandNames);
  return args && !canPrompt({ yes: Boolean(args.yes), json: Boolean(args.json) }) ? args : undefined;
}

/** dist/create.cjs (main.ts): the simplest create, loaded through the code cache. */
export function loadCreate(): { createFromArgs: (args: Record<string, unknown>) => Promise<number> } {
  return requireWithCodeCache(besideThisModule('create.cjs')) as { createFromArgs: (args: Record<string, unknown>) => Promise<number> };
}

export { compileBundle, runBundle } from './code-cache.js';
export { writeStdout } from './ui/output.js';
