/** yargs definition of `add-model`; the work is in add-model.ts, loaded only when it runs. */

import type { CommandModule } from 'yargs';
import { asOne } from './args.js';
import { specFlagsFrom, specOptions } from './create.command.js';

export const addModelCommandModule: CommandModule = {
  command: 'add-model [project]',
  describe: 'Add a model to an existing project (same flags and questions as create)',
  builder: (y) =>
    // The new model runs in the project's image: the tag comes from its Dockerfile (another one is refused).
    specOptions(y, "the project's, from its Dockerfile")
      .positional('project', { type: 'string', describe: 'The project folder (holding models/) [default: .]' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Never prompt: take defaults for what is not given' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print what it would add and change, write nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (spec, files added and updated) on stdout' })
      .example('$0 add-model my-project --name second --input x:FP32:4 --output y:FP32:4', 'a second model beside the first')
      .example('$0 add-model --template decoupled --name streamer --yes', 'in the current project, no questions'),
  handler: async (args) => {
    const { addModelCommand } = await import('./add-model.js');
    await addModelCommand({
      ...specFlagsFrom(args),
      project: asOne(args.project, 'project'),
      yes: Boolean(args.yes),
      dryRun: Boolean(args.dryRun),
      json: Boolean(args.json),
    });
  },
};
