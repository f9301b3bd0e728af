/**
 * Run a command to its exit code, the same way whether yargs dispatched it (cli.ts) or it was read
 * without yargs (main.ts): a mistake the user can fix is one line on stderr and its exit code; an
 * interruption has already been reported; anything else is a bug and is rethrown with its stack.
 * With --json the outcome is also one JSON object on stdout, errors included, so that a script
 * reading stdout always gets one: `{"ok": false, "error": {"field", "value", "message"}}`.
 */

import { EXIT, InterruptedError, UserError } from './errors.js';
import { printError, writeStdout } from './output.js';

/** What --json prints when a run fails; `field` and `value` are null when the error is not about one value. */
export interface JsonFailure {
  ok: false;
  error: { field: string | null; value: unknown; message: string };
}

function printJsonFailure(message: string, about: UserError['about']): void {
  const failure: JsonFailure = { ok: false, error: { field: about?.field ?? null, value: about?.value ?? null, message } };
  // JSON has no exact form for an integer beyond 2^53 in JavaScript: such a value is given as its digits.
  writeStdout(`${JSON.stringify(failure, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2)}\n`);
}

export async function exitCodeOf(run: () => Promise<unknown>, options: { json?: boolean } = {}): Promise<number> {
  try {
    await run();
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof InterruptedError) {
      if (options.json) printJsonFailure(error.message, undefined);
      return error.exitCode;
    }
    if (error instanceof UserError) {
      printError(error.message);
      if (options.json) printJsonFailure(error.message, error.about);
      return error.exitCode;
    }
    if (options.json) printJsonFailure(`internal error: ${error instanceof Error ? error.message : String(error)} (a bug: the details are on stderr)`, undefined);
    throw error;
  }
}
