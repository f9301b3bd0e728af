/** `create-triton-model build [directory]`: docker build of a generated project, its output shown as it comes. */

import path from 'node:path';
import { buildImage, dockerBuildArgs } from '../docker/container.js';
import { formatCommand, LineTail } from '../docker/exec.js';
import { parseImageTag } from './options.js';
import { checkDocker } from '../docker/preflight.js';
import { checkBuildable } from '../docker/project.js';
import { imageNameFor } from '../model-spec/image-name.js';
import { UserError } from '../ui/errors.js';
import { color, Reporter } from '../ui/output.js';
import { Progress } from '../ui/progress.js';
import { exitOnSignals, onInterrupt } from '../ui/signals.js';

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

/** Lines of a failed build shown when its output was hidden behind the spinner. */
const FAILED_BUILD_LINES = 40;
const OUTPUT_PREFIX = '  │ ';

/** Build `dir` into `tag`; throws a UserError when docker build fails. Docker has been checked by the caller. */
export async function buildProjectImage(dir: string, tag: string, options: { verbose: boolean }): Promise<void> {
  const report = new Reporter(false);
  report.line(color.dim(`$ ${formatCommand(dockerBuildArgs(dir, tag))}`));
  const progress = new Progress();
  const tail = new LineTail(FAILED_BUILD_LINES);
  progress.start(`Building image ${tag}`);
  const build = buildImage(dir, tag, (line) => {
    tail.push(line);
    if (options.verbose) progress.log(color.dim(OUTPUT_PREFIX) + line);
  });
  // Ctrl-C: docker build is ours to end; the CLI then exits 130 (143 for SIGTERM).
  const release = onInterrupt(() => build.kill());
  const result = await build.done;
  release();
  if (result.exitCode === 0) {
    progress.succeed(`Built image ${tag}`);
    return;
  }
  progress.stop();
  if (!options.verbose) {
    report.line(`Last lines of docker build:`);
    for (const line of tail.lines) report.line(color.dim(OUTPUT_PREFIX) + line);
  }
  if (result.timedOut) throw new UserError(`docker build of ${tag} did not finish in time`);
  throw new UserError(`docker build of ${tag} failed (exit code ${result.exitCode ?? 'unknown'}): see its output above`);
}

export async function buildCommand(args: BuildArgs): Promise<void> {
  // Ctrl-C / SIGTERM exit 130 / 143 as everywhere in the CLI (and end docker build, see buildProjectImage).
  exitOnSignals();
  const { dir, shown } = projectFolder(args.directory);
  const tag = imageTagFor(dir, args.tag);
  checkBuildable(dir, shown);
  await checkDocker();
  await buildProjectImage(dir, tag, { verbose: args.verbose });
}
