/**
 * The only module that changes the user's disk. Everything is written into a staging folder
 * beside the target and moved into place at the end, so an error or a signal leaves either the
 * complete project or nothing new. A lock file keeps two runs from writing the same target.
 */

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { UserError, showValue } from '../ui/errors.js';
import { onInterrupt, withSignalsHeld } from '../ui/signals.js';
import { testHooks } from './test-hooks.js';

/** A file to write: its content, or a user's file or folder to copy (folders recursively, links followed). render/ produces these. */
export type FileToWrite = { path: string; content: string | Buffer } | { path: string; copyFrom: string };

export interface WriteOptions {
  /** Replace the generated files in a non-empty folder, keeping every other file. */
  force: boolean;
  /** Shown in messages instead of the absolute path. */
  displayName?: string;
}

export interface WriteResult {
  /** Paths of the files written, relative to the target, sorted. */
  written: string[];
}

const FS_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder is in the way of a file',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return FS_PROBLEMS[code] ?? ((error as Error).message || String(error));
}

/** Existing ancestor of `target` and the first missing path segment below it (undefined if the target exists). */
function splitExisting(target: string): { existing: string; firstMissing: string | undefined } {
  let current = target;
  let child: string | undefined;
  for (;;) {
    try {
      fs.lstatSync(current);
      return { existing: current, firstMissing: child };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parent = path.dirname(current);
    if (parent === current) return { existing: current, firstMissing: child };
    child = current;
    current = parent;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An exclusive lock file beside the target; a lock left by a dead process is taken over. */
function acquireLock(lockPath: string, shown: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
        throw new UserError(`${shown}: another create-triton-model run (pid ${owner}) is writing this folder; try again when it has finished`);
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new UserError(`${shown}: could not lock the folder for writing`);
}

/** Copy a file or folder into the staging area, dereferencing links, refusing anything but files and folders. */
async function copyAsset(source: string, destination: string, seenDirs: Set<string>, written: string[], relative: string): Promise<void> {
  const stat = await fsp.stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`--asset ${showValue(source)}: ${error.code === 'ENOENT' ? 'a symbolic link inside points nowhere' : describeFsError(error)}`);
  });
  if (stat.isDirectory()) {
    const real = await fsp.realpath(source);
    if (seenDirs.has(real)) throw new UserError(`--asset ${showValue(source)}: a symbolic link loops back into a folder being copied`);
    seenDirs.add(real);
    await fsp.mkdir(destination, { recursive: true });
    for (const entry of (await fsp.readdir(source)).sort()) {
      await copyAsset(path.join(source, entry), path.join(destination, entry), seenDirs, written, `${relative}/${entry}`);
    }
    seenDirs.delete(real);
  } else if (stat.isFile()) {
    await testHooks.beforeCopy(relative);
    // COPYFILE_EXCL: the staging folder is new, so an existing destination would mean something else wrote there.
    await fsp.copyFile(source, destination, fs.constants.COPYFILE_EXCL);
    written.push(relative);
  } else {
    throw new UserError(`--asset ${showValue(source)}: not a regular file or folder`);
  }
}

async function stageFile(file: FileToWrite, stagingRoot: string, written: string[]): Promise<void> {
  const destination = path.join(stagingRoot, file.path);
  // Rendered files are small: synchronous calls save a thread-pool round trip per call (several ms
  // per project). Assets may be large, so they are copied asynchronously.
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  if ('copyFrom' in file) {
    await copyAsset(file.copyFrom, destination, new Set(), written, file.path);
  } else {
    await testHooks.beforeWrite(file.path);
    fs.writeFileSync(destination, file.content, { flag: 'wx' });
    written.push(file.path);
  }
}

/** Every path under `root` that is a file, relative, for moving into a non-empty target. */
async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const result: string[] = [];
  for (const entry of await fsp.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) result.push(...(await listFiles(root, relative)));
    else result.push(relative);
  }
  return result;
}

/** Refuse, before anything moves, a generated path whose place in the target is taken by a folder or reached through a link. */
function checkForcedPaths(target: string, relativePaths: string[], shown: string): void {
  for (const relative of relativePaths) {
    const parts = relative.split('/');
    let current = target;
    for (let i = 0; i < parts.length; i++) {
      current = path.join(current, parts[i] as string);
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(current);
      } catch {
        break; // missing: it will be created
      }
      const isLast = i === parts.length - 1;
      if (stat.isSymbolicLink() && !isLast) {
        throw new UserError(`${shown}: ${parts.slice(0, i + 1).join('/')} is a symbolic link; refusing to write through it`);
      }
      if (!isLast && !stat.isDirectory()) throw new UserError(`${shown}: ${parts.slice(0, i + 1).join('/')} is a file where a folder is needed`);
      if (isLast && stat.isDirectory()) throw new UserError(`${shown}: ${relative} is a folder where a file is needed`);
    }
  }
}

function isEmptyDir(dir: string): boolean {
  return fs.readdirSync(dir).length === 0;
}

