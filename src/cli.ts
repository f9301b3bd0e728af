/**
 * The command line: commands, flags, help and exit codes. Errors a user can fix become one
 * line on stderr and exit 1; usage mistakes exit 2; anything else is a bug and shows its stack.
 * Each command is a module of its own (commands/*.ts): its yargs definition, its flags judged, the
 * layer doing its work loaded only when it runs. main.ts answers --help, --version (precomputed.ts)
 * and the simplest argv of the default command (commands/simple-argv.ts) without loading this
 * module: a global option or middleware added here must be reflected there
 * (test/unit/simple-argv.test.ts compares).
 * Before yargs reads argv: `--` is refused (no command reads what follows it), and `--json`
 * decides that every outcome, errors included, is printed as one JSON object.
 */

import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { addModelCommandModule } from './commands/add-model.js';
import { jsonRequested, refuseDoubleDash } from './commands/args.js';
import { buildCommandModule } from './commands/build.js';
import { createCommandModule } from './commands/create.js';
import { runCommandModule } from './commands/run.js';
import { serveCommandModule } from './commands/serve.js';
import { validateCommandModule } from './commands/validate.js';
import { EXIT, UserError } from './ui/errors.js';
import { exitCodeOf } from './ui/exit-code.js';
import { helpWidth } from './ui/help-width.js';
import { VERSION } from './version.js';

export const EXIT_CODES = 'Exit codes: 0 ok, 1 invalid input or a failed step, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated.';

/** Every command, in the order --help lists them; the first is the default. */
export const COMMANDS: readonly CommandModule[] = [createCommandModule, validateCommandModule, addModelCommandModule, serveCommandModule, buildCommandModule, runCommandModule];

export function buildCli(argv: string[], commands: readonly CommandModule[] = COMMANDS) {
  let cli = yargs(argv)
    .scriptName('create-triton-model')
    .usage('$0 [create] [directory] [options]\n\nCreate a Triton Inference Server Python-backend project: config.pbtxt, model.py, Dockerfile, client and README.');
  for (const command of commands) cli = cli.command(command);
  return cli
    .strict()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('v', 'version')
    .epilogue(EXIT_CODES)
    .wrap(helpWidth(process.stdout.columns))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UserError(`${message} (see --help)`, EXIT.usage);
    });
}

export async function main(argv = hideBin(process.argv)): Promise<number> {
  return exitCodeOf(
    async () => {
      refuseDoubleDash(argv);
      return buildCli(argv).parseAsync();
    },
    { json: jsonRequested(argv) },
  );
}
