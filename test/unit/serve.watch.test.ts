/**
 * --reload's watcher, with fs.watch and with the polling fallback: one call per changed model
 * after a quiet spell, none for bytecode, __pycache__ or editor files; and every way of saving a
 * file (a plain write, a rename over it, sed -i, vim's backup-and-write, git checkout) is seen
 * every time, four saves in a row.
 */

import { execa } from 'execa';
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

/** Ways an editor or a tool saves `file` with new `text`. */
const SAVES: Record<string, (file: string, text: string, round: number) => Promise<void>> = {
  'plain write': async (file, text) => fs.writeFileSync(file, text),
  'rename over it (mv new model.py, formatters)': async (file, text) => {
    const temporary = path.join(path.dirname(file), '.model.py.new');
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  },
  'sed -i': async (file, text) => {
    await execa('sed', ['-i', `s/^x = .*$/${text.trim()}/`, file]);
  },
  "vim's default save (probe file, backup by rename, write, backup deleted)": async (file, text) => {
    const folder = path.dirname(file);
    fs.writeFileSync(path.join(folder, '4913'), '');
    fs.unlinkSync(path.join(folder, '4913'));
    fs.renameSync(file, `${file}~`);
    fs.writeFileSync(file, text);
    fs.unlinkSync(`${file}~`);
  },
  'git checkout of another commit': async (file, _text, round) => {
    const repository = path.dirname(path.dirname(path.dirname(file)));
    await execa('git', ['checkout', '-q', `v${(round + 1) % 2}`, '--', path.relative(repository, file)], { cwd: repository });
  },
};

describe('serve --reload: every way of saving, every time', () => {
  it.each(Object.keys(SAVES))('%s: four saves in a row, four changes seen', async (way) => {
    const repository = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-watch-save-'));
    const file = path.join(repository, 'a', '1', 'model.py');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(path.join(repository, 'a', 'config.pbtxt'), 'name: "a"\n');
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repository });
    if (way.startsWith('git')) {
      await git('init', '-q');
      for (const version of [0, 1]) {
        fs.writeFileSync(file, `x = ${version}\n`);
        await git('add', '-A');
        await git('commit', '-q', '-m', `v${version}`);
        await git('tag', `v${version}`);
      }
    } else fs.writeFileSync(file, 'x = 0\n');
    const seen: string[] = [];
    watcher = watchRepository(repository, (model) => seen.push(model), { debounceMs: 100, pollMs: 50 });
    expect(watcher.mode).toBe('watch');
    await sleep(100);
    try {
      for (let round = 1; round <= 4; round++) {
        await (SAVES[way] as (file: string, text: string, round: number) => Promise<void>)(file, `x = ${round}\n`, round);
        const deadline = Date.now() + 5_000;
        while (seen.length < round && Date.now() < deadline) await sleep(20);
        expect([way, round, seen]).toEqual([way, round, Array(round).fill('a')]);
        await sleep(150);
      }
      expect(fs.readFileSync(file, 'utf8')).toBe(way.startsWith('git') ? 'x = 1\n' : 'x = 4\n');
    } finally {
      watcher.close();
      fs.rmSync(repository, { recursive: true, force: true });
    }
  });

  it('a model folder added after the start is watched too, and a removed one dropped', async () => {
    const repository = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-watch-new-'));
    const seen: string[] = [];
    watcher = watchRepository(repository, (model) => seen.push(model), { debounceMs: 100, pollMs: 50 });
    try {
      fs.mkdirSync(path.join(repository, 'b', '1'), { recursive: true });
      await sleep(300);
      const file = path.join(repository, 'b', '1', 'model.py');
      for (let round = 1; round <= 3; round++) {
        fs.writeFileSync(`${file}.tmp`, `x = ${round}\n`);
        fs.renameSync(`${file}.tmp`, file);
        const deadline = Date.now() + 5_000;
        while (seen.length < round + 1 && Date.now() < deadline) await sleep(20);
        expect(seen).toEqual(Array(round + 1).fill('b'));
        await sleep(150);
      }
      fs.rmSync(path.join(repository, 'b'), { recursive: true });
      const deadline = Date.now() + 5_000;
      while (seen.length < 5 && Date.now() < deadline) await sleep(20);
      expect(seen).toEqual(Array(5).fill('b'));
    } finally {
      watcher.close();
      fs.rmSync(repository, { recursive: true, force: true });
    }
  });
});

describe('serve --reload: the watcher', () => {
  it.each([false, true])('poll=%s: one call per changed model, bytecode and editor files ignored', async (poll) => {
    expect(await changesSeen(poll)).toEqual(['a', 'c']);
  });

  it('ignores __pycache__, bytecode, hidden and backup files', () => {
    expect(['m/1/__pycache__/x.pyc', 'm/1/model.pyc', 'm/.git/HEAD', 'm/1/model.py~', 'm/1/.model.py.swp', 'm/1/4913'].filter(ignoredChange)).toHaveLength(6);
    expect(['m/1/model.py', 'm/config.pbtxt', 'm/1/helpers/util.py'].filter(ignoredChange)).toEqual([]);
  });
});
