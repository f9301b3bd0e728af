/**
 * Answers known without running yargs: `--version`, and `--help` of the CLI and of each command, from
 * what the build captured by running yargs itself (scripts/build.mjs writes dist/precomputed.json: the
 * command names, and yargs' help at each precomputed width). Bundled twice: into dist/cli.js, and
 * alone as dist/precomputed.cjs for the bin, which answers these before Node's ES module loader has
 * started. Only these exact argv forms are answered; for anything else, or a terminal narrower than
 * the precomputed widths, the caller runs yargs, which prints the same (test/e2e/startup.test.ts
 * compares the two for every command and width).
 */

import { readFileSync } from 'node:fs';
import { helpWidth } from './ui/help-width.js';
import { VERSION } from './version.js';

/** dist/precomputed.json. */
export interface Precomputed {
  /** Every command name and alias yargs knows, besides the default command. */
  commands: string[];
  /** width -> command ('' for the CLI itself) -> exactly what yargs wrote to stdout for its --help. */
  help: Record<string, Record<string, string>>;
}

const HELP_FLAGS = ['--help', '-h'];
const VERSION_FLAGS = ['--version', '-v'];

let cached: Precomputed | null | undefined;

/** dist/precomputed.json, or undefined when the bundle was built without one (yargs answers then). */
export function readPrecomputed(): Precomputed | undefined {
  if (cached === undefined) {
    try {
      cached = JSON.parse(readFileSync(new URL('./precomputed.json', import.meta.url), 'utf8')) as Precomputed;
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

/** What the yargs CLI would print on stdout (with exit 0) for argv, when known without running it. */
export function precomputedAnswer(argv: readonly string[], columns: number | undefined): string | undefined {
  const [first, second, ...rest] = argv;
  if (first === undefined || rest.length > 0) return undefined;
  if (second === undefined) {
    if (VERSION_FLAGS.includes(first)) return `${VERSION}\n`;
    return HELP_FLAGS.includes(first) ? capturedHelp(columns, '') : undefined;
  }
  if (!HELP_FLAGS.includes(second) || first === '' || first.startsWith('-')) return undefined;
  return capturedHelp(columns, first);
}
