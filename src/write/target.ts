/**
 * The verdict on a target folder before anything is written, and the overwrite rules: a folder
 * that does not exist or is empty is written whole; a non-empty one only with --force, which
 * replaces the generated files and keeps every other; nothing is ever written through a link or
 * over a folder. The write and --dry-run both ask here, so a dry run says what the run would.
 */

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../ui/errors.js';
import { describeFsError } from './errors.js';

export interface WriteOptions {
  /** Replace the generated files in a non-empty folder, keeping every other file. */
  force: boolean;
  /** Shown in messages instead of the absolute path. */
  displayName?: string;
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

/** Refuse, before anything moves, a path whose place in the target is taken by a folder or reached through a link. */
export function checkForcedPaths(target: string, relativePaths: string[], shown: string): void {
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

/**
 * The verdict on a target folder, before anything is written: refused with the reason, or where the
 * project will be staged. `paths` are the files to write (relative), checked against what is in the
 * way with --force.
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
  const targetWasEmpty = existing ? fs.readdirSync(absolute).length === 0 : true;
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
