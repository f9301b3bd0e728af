/**
 * A model repository read once into a plain value, the way Triton reads it when it polls: every
 * folder of the repository is a model (hidden ones and folders reached through a symbolic link
 * included, files ignored); a link Triton cannot follow is a problem of the whole repository. Per
 * model folder: its entries, the entries of each subfolder, config.pbtxt, the version folders as
 * Triton names them, and what could not be read. `deep` also reads every *.py file directly in a
 * subfolder and the relative paths below the folder, up to a bound (what validate checks).
 * The answers to the edge cases, one each (test/unit/repository.test.ts):
 * - a folder without config.pbtxt: a model, `config: 'missing'` (Triton tries to load it);
 * - a file in the repository: not a model, listed in `files` (Triton ignores it);
 * - a version folder that is not a number: not a version, a `versionProblems` entry (Triton skips it);
 * - a symbolic link to a folder: followed, a model with `link` set (Triton stats through links);
 * - a link that loops or points nowhere: in `brokenLinks` (Triton fails to poll the whole repository);
 * - a hidden folder: a model with `hidden` set (Triton tries to load it, and fails).
 */

import path from 'node:path';
import { brokenLinks, describeFsProblem, linkTarget, listDir, readText, type DirEntry } from './entries.js';

export type { DirEntry } from './entries.js';

/** Folders Triton skips when it looks for versions (kWarmupDataFolder, kInitialStateFolder, kModelConfigFolder). */
export const NON_VERSION_FOLDERS: ReadonlySet<string> = new Set(['warmup', 'initial_state', 'configs']);

export interface VersionFolder {
  /** The folder's name as written. */
  folder: string;
  /** The version Triton reads from it (std::stoll of the name). */
  version: number;
}

export interface VersionProblem {
  folder: string;
  message: string;
  /** Triton cannot go on with it (warnings are folders it skips or reads as another number). */
  fatal?: boolean;
}

export interface ModelFolder {
  name: string;
  /** Absolute path of the model folder (the link's path when reached through one). */
  dir: string;
  /** The name of the repository folder it is in (`models`), for messages about its files. */
  repositoryName: string;
  /** The name starts with '.': Triton tries to load it as a model all the same. */
  hidden: boolean;
  /** Where the symbolic link the folder is reached through points, as written in the link. */
  link?: string;
  /** Entries of the model folder, sorted by name (as Triton's std::set orders them). */
  entries: DirEntry[];
  /** Entries of each subfolder, by subfolder name. */
  subdirs: Map<string, DirEntry[]>;
  /** 'missing': no config.pbtxt file (a folder of that name counts as missing too); 'unreadable': see readErrors. */
  config: 'present' | 'missing' | 'unreadable';
  /** config.pbtxt, when it is a readable file. */
  configText?: string;
  /** Version folders as Triton reads them (VersionsToLoad), highest version first. */
  versions: VersionFolder[];
  /** Subfolders Triton does not take for versions, or reads differently than they are named. */
  versionProblems: VersionProblem[];
  /** deep: Python files directly in a subfolder: `1/model.py` → source. */
  sources: Map<string, string>;
  /** deep: paths below the model folder (`labels.txt`, `1/model.py`, `env/bin/activate`), complete unless `pathsTruncated`. */
  paths: Set<string>;
  pathsTruncated: boolean;
  /** Things that could not be read: model-relative path ('' for the folder itself) and why. */
  readErrors: { path: string; message: string }[];
}

export interface RepositorySnapshot {
  /** Absolute path of the model repository. */
  root: string;
  /** Every folder of the repository, sorted by name. */
  models: ModelFolder[];
  /** Entries of the repository that are symbolic links Triton cannot follow, and why. */
  brokenLinks: { name: string; problem: string }[];
  /** Entries that are files (or anything but a folder): Triton ignores them. */
  files: string[];
}

export interface ReadOptions {
  /** Also read the Python sources and the paths below each model folder (validate's rules need them). */
  deep?: boolean;
}

const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
const MAX_PATHS = 20_000;
const MAX_DEPTH = 4;

/**
 * Version folders as Triton reads them (VersionsToLoad): std::stoll of the name, leading zeros refused.
 * A number past int64 makes stoll throw std::out_of_range, which Triton does not catch (2.51.0 and
 * the newest sources alike): the whole server aborts.
 */
