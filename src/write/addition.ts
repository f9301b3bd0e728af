/**
 * Adding to an existing project (add-model), with create's discipline: every file is staged beside
 * the project, the project is locked, what is there is checked again under the lock (nothing in the
 * way, the files to update unchanged since they were read), and only then are files moved in with
 * signals held, all or nothing (commit.ts): the project is as it was, or has the whole addition.
 */

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../ui/errors.js';
import { withSignalsHeld } from '../ui/signals.js';
import { commitMoves, type Move } from './commit.js';
import { describeFsError } from './errors.js';
import { openStaging, stageFile, type FileToWrite } from './staging.js';
import { checkForcedPaths } from './target.js';
import { testHooks } from './test-hooks.js';

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

export type ExistingState = 'absent' | 'same' | 'different';

/** Whether a new file is absent from the project, there with the same bytes (kept), or there and different (refused). */
export function existingState(project: string, file: FileToWrite): ExistingState {
  const destination = path.join(project, file.path);
  const stat = fs.statSync(destination, { throwIfNoEntry: false });
  if (!stat) return 'absent';
  if (!stat.isFile()) return 'different';
  const source = 'copyFrom' in file ? fs.statSync(file.copyFrom, { throwIfNoEntry: false }) : undefined;
  if ('copyFrom' in file && !source?.isFile()) return 'different';
  const bytes = 'copyFrom' in file ? fs.readFileSync(file.copyFrom) : Buffer.from(file.content);
  return fs.readFileSync(destination).equals(bytes) ? 'same' : 'different';
}

export async function writeAddition(target: string, addition: AdditionWrite, options: { displayName?: string } = {}): Promise<AdditionResult> {
  const absolute = path.resolve(target);
  const shown = options.displayName ?? absolute;
  const staging = openStaging(path.dirname(absolute), path.basename(absolute), shown);
  const stagedNew = path.join(staging.top, 'new');
  const stagedUpdates = path.join(staging.top, 'updates');

  try {
    const staged: string[] = [];
    fs.mkdirSync(stagedNew, { recursive: true });
    for (const file of addition.files) await stageFile(file, stagedNew, staged);
    for (const update of addition.updates) {
      await testHooks.beforeWrite(update.path);
      const destination = path.join(stagedUpdates, update.path);
      fs.mkdirSync(path.dirname(destination), { recursive: true });
      fs.writeFileSync(destination, update.content, { flag: 'wx' });
    }
    await testHooks.beforeCommit();

    return await withSignalsHeld(async () => {
      // Checked under the lock, before anything moves.
      for (const relative of addition.mustNotExist) {
        if (fs.existsSync(path.join(absolute, relative))) throw new UserError(`${shown}: ${relative} appeared while the model was being added; nothing was changed`);
      }
      checkForcedPaths(absolute, [...staged, ...addition.updates.map((u) => u.path)], shown);
      const moves: Move[] = [];
      const unchanged: string[] = [];
      for (const relative of staged) {
        const state = existingState(absolute, { path: relative, copyFrom: path.join(stagedNew, relative) });
        if (state === 'absent') moves.push({ relative, from: path.join(stagedNew, relative), to: path.join(absolute, relative) });
        else if (state === 'same') unchanged.push(relative);
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
        // The user's permissions stay; rename(2) replaces the file in one step.
        moves.push({ relative: update.path, from: path.join(stagedUpdates, update.path), to: path.join(absolute, update.path), keepMode: true });
      }
      await commitMoves(absolute, moves, path.join(staging.top, 'backups'));
      return { added: moves.filter((m) => !m.keepMode).map((m) => m.relative).sort(), updated: addition.updates.map((u) => u.path), unchanged: unchanged.sort() };
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${shown}: cannot add the model: ${describeFsError(error)}`);
  } finally {
    staging.close();
  }
}
