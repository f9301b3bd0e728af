/**
 * The repository stands alone: a fresh clone with nothing beside it builds and passes its tests. No
 * tracked file (product, tests, scripts, docs) may read or cite the team's notes kept beside the
 * checkout; sources cite Triton's documentation and sources by name instead.
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// Built at run time, so that this file does not match itself.
const NEEDLE = ['..', 'shared'].join('/');

const tracked = () =>
  execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file !== '');

describe('the repository stands alone', () => {
  it(`no tracked file mentions ${NEEDLE}`, () => {
    const files = tracked();
    expect(files.length).toBeGreaterThan(100);
    const mentions: string[] = [];
    for (const file of files) {
      const full = path.join(ROOT, file);
      if (!fs.statSync(full, { throwIfNoEntry: false })?.isFile()) continue;
      fs.readFileSync(full, 'latin1')
        .split('\n')
        .forEach((line, index) => {
          if (line.includes(NEEDLE)) mentions.push(`${file}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(mentions).toEqual([]);
  });
});
