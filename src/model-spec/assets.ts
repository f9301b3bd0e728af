/** Asset paths: checked when given, so a missing or unreadable file is refused before anything is rendered. */

import fs from 'node:fs';
import path from 'node:path';
import { fieldError } from '../ui/errors.js';
import { InvalidValue, hasControlCharacters } from './fields.js';
import type { Sourced } from './spec.js';

/** Resolve an asset path (relative to `baseDir`) and check that it is a readable regular file or folder. */
export function parseAssetPath(raw: unknown, baseDir: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidValue('must be a path to a file or folder');
  if (hasControlCharacters(raw)) throw new InvalidValue('contains a control character (allowed: a path to a file or folder)');
  const absolute = path.resolve(baseDir, raw);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute); // follows symlinks: a link to a file is copied as that file
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new InvalidValue('is a symbolic link loop');
    throw new InvalidValue('no such file or folder');
  }
  if (!stat.isFile() && !stat.isDirectory()) throw new InvalidValue('is not a regular file or folder');
  try {
    fs.accessSync(absolute, fs.constants.R_OK | (stat.isDirectory() ? fs.constants.X_OK : 0));
  } catch {
    throw new InvalidValue('is not readable');
  }
  if (path.basename(absolute) === '' || absolute === path.parse(absolute).root) throw new InvalidValue('cannot copy a filesystem root');
  return absolute;
}

/** A folder asset holding `target` would be copied into itself, without end: refuse it. `target` names it in the message. */
export function refuseAssetsHolding(assets: Sourced<string>[] | undefined, target: string, targetName: string): void {
  for (const asset of assets ?? []) {
    if (target === asset.value || target.startsWith(asset.value + path.sep)) {
      throw fieldError(asset.label, asset.raw, `this folder contains ${targetName} (copy a subfolder instead)`);
    }
  }
}
