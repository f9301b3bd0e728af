/** yargs definition of `build`; the work is in build.ts, loaded only when it runs. */

import type { CommandModule } from 'yargs';
import { asOne } from './args.js';

export const buildCommandModule: CommandModule = {
  command: 'build [directory]',
  describe: 'docker build a generated project into an image',
  builder: (y) =>
    y
      .positional('directory', { type: 'string', describe: 'Project folder [default: .]' })
      .option('tag', { alias: 't', type: 'string', describe: 'Image name[:tag] [default: the folder name, lower-cased and made a valid image name]' })
      .option('verbose', { type: 'boolean', default: false, describe: "Stream docker's output (default: a spinner, and the last lines if it fails)" })
      .example('$0 build', 'docker build --tag=<folder name> .')
      .example('$0 build my-project --tag registry.example.com/team/model:1.0', 'another name')
      .epilogue('Runs docker with an argument list, never through a shell. Exit codes, as for every command: 0 built, 1 docker missing or not running, or the build failed, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated.'),
  handler: async (args) => {
    const { buildCommand } = await import('./build.js');
    await buildCommand({
      directory: asOne(args.directory, 'directory'),
      tag: asOne(args.tag, 'tag'),
      verbose: Boolean(args.verbose),
    });
  },
};
