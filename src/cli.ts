/**
 * The command line: commands, flags, help and exit codes. Errors a user can fix become one
 * line on stderr and exit 1; usage mistakes exit 2; anything else is a bug and shows its stack.
 * Each command's yargs definition is a small module (commands/*.command.ts); its work is
 * imported only when it runs, so --help and --version stay instant.
 */

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createCommandModule } from './commands/create.command.js';
import { EXIT, InterruptedError, UserError } from './ui/errors.js';
import { printError } from './ui/output.js';
import { VERSION } from './version.js';

export const EXIT_CODES = 'Exit codes: 0 ok, 1 invalid input or a failed step, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated.';

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('create-triton-model')
    .usage('$0 [directory] [options]\n\nCreate a Triton Inference Server Python-backend project: config.pbtxt, model.py, Dockerfile, client and README.')
    .command(createCommandModule)
    .strict()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('v', 'version')
    .epilogue(EXIT_CODES)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UserError(`${message} (see --help)`, EXIT.usage);
    });
}

export async function main(argv = hideBin(process.argv)): Promise<number> {
  try {
    await buildCli(argv).parseAsync();
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
