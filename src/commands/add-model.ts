/**
 * `create-triton-model add-model [project]`: flags/--from/prompts -> Spec (as create) -> the
 * same render() -> only the new model's files plus the shared files that need its lines
 * (render/addition.ts) -> one staged, locked, checked move (write/index.ts writeAddition).
 */

import fs from 'node:fs';
import path from 'node:path';
import { baseImageVersion, planAddition } from '../render/addition.js';
import { render, type RenderedFile } from '../render/index.js';
import { refuseAssetsHolding } from '../model-spec/assets.js';
import { draftFromFile } from '../model-spec/from-file.js';
import { draftFromFlags, sourced, type SpecFlags } from '../model-spec/from-flags.js';
import { finalizeSpec, mergeDrafts, type Spec } from '../model-spec/spec.js';
import { UserError, fieldError, showValue } from '../ui/errors.js';
import { invokedAs } from '../ui/invocation.js';
import { color, commandLines, Reporter } from '../ui/output.js';
import { shownPath } from '../ui/paths.js';
import { locate, LocateError, type Located } from '../repository/locate.js';
import { readRepository } from '../repository/read.js';
import { shellQuote } from '../ui/shell.js';
import { formatTree } from '../ui/tree.js';
import { exitOnSignals } from '../ui/signals.js';
import { writeAddition } from '../write/index.js';
import { canPrompt } from './create.js';

export interface AddModelArgs extends SpecFlags {
  project?: string;
  from?: string;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
}

const readIfFile = (file: string): string | undefined => {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
};

/** Whether a file to add is absent from the project, there with the same bytes, or there and different. */
function existingState(project: string, file: RenderedFile): 'absent' | 'same' | 'different' {
  const destination = path.join(project, file.path);
  const stat = fs.statSync(destination, { throwIfNoEntry: false });
  if (!stat) return 'absent';
  if (!stat.isFile()) return 'different';
  const source = 'copyFrom' in file ? fs.statSync(file.copyFrom, { throwIfNoEntry: false }) : undefined;
  if ('copyFrom' in file && !source?.isFile()) return 'different';
  const bytes = 'copyFrom' in file ? fs.readFileSync(file.copyFrom) : Buffer.from(file.content);
  return fs.readFileSync(destination).equals(bytes) ? 'same' : 'different';
}

/** A model name already in models/ (or one differing only in case, the same folder on macOS and Windows) is refused. */
function refuseTakenName(name: string, taken: string[], label: string, raw: unknown): void {
  const clash = taken.find((t) => t.toLowerCase() === name.toLowerCase());
  if (clash === undefined) return;
  const same = clash === name ? `models/${clash} already exists` : `models/${clash} already exists (names differing only in case are one folder on macOS and Windows)`;
  const choose = label === 'default name' ? 'give another one with --name' : 'choose another name';
  throw fieldError(label, raw, `${same}; this project has ${taken.map((t) => `models/${t}`).join(', ')} (${choose})`);
}

/**
 * Every name the project's models/ already holds (model folders, files, links), for the clash check
 * and the message; a UserError when `project` is not a project with a models/ folder.
 */
function takenModelNames(project: string, given: string, shown: string, cwd: string): string[] {
  const notAProject = () => new UserError(`${shown}: not a project of create-triton-model (no models/ folder); create one with: ${invokedAs(cwd)} ${shellQuote(shown === '.' ? 'my-project' : shown)}`);
  let located: Located;
  try {
    located = locate(project, cwd, { allowEmpty: true });
  } catch (error) {
    if (!(error instanceof LocateError)) throw error;
    if (error.code === 'not-a-repository') throw notAProject();
    throw new UserError(`add-model ${showValue(given)}: ${error.problem}`);
  }
  if (located.kind !== 'project' || located.repository !== path.join(project, 'models')) throw notAProject();
  const snapshot = readRepository(located.repository);
  const names = [...snapshot.models.filter((model) => !model.hidden).map((model) => model.name), ...snapshot.files, ...snapshot.brokenLinks.map((link) => link.name)];
  return names.sort();
}

export async function addModelCommand(args: AddModelArgs): Promise<void> {
  exitOnSignals();
  const cwd = process.cwd();
  const report = new Reporter(args.json);
  const project = path.resolve(cwd, args.project ?? '.');
  const shown = shownPath(project, cwd);
  const taken = takenModelNames(project, args.project ?? '.', shown, cwd);

  let draft = mergeDrafts(args.from !== undefined ? await draftFromFile(args.from, cwd) : {}, draftFromFlags(args, cwd));
  if (draft.name) refuseTakenName(draft.name.value, taken, draft.name.label, draft.name.raw);

  // The new model runs in the project's image: its Python and numpy are the Dockerfile's.
  const dockerfile = readIfFile(path.join(project, 'Dockerfile'));
  const projectVersion = dockerfile === undefined ? undefined : baseImageVersion(dockerfile);
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

  const rendered = await render(spec, { projectName: path.basename(project) });
  const addition = planAddition(spec, rendered, {
    readme: readIfFile(path.join(project, 'README.md')),
    requirements: readIfFile(path.join(project, 'requirements.txt')),
    constraints: readIfFile(path.join(project, 'constraints.txt')),
    hasAssetsDir: fs.existsSync(path.join(project, 'assets')),
  });
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

  const result = await writeAddition(
    project,
    { files: addition.files, updates: addition.updates, mustNotExist: [`models/${spec.name}`] },
    { displayName: shown },
  );
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
