/**
 * Reads what the validator needs from a model repository, once, into a plain snapshot: the checks
 * are pure functions over it. Links are followed, as Triton follows them. Per model folder: its
 * entries, the entries of each subfolder (version folders and the folders Triton skips),
 * config.pbtxt, every *.py file directly in a subfolder, and the relative paths below the model
 * folder (for label files and EXECUTION_ENV_PATH), up to a bound.
 */

import fs from 'node:fs';
import path from 'node:path';

export interface DirEntry {
  name: string;
  kind: 'file' | 'dir' | 'other';
}

export interface ModelFolder {
  name: string;
  /** Entries of the model folder, sorted by name (as Triton's std::set orders them). */
  entries: DirEntry[];
  /** Entries of each subfolder, by subfolder name. */
  subdirs: Map<string, DirEntry[]>;
  /** config.pbtxt, when it is a readable file. */
  configText?: string;
  /** Python files directly in a subfolder: `1/model.py` → source. */
  sources: Map<string, string>;
  /** Paths below the model folder (`labels.txt`, `1/model.py`, `env/bin/activate`), complete unless `pathsTruncated`. */
  paths: Set<string>;
  pathsTruncated: boolean;
  /** Things that could not be read: model-relative path ('' for the folder itself) and why. */
  readErrors: { path: string; message: string }[];
}

export interface RepositorySnapshot {
  models: ModelFolder[];
  /** Entries of the repository that are symbolic links Triton cannot follow, and why. */
  brokenLinks: { name: string; problem: string }[];
}

const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
const MAX_PATHS = 20_000;
const MAX_DEPTH = 4;

function kindOf(fullPath: string): DirEntry['kind'] {
  try {
    const stat = fs.statSync(fullPath);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'other'; // a dangling link
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'not found';
  return (error as Error).message;
}

export function listDir(dir: string): DirEntry[] {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => ({ name, kind: kindOf(path.join(dir, name)) }));
}

function readText(file: string, maxBytes: number): string {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw new Error(`larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
  return fs.readFileSync(file, 'utf8');
}

export function readModelFolder(dir: string): ModelFolder {
  const model: ModelFolder = {
    name: path.basename(dir),
    entries: [],
    subdirs: new Map(),
    sources: new Map(),
    paths: new Set(),
    pathsTruncated: false,
    readErrors: [],
  };
  try {
    model.entries = listDir(dir);
  } catch (error) {
    model.readErrors.push({ path: '', message: describe(error) });
    return model;
  }
  for (const entry of model.entries) {
    if (entry.kind !== 'dir') continue;
    try {
      const entries = listDir(path.join(dir, entry.name));
      model.subdirs.set(entry.name, entries);
      for (const child of entries) {
        if (child.kind !== 'file' || !child.name.endsWith('.py')) continue;
        const relative = `${entry.name}/${child.name}`;
        try {
          model.sources.set(relative, readText(path.join(dir, relative), MAX_SOURCE_BYTES));
        } catch (error) {
          model.readErrors.push({ path: relative, message: describe(error) });
        }
      }
    } catch (error) {
      model.readErrors.push({ path: entry.name, message: describe(error) });
    }
  }
  if (model.entries.some((e) => e.name === 'config.pbtxt' && e.kind === 'file')) {
    try {
      model.configText = readText(path.join(dir, 'config.pbtxt'), MAX_CONFIG_BYTES);
    } catch (error) {
      model.readErrors.push({ path: 'config.pbtxt', message: describe(error) });
    }
  }
  // Paths below the folder, breadth first, bounded: enough to find label files and environments.
  const queue: { relative: string; depth: number }[] = [{ relative: '', depth: 0 }];
  while (queue.length > 0 && !model.pathsTruncated) {
    const { relative, depth } = queue.shift() as { relative: string; depth: number };
    let entries: DirEntry[];
    try {
      entries = relative === '' ? model.entries : (model.subdirs.get(relative) ?? listDir(path.join(dir, relative)));
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
  return model;
}

/** Whether `relative` (model-folder relative, '/'-separated, normalised) exists; undefined when the snapshot cannot tell. */
export function pathExists(model: ModelFolder, relative: string): boolean | undefined {
  if (model.paths.has(relative)) return true;
  return model.pathsTruncated || relative.split('/').length > MAX_DEPTH ? undefined : false;
}

/**
 * Why `fullPath`, a symbolic link, cannot be followed: it loops, or points nowhere. Undefined when it
 * can be followed, or is no link.
 */
export function brokenLink(fullPath: string): string | undefined {
  let target: string;
  try {
    target = fs.readlinkSync(fullPath);
  } catch {
    return undefined;
  }
  try {
    fs.statSync(fullPath);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return `a symbolic link that loops (to ${target}, which leads back to itself)`;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `a symbolic link to ${target}, which does not exist`;
    return `a symbolic link to ${target} that cannot be followed (${describe(error)})`;
  }
}

/**
 * Links in a model repository that Triton cannot follow. Triton stats every entry of the repository
 * and a failed stat fails the whole poll ("failed to poll model repository ... failed to stat file"):
 * none of its models load.
 */
export function brokenLinks(root: string): { name: string; problem: string }[] {
  return listDir(root).flatMap((entry) => {
    const problem = entry.kind === 'other' ? brokenLink(path.join(root, entry.name)) : undefined;
    return problem ? [{ name: entry.name, problem }] : [];
  });
}

/** Every folder of the repository is a model folder to Triton (hidden ones included); files are ignored. */
export function readRepository(root: string): RepositorySnapshot {
  return {
    models: listDir(root)
      .filter((entry) => entry.kind === 'dir')
      .map((entry) => readModelFolder(path.join(root, entry.name))),
    brokenLinks: brokenLinks(root),
  };
}
