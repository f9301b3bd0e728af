/** Normalising yargs values (a repeated string flag arrives as an array, a single one as a string), and what argv says before any command reads it. */

import { EXIT, UserError, showValue } from '../ui/errors.js';

export const asList = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

export const asOne = (value: unknown, flag: string): string | undefined => {
  if (Array.isArray(value)) throw new UserError(`--${flag} was given ${value.length} times (give it once)`, EXIT.usage);
  return value === undefined ? undefined : String(value);
};

/**
 * `--` ends the options, and yargs would take what follows as a folder name: `-- --version` would
 * create a project called `--version`. No command takes arguments after it, so it is refused.
 */
export function refuseDoubleDash(argv: readonly string[]): void {
  const at = argv.indexOf('--');
  if (at < 0) return;
  throw new UserError(`-- ${showValue(argv.slice(at + 1).join(' '))}: no command reads arguments after --; remove it (see --help)`, EXIT.usage);
}

/** Whether the run should answer in JSON (`--json` given), known before yargs reads argv, so that even a usage error is JSON. */
export function jsonRequested(argv: readonly string[]): boolean {
  let json = false;
  for (const token of argv) {
    if (token === '--') break;
    if (token === '--json' || token === '--json=true') json = true;
    else if (token === '--no-json' || token === '--json=false') json = false;
  }
  return json;
}
