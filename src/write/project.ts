/**
 * Writing a new project (create): every file staged beside the target, then moved into place in
 * one step when the target is new or empty (a rename of the whole folder), or file by file with
 * rollback over a non-empty one with --force (commit.ts). An error or a signal leaves either the
 * complete project or the folder exactly as it was. A lock file keeps two runs from writing the
 * same target.
 */

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../ui/errors.js';
import { withSignalsHeld } from '../ui/signals.js';
import { commitMoves } from './commit.js';
import { describeFsError } from './errors.js';
import { listFiles, openStaging, stageFile, type FileToWrite } from './staging.js';
import { checkForcedPaths, planTarget, type WriteOptions } from './target.js';
import { testHooks } from './test-hooks.js';

export interface WriteResult {
  /** Paths of the files written, relative to the target, sorted. */
  written: string[];
}

/** rename(2) of a whole staged folder; a target that appeared (or filled up) meanwhile is refused, nothing changed. */
function renameWhole(from: string, to: string, appeared: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') throw new UserError(`${appeared}; nothing was changed`);
    throw error;
  }
}

export async function writeProject(target: string, project: { files: FileToWrite[] }, options: WriteOptions): Promise<WriteResult> {
  const { absolute, existing, targetWasEmpty, anchor, firstMissing } = planTarget(target, project.files.map((file) => file.path), options);
  const shown = options.displayName ?? absolute;
  const staging = openStaging(anchor, path.basename(firstMissing), shown);
  // Whole folders move from `<staging>/tree`, so the backups of --force stay apart in `<staging>/backups`.
  const stagedTop = path.join(staging.top, 'tree');
  const stagedTarget = path.join(stagedTop, path.relative(firstMissing, absolute));

  const written: string[] = [];
  try {
    fs.mkdirSync(stagedTarget, { recursive: true });
    for (const file of project.files) await stageFile(file, stagedTarget, written);
    await testHooks.beforeCommit();

    await withSignalsHeld(async () => {
      if (!existing) renameWhole(stagedTop, firstMissing, `${shown}: the folder appeared while the project was being written`);
      // rename(2) replaces an empty folder atomically; a folder that filled up meanwhile is refused.
      else if (targetWasEmpty) renameWhole(stagedTarget, absolute, `${shown}: files appeared in the folder while the project was being written`);
      else {
        // --force into a non-empty folder: checked again under the lock, then moved file by file, all or nothing.
        const files = await listFiles(stagedTarget);
        checkForcedPaths(absolute, files, shown);
        const moves = files.map((relative) => ({ relative, from: path.join(stagedTarget, relative), to: path.join(absolute, relative) }));
        await commitMoves(absolute, moves, path.join(staging.top, 'backups'));
      }
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${shown}: cannot write the project: ${describeFsError(error)}`);
  } finally {
    staging.close();
  }
  return { written: written.sort() };
}
