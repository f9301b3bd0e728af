/**
 * Entry point (dist/cli.js). Answers what is known without yargs: --version and --help from what the
 * build captured (precomputed.ts), and the default command's simplest argv (commands/simple-argv.ts),
 * handed to that command's own handler. Everything else goes to the yargs CLI (cli.ts, a chunk loaded
 * only then).
 */

import { jsonRequested } from './commands/args.js';
import { simpleCreateArgs } from './commands/simple-argv.js';
import { precomputedAnswer, readPrecomputed } from './precomputed.js';
import { exitCodeOf } from './ui/exit-code.js';

export { precomputedAnswer } from './precomputed.js';
export { PRECOMPUTED_HELP_WIDTHS } from './ui/help-width.js';

/** The yargs CLI, loaded on demand. */
export const loadCli = () => import('./cli.js');

/** Run argv through yargs, with no shortcut. */
export async function runCli(argv?: string[]): Promise<number> {
  const cli = await loadCli();
  return cli.main(argv);
}

export async function main(argv?: string[]): Promise<number> {
  const given = argv ?? process.argv.slice(2);
  const answer = precomputedAnswer(given, process.stdout.columns);
  if (answer !== undefined) {
    process.stdout.write(answer);
    return 0;
  }
  const commands = readPrecomputed()?.commands;
  const createArgs = commands && simpleCreateArgs(given, commands);
  if (createArgs) {
    return exitCodeOf(
      async () => {
        const { createArgsFrom, createCommand } = await import('./commands/create.js');
        await createCommand(createArgsFrom(createArgs));
      },
      { json: jsonRequested(given) },
    );
  }
  return runCli(argv);
}