/**
 * A locked staging area beside a target: `<anchor>/.<name>.create-triton-model.lock` keeps a second
 * run out, `<anchor>/.<name>.create-triton-model-<pid>-<random>/` holds what is being prepared, and a
 * signal removes both. `close()` removes them in the normal course.
 */
function openStaging(anchor: string, topName: string, shown: string): { stagingTop: string; close: () => void } {
  const lockPath = path.join(anchor, `.${topName}.create-triton-model.lock`);
  // pid and time make the name unique; the lock already keeps other runs out (node:crypto would cost startup time).
  const stagingTop = path.join(anchor, `.${topName}.create-triton-model-${process.pid}-${Date.now().toString(36)}`);
  let releaseLock: () => void;
  try {
    releaseLock = acquireLock(lockPath, shown);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${shown}: cannot write in ${anchor}: ${describeFsError(error)}`);
  }
  const removeStaging = () => fs.rmSync(stagingTop, { recursive: true, force: true });
  const unregister = onInterrupt(() => {
    removeStaging();
    releaseLock();
  });
  return {
    stagingTop,
    close: () => {
      removeStaging();
      releaseLock();
      unregister();
    },
  };
}

export interface TargetPlan {
  absolute: string;
  /** The target folder exists already (empty, or not with --force). */
  existing: boolean;
  targetWasEmpty: boolean;
  /** The nearest existing folder: staging happens beside the target in it, so the final move is a rename on one file system. */
  anchor: string;
  /** The highest folder of the target that does not exist yet (the target itself when it exists). */
  firstMissing: string;
}

/**
 * The verdict on a target folder, before anything is written: refused with the reason, or where the
 * project will be staged. The write and --dry-run both ask here, so a dry run says what the run would.
 * `paths` are the files to write (relative), checked against what is in the way with --force.
 */
export function planTarget(target: string, paths: string[], options: WriteOptions): TargetPlan {
  const absolute = path.resolve(target);
  const shown = options.displayName ?? absolute;
  // Nothing can be staged beside the root of a file system, and no project belongs there.
  if (path.dirname(absolute) === absolute) throw new UserError(`${shown}: is the root of the file system (create the project in a folder of its own)`);

  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`${shown}: ${describeFsError(error)}`);
  }
  if (existing && !existing.isDirectory()) throw new UserError(`${shown}: exists and is not a folder`);
  const targetWasEmpty = existing ? isEmptyDir(absolute) : true;
  if (existing && !targetWasEmpty && !options.force) {
    throw new UserError(`${shown}: folder is not empty (use --force to replace the generated files; files you added are kept)`);
  }
  if (existing && !targetWasEmpty) checkForcedPaths(absolute, paths, shown);

  const { existing: anchor, firstMissing } = existing ? { existing: path.dirname(absolute), firstMissing: absolute } : splitExisting(absolute);
  if (!fs.statSync(anchor).isDirectory()) throw new UserError(`${shown}: ${anchor} is a file, not a folder`);
  try {
    fs.accessSync(anchor, fs.constants.W_OK);
  } catch (error) {
    throw new UserError(`${shown}: cannot write in ${anchor}: ${describeFsError(error)}`);
  }
  return { absolute, existing: Boolean(existing), targetWasEmpty, anchor, firstMissing: firstMissing ?? absolute };
}

export async function writeProject(target: string, project: { files: FileToWrite[] }, options: WriteOptions): Promise<WriteResult> {
  const { absolute, existing, targetWasEmpty, anchor, firstMissing } = planTarget(target, project.files.map((file) => file.path), options);
  const shown = options.displayName ?? absolute;
  const { stagingTop, close } = openStaging(anchor, path.basename(firstMissing), shown);
  const stagingTarget = path.join(stagingTop, path.relative(firstMissing, absolute));

  const written: string[] = [];
  try {
    await fsp.mkdir(stagingTarget, { recursive: true });
    for (const file of project.files) await stageFile(file, stagingTarget, written);
    await testHooks.beforeCommit();

    await withSignalsHeld(async () => {
      if (!existing) {
        await fsp.rename(stagingTop, firstMissing).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST' || error.code === 'ENOTEMPTY') throw new UserError(`${shown}: the folder appeared while the project was being written; nothing was changed`);
          throw error;
        });
      } else if (targetWasEmpty) {
        // rename(2) replaces an empty folder atomically; a folder that filled up meanwhile is refused.
        await fsp.rename(stagingTarget, absolute).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST' || error.code === 'ENOTEMPTY') throw new UserError(`${shown}: files appeared in the folder while the project was being written; nothing was changed`);
          throw error;
        });
      } else {
        const files = await listFiles(stagingTarget);
        checkForcedPaths(absolute, files, shown);
        for (const relative of files) {
          const destination = path.join(absolute, relative);
          await fsp.mkdir(path.dirname(destination), { recursive: true });
          await fsp.rename(path.join(stagingTarget, relative), destination);
        }
      }
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${shown}: cannot write the project: ${describeFsError(error)}`);
  } finally {
    close();
  }
  return { written: written.sort() };
}

