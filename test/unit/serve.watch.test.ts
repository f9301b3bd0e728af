/**
 * --reload's watcher, with fs.watch and with the polling fallback: one call per changed model
 * after a quiet spell, none for bytecode, __pycache__ or editor files.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoredChange, watchRepository, type Watcher } from '../../src/serve/watch.js';

let watcher: Watcher | undefined;
afterEach(() => watcher?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function changesSeen(poll: boolean): Promise<string[]> {
  const repository = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-watch-'));
  for (const model of ['a', 'b']) {
    fs.mkdirSync(path.join(repository, model, '1', '__pycache__'), { recursive: true });
    fs.writeFileSync(path.join(repository, model, '1', 'model.py'), 'x = 1\n');
  }
  const seen: string[] = [];
  watcher = watchRepository(repository, (model) => seen.push(model), { debounceMs: 150, pollMs: 50, poll });
  expect(watcher.mode).toBe(poll ? 'poll' : 'watch');
  await sleep(200);
  fs.writeFileSync(path.join(repository, 'a', '1', '__pycache__', 'model.cpython-311.pyc'), 'bytecode');
  fs.writeFileSync(path.join(repository, 'b', '1', '.model.py.swp'), 'editor');
  // A burst of writes to one model is one change.
  for (let i = 0; i < 3; i++) {
    fs.writeFileSync(path.join(repository, 'a', '1', 'model.py'), `x = ${i + 2}\n`);
    await sleep(20);
  }
  fs.mkdirSync(path.join(repository, 'c', '1'), { recursive: true });
  fs.writeFileSync(path.join(repository, 'c', 'config.pbtxt'), 'name: "c"\n');
  const deadline = Date.now() + 5_000;
  while (seen.length < 2 && Date.now() < deadline) await sleep(50);
  await sleep(400);
  fs.rmSync(repository, { recursive: true, force: true });
  return seen.sort();
}

describe('serve --reload: the watcher', () => {
  it.each([false, true])('poll=%s: one call per changed model, bytecode and editor files ignored', async (poll) => {
    expect(await changesSeen(poll)).toEqual(['a', 'c']);
  });

  it('ignores __pycache__, bytecode, hidden and backup files', () => {
    expect(['m/1/__pycache__/x.pyc', 'm/1/model.pyc', 'm/.git/HEAD', 'm/1/model.py~', 'm/1/.model.py.swp', 'm/1/4913'].filter(ignoredChange)).toHaveLength(6);
    expect(['m/1/model.py', 'm/config.pbtxt', 'm/1/helpers/util.py'].filter(ignoredChange)).toEqual([]);
  });
});
