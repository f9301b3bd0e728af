/** `create-triton-model [directory]`: flags/--from/prompts -> Spec -> rendered files -> disk. */

import path from 'node:path';
import { render } from '../render/index.js';
import { refuseAssetsHolding } from '../model-spec/assets.js';
import { DEFAULT_DIRECTORY, parseProjectDirectory } from '../model-spec/fields.js';
import { draftFromFile } from '../model-spec/from-file.js';
import { draftFromFlags, sourced, type SpecFlags } from '../model-spec/from-flags.js';
import { finalizeSpec, mergeDrafts, type Spec } from '../model-spec/spec.js';
import { color, commandLines, Reporter } from '../ui/output.js';
import { formatTree } from '../ui/tree.js';
import { exitOnSignals } from '../ui/signals.js';
import { planTarget, writeProject } from '../write/index.js';
import { EXIT, UserError } from '../ui/errors.js';
import { invokedAs } from '../ui/invocation.js';
import { shownPath } from '../ui/paths.js';
import { shellQuote } from '../ui/shell.js';

export interface CreateArgs extends SpecFlags {
  directory?: string;
  from?: string;
  yes: boolean;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  /** After writing: docker build the project (build.ts) */
  build?: boolean;
  /** After writing: build if needed, run and test it (run.ts) */
  run?: boolean;
}

/** CI=true (or any value other than empty/0/false) means nobody is there to answer. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

export function canPrompt(args: Pick<CreateArgs, 'yes' | 'json'>): boolean {
  return !args.yes && !args.json && Boolean(process.stdin.isTTY) && !isCi();
}

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
  let draft = mergeDrafts(args.from !== undefined ? await draftFromFile(args.from, cwd) : {}, draftFromFlags(args, cwd));

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

  const project = await render(spec, { projectName: path.basename(target) });
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
