/**
 * `create-triton-model [create] [directory]`, the default command: flags, --from and prompts ->
 * one Spec (src/model-spec) -> render(spec), files in memory (src/render) -> staged and moved into
 * place (src/write) -> what was written and the next steps. `--build` and `--run` then do what those
 * commands do on the new folder. main.ts calls createCommand directly for the simplest argv.
 */

import path from 'node:path';
import type { CommandModule } from 'yargs';
import { refuseAssetsHolding } from '../model-spec/assets.js';
import { DEFAULT_DIRECTORY, parseProjectDirectory } from '../model-spec/fields.js';
import { sourced } from '../model-spec/from-flags.js';
import { DEFAULT_TRITON_VERSION, NEWEST_RELEASE } from '../model-spec/releases.js';
import { finalizeSpec, type Spec } from '../model-spec/spec.js';
import { render } from '../render/index.js';
import { EXIT, UserError } from '../ui/errors.js';
import { invokedAs } from '../ui/invocation.js';
import { color, commandLines, Reporter } from '../ui/output.js';
import { shownPath } from '../ui/paths.js';
import { shellQuote } from '../ui/shell.js';
import { exitOnSignals } from '../ui/signals.js';
import { canPrompt } from '../ui/terminal.js';
import { formatTree } from '../ui/tree.js';
import { writeProject } from '../write/project.js';
import { planTarget } from '../write/target.js';
import { asOne } from './args.js';
import { draftFromFlagsAndFile, specFlagsFrom, specOptions, type ModelFlags } from './spec-flags.js';

export interface CreateArgs extends ModelFlags {
  directory?: string;
  yes: boolean;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  /** After writing: docker build the project (as `build` does). */
  build?: boolean;
  /** After writing: build if needed, run and test it (as `run` does). */
  run?: boolean;
}

/** What the command works with, from the arguments object yargs (or main.ts's shortcut) hands the handler. */
export function createArgsFrom(args: Record<string, unknown>): CreateArgs {
  return {
    ...specFlagsFrom(args),
    directory: asOne(args.directory, 'directory'),
    yes: Boolean(args.yes),
    force: Boolean(args.force),
    dryRun: Boolean(args.dryRun),
    json: Boolean(args.json),
    build: Boolean(args.build),
    run: Boolean(args.run),
  };
}

export const createCommandModule: CommandModule = {
  // `create` by name, and the command run when none is named.
  command: ['create [directory]', '$0'],
  describe: 'Create a project (asks what it needs in a terminal; --yes for defaults)',
  builder: (y) =>
    specOptions(y, `${DEFAULT_TRITON_VERSION}, Triton ${NEWEST_RELEASE.triton}`)
      .positional('directory', { type: 'string', describe: 'Folder to create [default: triton-project]' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Never prompt: take defaults for what is not given' })
      .option('force', { type: 'boolean', default: false, describe: 'Write into a non-empty folder, replacing generated files (others are kept)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print the files it would write, write nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (spec and files) on stdout' })
      // No default: the simplest argv skip yargs (simple-argv.ts) and must get the same arguments object.
      .option('build', { type: 'boolean', describe: 'Then docker build the image (as the build command does)' })
      .option('run', { type: 'boolean', describe: 'Then build, start Triton in docker, wait until ready and send a test request (as the run command does)' })
      .example('$0 my-project', 'asks for the model name, tensors, dependencies, assets')
      .example('$0 my-project --yes', 'the reference example, no questions')
      .example('$0 my-project --name resnet --input image:UINT8:-1,-1,3 --output probs:FP32:1000 -r torch==2.4.0 --max-batch-size 8', 'your own tensors'),
  handler: (args) => createCommand(createArgsFrom(args)),
};

export async function createCommand(args: CreateArgs): Promise<void> {
  // Ctrl-C or SIGTERM at any moment: remove what this run staged, exit 130/143.
  exitOnSignals();
  const dockerStep = args.run ? 'run' : args.build ? 'build' : undefined;
  if (dockerStep && (args.dryRun || args.json)) {
    const other = args.dryRun ? '--dry-run (nothing is written to build)' : '--json (stdout carries only the JSON object)';
    throw new UserError(`--${dockerStep} cannot be used with ${other}`, EXIT.usage);
  }
  // Docker missing or down: say so before asking anything or writing anything.
  if (dockerStep) await (await import('../docker/preflight.js')).checkDocker();
  const cwd = process.cwd();
  const report = new Reporter(args.json);
  let directory = args.directory === undefined ? undefined : sourced('[directory]', args.directory, parseProjectDirectory).value;
  let draft = await draftFromFlagsAndFile(args, cwd);

  const interactive = canPrompt(args);
  if (interactive) {
    const { promptForSpec } = await import('../prompts/interactive.js');
    ({ draft, directory } = await promptForSpec(draft, directory, { cwd, force: args.force }));
  }
  const directoryDefaulted = directory === undefined;
  const target = path.resolve(cwd, directory ?? DEFAULT_DIRECTORY);
  const { spec, defaulted, warnings } = finalizeSpec(draft);
  refuseAssetsHolding(draft.assets, target, 'the project folder being created');
  if (!interactive && (defaulted.length > 0 || directoryDefaulted)) {
    const used = [...(directoryDefaulted ? [`directory=${DEFAULT_DIRECTORY}`] : []), ...defaulted];
    report.note(`Using defaults: ${used.join(', ')}`);
  }
  for (const warning of warnings) report.warn(warning);

  const project = render(spec, { projectName: path.basename(target) });
  const shown = shownPath(target, cwd);
  const writeOptions = { force: args.force, displayName: shown };

  if (args.dryRun) {
    // The verdict the write would give (a non-empty folder without --force, a file in the way, ...).
    planTarget(target, project.files.map((f) => f.path), writeOptions);
    const paths = project.files.map((f) => ('copyFrom' in f && spec.assets.includes(f.copyFrom) ? `${f.path} (copied from ${f.copyFrom})` : f.path));
    if (args.json) printJson(target, spec, project.files.map((f) => f.path), true);
    else {
      report.line(`Would create ${shown} (dry run: nothing written)`);
      for (const line of formatTree(shown, paths)) report.line(line);
    }
    return;
  }

  const { written } = await writeProject(target, project, writeOptions);
  if (args.json) {
    printJson(target, spec, written, false);
    return;
  }
  report.success(`Created model ${color.bold(spec.name)} (template ${spec.template}) in ${shown}`);
  for (const line of formatTree(shown, written)) report.line(color.dim(line));
  report.line();
  // --build / --run: the same work as the commands, on the folder just written.
  if (dockerStep === 'run') return (await import('./run.js')).runCommand({ directory: target, detach: false, mount: false, verbose: false });
  if (dockerStep === 'build') return (await import('./build.js')).buildCommand({ directory: target, verbose: false });
  report.line('Next steps:');
  // The commands run in the new folder: a path to the bin is shown from there.
  const cli = invokedAs(target);
  const steps = commandLines([
    ...(shown === '.' ? [] : [[`cd ${shellQuote(shown)}`] as const]),
    [`${cli} run`, 'build the image, start Triton, wait until ready, send a request'],
    [`${cli} serve`, 'or iterate on model.py locally, no Docker'],
    ['python client.py', `query a running server (pip install "tritonclient[${spec.template === 'decoupled' ? 'grpc' : 'http'}]")`],
  ]);
  for (const line of steps) report.line(line);
}

function printJson(target: string, spec: Spec, files: string[], dryRun: boolean): void {
  process.stdout.write(JSON.stringify({ ok: true, directory: target, dryRun, spec, files }, null, 2) + '\n');
}
