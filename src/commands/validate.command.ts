/** yargs definition of `validate`; the work is in validate.ts, loaded only when it runs. */

import type { CommandModule } from 'yargs';
import { asOne } from './args.js';

export const validateCommandModule: CommandModule = {
  command: 'validate [path]',
  describe: 'Check a model repository the way Triton loads it: config.pbtxt, version folders, model.py',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'A project (its models/), a model repository, one model folder or its config.pbtxt [default: .]' })
      .option('strict', { type: 'boolean', default: false, describe: 'Warnings fail the check too (exit 1)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the findings as one JSON object' })
      .example('$0 validate', 'the project or repository in the current folder')
      .example('$0 validate my-project --strict', 'fail on warnings too (CI)')
      .epilogue('Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors found, 2 usage error (no such folder, a symbolic link that loops or points nowhere, no models).'),
  handler: async (args) => {
    const { validateCommand } = await import('./validate.js');
    await validateCommand({ path: asOne(args.path, 'path'), strict: Boolean(args.strict), json: Boolean(args.json) });
  },
};
