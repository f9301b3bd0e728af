/**
 * The staging area every write goes through: a locked folder beside the target, on the same file
 * system, where every file is written (or copied, for the user's assets) before anything moves
 * into place. A signal while staging removes it; `close()` removes it in the normal course.
 */

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { UserError, showValue } from '../ui/errors.js';
import { onInterrupt } from '../ui/signals.js';
import { describeFsError } from './errors.js';
import { testHooks } from './test-hooks.js';

/** A file to write: its content, or a user's file or folder to copy (folders recursively, links followed). render/ produces these. */
export type FileToWrite = { path: string; content: string | Buffer } | { path: string; copyFrom: string };

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

export interface Staging {
  /** The staging folder: `<anchor>/.<name>.create-triton-model-<pid>-<time>/`. */
  top: string;
  /** Remove the staging folder and release the lock. */
  close: () => void;
}

/**
 * A locked staging area beside a target: `<anchor>/.<name>.create-triton-model.lock` keeps a second
 * run out, `<anchor>/.<name>.create-triton-model-<pid>-<time>/` holds what is being prepared, and a
 * signal removes both.
 */
export function openStaging(anchor: string, topName: string, shown: string): Staging {
  const lockPath = path.join(anchor, `.${topName}.create-triton-model.lock`);
  // pid and time make the name unique; the lock already keeps other runs out (node:crypto would cost startup time).
  const top = path.join(anchor, `.${topName}.create-triton-model-${process.pid}-${Date.now().toString(36)}`);
  let releaseLock: () => void;
  try {
    releaseLock = acquireLock(lockPath, shown);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${shown}: cannot write in ${anchor}: ${describeFsError(error)}`);
  }
  const removeStaging = () => fs.rmSync(top, { recursive: true, force: true });
  const unregister = onInterrupt(() => {
    removeStaging();
    releaseLock();
  });
  return {
    top,
    close: () => {
      removeStaging();
      releaseLock();
      unregister();
    },
  };
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

/** Write (or copy) `file` under `stagingRoot`; the relative path of every file that lands there goes into `written`. */
export async function stageFile(file: FileToWrite, stagingRoot: string, written: string[]): Promise<void> {
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

/** Every path under `root` that is a file, relative, '/'-separated, sorted. */
export async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const result: string[] = [];
  for (const entry of await fsp.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) result.push(...(await listFiles(root, relative)));
    else result.push(relative);
  }
  return result.sort();
}
