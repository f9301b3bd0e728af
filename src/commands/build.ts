/** `create-triton-model build [directory]`: the tag judged, the project checked, then docker build (src/docker/build.ts). */

import path from 'node:path';
import type { CommandModule } from 'yargs';
import { imageNameFor } from '../model-spec/image-name.js';
import { exitOnSignals } from '../ui/signals.js';
import { asOne } from './args.js';
import { parseImageTag } from './options.js';

export interface BuildArgs {
  directory?: string;
  tag?: string;
  verbose: boolean;
}

export interface ProjectFolder {
  /** Absolute. */
  dir: string;
  /** As the user gave it, for messages. */
  shown: string;
}

export function projectFolder(directory: string | undefined, cwd = process.cwd()): ProjectFolder {
  return { dir: path.resolve(cwd, directory ?? '.'), shown: directory ?? '.' };
}

/** The image tag: --tag when given, else the project folder's name made a valid image name. */
export function imageTagFor(dir: string, tag: string | undefined): string {
  return tag === undefined ? imageNameFor(dir) : parseImageTag(tag);
}

export async function buildCommand(args: BuildArgs): Promise<void> {
  // Ctrl-C / SIGTERM exit 130 / 143 as everywhere in the CLI (and end docker build, see buildProjectImage).
  exitOnSignals();
  const { dir, shown } = projectFolder(args.directory);
  const tag = imageTagFor(dir, args.tag);
  const [{ checkBuildable }, { checkDocker }, { buildProjectImage }] = await Promise.all([import('../docker/project.js'), import('../docker/preflight.js'), import('../docker/build.js')]);
  checkBuildable(dir, shown);
  await checkDocker();
  await buildProjectImage(dir, tag, { verbose: args.verbose });
}

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
    await buildCommand({
      directory: asOne(args.directory, 'directory'),
      tag: asOne(args.tag, 'tag'),
      verbose: Boolean(args.verbose),
    });
  },
};