export function versionFolders(entries: DirEntry[]): { versions: VersionFolder[]; problems: VersionProblem[] } {
  const versions: VersionFolder[] = [];
  const problems: VersionProblem[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'dir' || NON_VERSION_FOLDERS.has(entry.name)) continue;
    const problem = (message: string) => problems.push({ folder: entry.name, message });
    if (entry.name.length > 1 && entry.name.startsWith('0')) {
      problem(`Triton will ignore version directory '${entry.name}' which contains leading zeros in its directory name`);
      continue;
    }
    const match = /^\s*([+-]?\d+)/.exec(entry.name);
    if (!match) {
      problem(`Triton will ignore version directory '${entry.name}' which fails to convert to integral number (version folders are named 1, 2, ...)`);
      continue;
    }
    const exact = BigInt(match[1] as string);
    if (exact > 9223372036854775807n || exact < -9223372036854775808n) {
      problems.push({
        folder: entry.name,
        fatal: true,
        message: `version directory '${entry.name}' is past the range of a 64-bit version number: Triton aborts when it reads it (std::out_of_range from stoll), and the whole server stops`,
      });
      continue;
    }
    const version = Number(match[1]);
    if (match[0] !== entry.name) problem(`version directory '${entry.name}' is read by Triton as version ${version} (it converts the leading digits): name it ${version}`);
    versions.push({ folder: entry.name, version });
  }
  return { versions: versions.sort((a, b) => b.version - a.version), problems };
}

export function readModelFolder(dir: string, options: ReadOptions = {}): ModelFolder {
  const name = path.basename(dir);
  const link = linkTarget(dir);
  const model: ModelFolder = {
    name,
    dir,
    repositoryName: path.basename(path.dirname(dir)),
    hidden: name.startsWith('.'),
    ...(link === undefined ? {} : { link }),
    entries: [],
    subdirs: new Map(),
    config: 'missing',
    versions: [],
    versionProblems: [],
    sources: new Map(),
    paths: new Set(),
    pathsTruncated: false,
    readErrors: [],
  };
  try {
    model.entries = listDir(dir);
  } catch (error) {
    model.readErrors.push({ path: '', message: describeFsProblem(error) });
    return model;
  }
  for (const entry of model.entries) {
    if (entry.kind !== 'dir') continue;
    try {
      const entries = listDir(path.join(dir, entry.name));
      model.subdirs.set(entry.name, entries);
      if (!options.deep) continue;
      for (const child of entries) {
        if (child.kind !== 'file' || !child.name.endsWith('.py')) continue;
        const relative = `${entry.name}/${child.name}`;
        try {
          model.sources.set(relative, readText(path.join(dir, relative), MAX_SOURCE_BYTES));
        } catch (error) {
          model.readErrors.push({ path: relative, message: describeFsProblem(error) });
        }
      }
    } catch (error) {
      model.readErrors.push({ path: entry.name, message: describeFsProblem(error) });
    }
  }
  const { versions, problems } = versionFolders(model.entries);
  model.versions = versions;
  model.versionProblems = problems;
  if (model.entries.some((e) => e.name === 'config.pbtxt' && e.kind === 'file')) {
    try {
      model.configText = readText(path.join(dir, 'config.pbtxt'), MAX_CONFIG_BYTES);
      model.config = 'present';
    } catch (error) {
      model.config = 'unreadable';
      model.readErrors.push({ path: 'config.pbtxt', message: describeFsProblem(error) });
    }
  }
  if (options.deep) readPaths(model);
  return model;
}

/** Paths below the folder, breadth first, bounded: enough to find label files and environments. */
function readPaths(model: ModelFolder): void {
  const queue: { relative: string; depth: number }[] = [{ relative: '', depth: 0 }];
  while (queue.length > 0 && !model.pathsTruncated) {
    const { relative, depth } = queue.shift() as { relative: string; depth: number };
    let entries: DirEntry[];
    try {
      entries = relative === '' ? model.entries : (model.subdirs.get(relative) ?? listDir(path.join(model.dir, relative)));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (model.paths.size >= MAX_PATHS) {
        model.pathsTruncated = true;
        break;
      }
      model.paths.add(child);
      if (entry.kind === 'dir' && depth + 1 < MAX_DEPTH) queue.push({ relative: child, depth: depth + 1 });
    }
  }
}

/** Whether `relative` (model-folder relative, '/'-separated, normalised) exists; undefined when the snapshot cannot tell. */
export function pathExists(model: ModelFolder, relative: string): boolean | undefined {
  if (model.paths.has(relative)) return true;
  return model.pathsTruncated || relative.split('/').length > MAX_DEPTH ? undefined : false;
}

/** The model repository at `root` (absolute), every folder read as a model. */
export function readRepository(root: string, options: ReadOptions = {}): RepositorySnapshot {
  const entries = listDir(root);
  const broken = brokenLinks(root, entries);
  const brokenNames = new Set(broken.map((link) => link.name));
  return {
    root,
    models: entries.filter((entry) => entry.kind === 'dir').map((entry) => readModelFolder(path.join(root, entry.name), options)),
    brokenLinks: broken,
    files: entries.filter((entry) => entry.kind !== 'dir' && !brokenNames.has(entry.name)).map((entry) => entry.name),
  };
}
