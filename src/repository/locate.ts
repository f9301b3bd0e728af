/**
 * What a path a user gave is, decided once for every command: a project (a folder holding its
 * model repository in models/, or in model_repository/ as Triton's documentation names it), a
 * model repository (a folder of model folders), one model folder (it holds config.pbtxt), or a
 * model's config.pbtxt. A path that is none of these is a LocateError whose `problem` the command
 * shows after its own name for the argument (`validate "x": ...`, `[directory] "x": ...`).
 */

import fs from 'node:fs';
import path from 'node:path';
import { shownPath } from '../ui/paths.js';
import { brokenLink, describeFsProblem, listDir } from './entries.js';

/** Where a project keeps its model repository, in the order they are looked for. */
export const REPOSITORY_FOLDERS = ['models', 'model_repository'] as const;

export type Located =
  /** `project` holds the repository (`<project>/models`); requirements.txt, .venv and Dockerfile are beside it. */
  | { kind: 'project'; project: string; repository: string }
  | { kind: 'repository'; repository: string }
  /** One model folder (given as the folder or as its config.pbtxt) in `repository`. */
  | { kind: 'model'; repository: string; model: string };

/** Why a path is none of the four: 'not-a-repository' is a folder with neither models/ nor model folders. */
export type LocateProblem = 'unreachable' | 'file' | 'not-a-folder' | 'unreadable' | 'no-models' | 'not-a-repository';

export class LocateError extends Error {
  constructor(
    readonly code: LocateProblem,
    readonly problem: string,
  ) {
    super(problem);
    this.name = 'LocateError';
  }
}

const REPOSITORY_HINT = 'a model repository holds one folder per model: <name>/config.pbtxt, <name>/1/model.py';

/** stat that answers undefined for anything that cannot be followed (missing, a link that loops, ...). */
function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** Whether a repository has a folder that can be a model: hidden ones (.git, .ipynb_checkpoints) do not make a folder a repository. */
function hasModelFolder(repository: string): boolean {
  return listDir(repository).some((entry) => entry.kind === 'dir' && !entry.name.startsWith('.'));
}

/**
 * Decide what `absolute` is; throws a LocateError saying why it is none of the four. A repository
 * without a model folder is refused too, unless `allowEmpty` (add-model adds the first one).
 * `cwd` only shapes the paths in messages.
 */
export function locate(absolute: string, cwd: string, { allowEmpty = false } = {}): Located {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LocateError('unreachable', brokenLink(absolute) ?? (code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : `cannot be read (${describeFsProblem(error)})`));
  }
  if (stat.isFile()) {
    if (path.basename(absolute) === 'config.pbtxt') return { kind: 'model', repository: path.dirname(path.dirname(absolute)), model: path.basename(path.dirname(absolute)) };
    throw new LocateError('file', 'is a file (give a project folder, a model repository, or a model folder)');
  }
  if (!stat.isDirectory()) throw new LocateError('not-a-folder', 'is not a folder');
  if (statOf(path.join(absolute, 'config.pbtxt'))?.isFile()) return { kind: 'model', repository: path.dirname(absolute), model: path.basename(absolute) };

  for (const name of REPOSITORY_FOLDERS) {
    const inside = path.join(absolute, name);
    const found = statOf(inside);
    if (found?.isDirectory()) {
      refuseUnreadable(inside, cwd);
      if (!allowEmpty && !hasModelFolder(inside)) throw new LocateError('no-models', `no model folders in ${shownPath(inside, cwd)} (${REPOSITORY_HINT})`);
      return { kind: 'project', project: absolute, repository: inside };
    }
    if (found || brokenLink(inside)) throw new LocateError('unreachable', `${name}: ${brokenLink(inside) ?? 'a file where the model repository folder is expected'}`);
  }
  refuseUnreadable(absolute, cwd);
  if (!hasModelFolder(absolute)) throw new LocateError('not-a-repository', 'neither a project (no models/ folder) nor a model repository (no model folders)');
  return { kind: 'repository', repository: absolute };
}

function refuseUnreadable(dir: string, cwd: string): void {
  try {
    fs.readdirSync(dir);
  } catch (error) {
    throw new LocateError('unreadable', `cannot read ${shownPath(dir, cwd)}: ${describeFsProblem(error)}`);
  }
}
