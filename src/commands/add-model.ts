/**
 * `create-triton-model add-model [project]`: the project read (src/repository/project.ts) ->
 * flags/--from/prompts -> Spec, as create, on the project's base image -> the same render() -> only
 * the new model's files plus the shared files that need its lines (render/addition.ts) -> one
 * staged, locked, all-or-nothing move (write/addition.ts) -> what changed and the next steps.
 */

import path from 'node:path';
import type { CommandModule } from 'yargs';
import { refuseAssetsHolding } from '../model-spec/assets.js';
import { sourced } from '../model-spec/from-flags.js';
import { finalizeSpec, type Spec } from '../model-spec/spec.js';
import { planAddition } from '../render/addition.js';
import { render } from '../render/index.js';
import { LocateError } from '../repository/locate.js';
import { readProject, type ProjectFiles } from '../repository/project.js';
import { fieldError, showValue, UserError } from '../ui/errors.js';
import { invokedAs } from '../ui/invocation.js';
import { color, commandLines, Reporter } from '../ui/output.js';
import { shownPath } from '../ui/paths.js';
import { shellQuote } from '../ui/shell.js';
import { exitOnSignals } from '../ui/signals.js';
import { canPrompt } from '../ui/terminal.js';
import { formatTree } from '../ui/tree.js';
import { existingState, writeAddition } from '../write/addition.js';
import { asOne } from './args.js';
import { draftFromFlagsAndFile, specFlagsFrom, specOptions, type ModelFlags } from './spec-flags.js';

export interface AddModelArgs extends ModelFlags {
  project?: string;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
}

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
  handler: (args) =>
    addModelCommand({
      ...specFlagsFrom(args),
      project: asOne(args.project, 'project'),
      yes: Boolean(args.yes),
      dryRun: Boolean(args.dryRun),
      json: Boolean(args.json),
    }),
};

/** A model name already in models/ (or one differing only in case, the same folder on macOS and Windows) is refused. */
function refuseTakenName(name: string, taken: string[], label: string, raw: unknown): void {
  const clash = taken.find((t) => t.toLowerCase() === name.toLowerCase());
  if (clash === undefined) return;
  const same = clash === name ? `models/${clash} already exists` : `models/${clash} already exists (names differing only in case are one folder on macOS and Windows)`;
  const choose = label === 'default name' ? 'give another one with --name' : 'choose another name';
  throw fieldError(label, raw, `${same}; this project has ${taken.map((t) => `models/${t}`).join(', ')} (${choose})`);
}

/** The project at `given`, or one line saying why it is not one. */
function projectAt(given: string, cwd: string): { existing: ProjectFiles; shown: string } {
  const dir = path.resolve(cwd, given);
  const shown = shownPath(dir, cwd);
  try {
    return { existing: readProject(dir, cwd), shown };
  } catch (error) {
    if (!(error instanceof LocateError)) throw error;
    if (error.code === 'not-a-repository') {
      throw new UserError(`${shown}: not a project of create-triton-model (no models/ folder); create one with: ${invokedAs(cwd)} ${shellQuote(shown === '.' ? 'my-project' : shown)}`);
    }
    throw new UserError(`add-model ${showValue(given)}: ${error.problem}`);
  }
}

export async function addModelCommand(args: AddModelArgs): Promise<void> {
  exitOnSignals();
  const cwd = process.cwd();
  const report = new Reporter(args.json);
  const { existing, shown } = projectAt(args.project ?? '.', cwd);
  const project = existing.dir;
  const taken = existing.takenNames;

  let draft = await draftFromFlagsAndFile(args, cwd);
  if (draft.name) refuseTakenName(draft.name.value, taken, draft.name.label, draft.name.raw);

  // The new model runs in the project's image: its Python and numpy are the Dockerfile's.
  const projectVersion = existing.baseImageVersion;
  if (projectVersion !== undefined) {
    if (draft.tritonVersion && draft.tritonVersion.value !== projectVersion) {
      throw fieldError(
        draft.tritonVersion.label,
        draft.tritonVersion.raw,
        `this project's Dockerfile builds on nvcr.io/nvidia/tritonserver:${projectVersion}-py3, and every model runs in that image (leave the flag out, or change the FROM line first)`,
      );
    }
    draft.tritonVersion = sourced('Dockerfile', projectVersion, () => projectVersion);
  }

  const interactive = canPrompt(args);
  if (interactive) {
    const { promptForSpec } = await import('../prompts/interactive.js');
    ({ draft } = await promptForSpec(draft, project, { cwd, force: false, takenModelNames: taken }));
  }
  const { spec, defaulted, warnings } = finalizeSpec(draft);
  refuseTakenName(spec.name, taken, draft.name?.label ?? 'default name', draft.name?.raw ?? spec.name);
  refuseAssetsHolding(draft.assets, project, 'the project');
  if (!interactive && defaulted.length > 0) report.note(`Using defaults: ${defaulted.join(', ')}`);
  for (const warning of warnings) report.warn(warning);

  const addition = planAddition(spec, render(spec, { projectName: path.basename(project) }), existing);
  if (projectVersion === undefined) {
    addition.notes.push(`Dockerfile: no FROM nvcr.io/nvidia/tritonserver:<tag>-py3 line; the model was generated for ${spec.tritonVersion}`);
  }

  if (args.dryRun) {
    // What the write would find: a file already there with the same bytes is kept, another one refused.
    const states = addition.files.map((file) => ({ file: file.path, state: existingState(project, file) }));
    const added = states.filter((s) => s.state === 'absent').map((s) => s.file);
    const notes = [
      ...states.filter((s) => s.state === 'same').map((s) => `${s.file}: already in the project, the same file`),
      ...states.filter((s) => s.state === 'different').map((s) => `${s.file} exists and differs from the file the new model brings: the write would be refused`),
      ...addition.notes,
    ];
    if (args.json) printJson(project, spec, added, addition.updates.map((u) => u.path), notes, true);
    else {
      report.line(`Would add model ${spec.name} to ${shown} (dry run: nothing written)`);
      for (const line of formatTree(shown, added)) report.line(line);
      for (const update of addition.updates) report.line(`would update ${update.path}: ${update.summary}`);
      for (const note of notes) report.note(note);
    }
    return;
  }

  const result = await writeAddition(project, { files: addition.files, updates: addition.updates, mustNotExist: [`models/${spec.name}`] }, { displayName: shown });
  if (args.json) {
    printJson(project, spec, result.added, result.updated, [...result.unchanged.map((file) => `${file}: already in the project, the same file`), ...addition.notes], false);
    return;
  }
  report.success(`Added model ${color.bold(spec.name)} (template ${spec.template}) to ${shown}`);
  for (const line of formatTree(shown, result.added)) report.line(color.dim(line));
  for (const update of addition.updates) report.line(`Updated ${update.path}: ${update.summary}`);
  for (const file of result.unchanged) report.note(`${file}: already in the project, the same file`);
  for (const note of addition.notes) report.note(note);
  report.line();
  report.line('Next steps:');
  const inProject = shown === '.' ? '' : ` ${shellQuote(shown)}`;
  const cli = invokedAs(cwd);
  const steps = commandLines([
    [`${cli} validate${inProject}`, 'check every model the way Triton loads them'],
    [`${cli} run${inProject}`, 'build the image and query every model'],
  ]);
  for (const line of steps) report.line(line);
}

function printJson(project: string, spec: Spec, added: string[], updated: string[], notes: string[], dryRun: boolean): void {
  process.stdout.write(JSON.stringify({ ok: true, directory: project, dryRun, spec, added, updated, notes }, null, 2) + '\n');
}
