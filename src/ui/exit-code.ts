/**
 * Run a command to its exit code, the same way whether yargs dispatched it (cli.ts) or it was read
 * without yargs (main.ts): a mistake the user can fix is one line on stderr and its exit code; an
 * interruption has already been reported; anything else is a bug and is rethrown with its stack.
 */

import { EXIT, InterruptedError, UserError } from './errors.js';
import { printError } from './output.js';

export async function exitCodeOf(run: () => Promise<unknown>): Promise<number> {
  try {
    await run();
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof InterruptedError) return error.exitCode;
    if (error instanceof UserError) {
      printError(error.message);
      return error.exitCode;
    }
    throw error;
  }
}
