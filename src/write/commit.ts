/**
 * The move phase every write ends with, all or nothing: staged files are renamed into place one by
 * one; a file already there is first renamed aside into the staging area, so that if any step fails
 * every moved file is removed, every replaced file put back and every created folder removed: the
 * target is byte for byte as it was. Staging is beside the target, so each rename stays on one file
 * system and is atomic. Callers hold signals meanwhile (ui/signals.ts withSignalsHeld).
 */

import fs from 'node:fs';
import path from 'node:path';
import { testHooks } from './test-hooks.js';

export interface Move {
  /** '/'-separated, relative to both roots: what the test hooks and messages name. */
  relative: string;
  /** The staged file. */
  from: string;
  /** Where it goes; a file there is replaced. */
  to: string;
  /** Give the new file the mode of the one it replaces (a user's file keeps its permissions). */
  keepMode?: boolean;
}

/**
 * Move every staged file into `root` (the target folder, which exists). Replaced files are kept in
 * `backups` (a folder in the staging area) until the end. Throws what went wrong after undoing
 * everything it did; returns the relative paths it replaced.
 */
export async function commitMoves(root: string, moves: readonly Move[], backups: string): Promise<string[]> {
  const createdDirs: string[] = [];
  const moved: string[] = [];
  const replaced: { destination: string; backup: string; relative: string }[] = [];
  const ensureDir = (dir: string) => {
    const missing: string[] = [];
    for (let current = dir; current !== root && !fs.existsSync(current); current = path.dirname(current)) missing.unshift(current);
    for (const created of missing) {
      fs.mkdirSync(created);
      createdDirs.push(created);
    }
  };
  try {
    for (const move of moves) {
      ensureDir(path.dirname(move.to));
      const existing = fs.lstatSync(move.to, { throwIfNoEntry: false });
      if (existing) {
        if (move.keepMode) fs.chmodSync(move.from, existing.mode & 0o7777);
        const backup = path.join(backups, move.relative);
        fs.mkdirSync(path.dirname(backup), { recursive: true });
        fs.renameSync(move.to, backup);
        replaced.push({ destination: move.to, backup, relative: move.relative });
      }
      await testHooks.beforeMove(move.relative);
      fs.renameSync(move.from, move.to);
      moved.push(move.to);
    }
  } catch (error) {
    rollBack(moved, replaced, createdDirs);
    throw error;
  }
  return replaced.map((r) => r.relative);
}

/** Undo a commit that failed half way, newest first: moved files out, replaced files back, created folders away. Each step is tried even if one before it fails. */
function rollBack(moved: string[], replaced: { destination: string; backup: string }[], createdDirs: string[]): void {
  const attempt = (step: () => void) => {
    try {
      step();
    } catch {
      // The failure being reported matters more; what could not be undone stays where it is.
    }
  };
  for (const destination of [...moved].reverse()) attempt(() => fs.rmSync(destination, { force: true }));
  for (const { destination, backup } of [...replaced].reverse()) attempt(() => fs.renameSync(backup, destination));
  for (const dir of [...createdDirs].reverse()) attempt(() => fs.rmSync(dir, { recursive: true, force: true }));
}