// ------------------------------------------------------------------------------------------------
// Adding to an existing project (add-model)

export interface AdditionWrite {
  /** New files, relative to the project. One already there with the same bytes is left alone; any other is refused. */
  files: FileToWrite[];
  /** Files replaced in place: each must still hold `before` when the move starts. */
  updates: { path: string; content: string; before: string }[];
  /** Paths that must not exist when the files move in (the new model's folder). */
  mustNotExist: string[];
}

export interface AdditionResult {
  /** Files moved into the project, sorted. */
  added: string[];
  /** Files replaced, in plan order. */
  updated: string[];
  /** New files that were already there, byte for byte. */
  unchanged: string[];
}

function sameBytes(a: string, b: string): boolean {
  const left = fs.readFileSync(a);
  const right = fs.readFileSync(b);
  return left.equals(right);
}

/**
 * Add files to an existing project and update a few of its files, with create's discipline: every
 * file is staged beside the project, the project is locked, what is there is checked again under
 * the lock (nothing in the way, the files to update unchanged since they were read), and only then
 * are files moved in with signals held. A failure while moving puts back what had moved, so the
 * project is as it was or has the whole addition.
 */
export async function writeAddition(target: string, addition: AdditionWrite, options: { displayName?: string } = {}): Promise<AdditionResult> {
  const absolute = path.resolve(target);
  const shown = options.displayName ?? absolute;
  const { stagingTop, close } = openStaging(path.dirname(absolute), path.basename(absolute), shown);
  const stagedNew = path.join(stagingTop, 'new');
  const stagedUpdates = path.join(stagingTop, 'updates');
  const backups = path.join(stagingTop, 'backups');

  try {
    const staged: string[] = [];
    await fsp.mkdir(stagedNew, { recursive: true });
    for (const file of addition.files) await stageFile(file, stagedNew, staged);
    for (const update of addition.updates) {
      await testHooks.beforeWrite(update.path);
      const destination = path.join(stagedUpdates, update.path);
      await fsp.mkdir(path.dirname(destination), { recursive: true });
      await fsp.writeFile(destination, update.content, { flag: 'wx' });
    }
    await testHooks.beforeCommit();

    return await withSignalsHeld(async () => {
      // Checked under the lock, before anything moves.
      for (const relative of addition.mustNotExist) {
        if (fs.existsSync(path.join(absolute, relative))) throw new UserError(`${shown}: ${relative} appeared while the model was being added; nothing was changed`);
      }
      checkForcedPaths(absolute, [...staged, ...addition.updates.map((u) => u.path)], shown);
      const toMove: string[] = [];
      const unchanged: string[] = [];
      for (const relative of staged) {
        const destination = path.join(absolute, relative);
        if (!fs.existsSync(destination)) toMove.push(relative);
        else if (fs.statSync(destination).isFile() && sameBytes(destination, path.join(stagedNew, relative))) unchanged.push(relative);
        else throw new UserError(`${shown}: ${relative} exists and differs from the file the new model brings; nothing was changed (rename one of them)`);
      }
      for (const update of addition.updates) {
        let current: string | undefined;
        try {
          current = fs.readFileSync(path.join(absolute, update.path), 'utf8');
        } catch {
          current = undefined;
        }
        if (current !== update.before) throw new UserError(`${shown}: ${update.path} changed while the model was being added; nothing was changed (run add-model again)`);
      }

      const moved: string[] = [];
      const createdDirs: string[] = [];
      const replaced: { destination: string; backup: string }[] = [];
      const ensureDir = (dir: string) => {
        const missing: string[] = [];
        for (let current = dir; current !== absolute && !fs.existsSync(current); current = path.dirname(current)) missing.unshift(current);
        for (const created of missing) {
          fs.mkdirSync(created);
          createdDirs.push(created);
        }
      };
      try {
        for (const relative of toMove) {
          const destination = path.join(absolute, relative);
          ensureDir(path.dirname(destination));
          await fsp.rename(path.join(stagedNew, relative), destination);
          moved.push(destination);
        }
        for (const update of addition.updates) {
          const destination = path.join(absolute, update.path);
          const backup = path.join(backups, update.path);
          const stagedFile = path.join(stagedUpdates, update.path);
          await fsp.mkdir(path.dirname(backup), { recursive: true });
          await fsp.copyFile(destination, backup);
          // The user's permissions stay; rename(2) replaces the file in one step.
          await fsp.chmod(stagedFile, fs.statSync(destination).mode & 0o7777);
          await fsp.rename(stagedFile, destination);
          replaced.push({ destination, backup });
        }
      } catch (error) {
        for (const { destination, backup } of replaced.reverse()) fs.renameSync(backup, destination);
        for (const destination of moved.reverse()) fs.rmSync(destination, { force: true });
        for (const dir of createdDirs.reverse()) fs.rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      return { added: toMove.sort(), updated: addition.updates.map((u) => u.path), unchanged: unchanged.sort() };
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${shown}: cannot add the model: ${describeFsError(error)}`);
  } finally {
    close();
  }
}
