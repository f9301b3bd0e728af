/**
 * Whatever happens mid-way, the disk holds the complete project or nothing new: signals at several
 * points of a real run (reached through the CLI's test hooks), concurrent runs, unwritable and
 * wrong targets, injected write failures, and links in assets. Each case compares folder listings.
 */

import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, listTree, makeTempDir, readText, runCli, treeSnapshot } from '../helpers/cli.js';

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-faults-');
  fs.chmodSync(root, 0o755);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function freshDir(name: string): string {
  return fs.mkdtempSync(path.join(root, `${name}-`));
}

/** Start the CLI paused at a hook point; resolves once it says it is paused there. */
async function startPaused(cwd: string, args: string[], point: string, resumeFile = path.join(cwd, '..', `resume-${path.basename(cwd)}`)) {
  const child = execa(process.execPath, [BIN, ...args], {
    cwd,
    env: { NO_COLOR: '1', CI: undefined, CREATE_TRITON_MODEL_TEST_PAUSE: point, CREATE_TRITON_MODEL_TEST_RESUME: resumeFile },
    reject: false,
    timeout: 40_000,
  }) as ResultPromise;
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never paused at ${point}: ${stderr}`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`paused at ${point}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`exited (${r.exitCode}) before pausing at ${point}: ${stderr}${String(r.stderr)}`));
    }, reject);
  });
  return { child, resume: () => fs.writeFileSync(resumeFile, '') };
}

describe('signals at any moment leave no partial project, no staging folder, no lock', () => {
  it.each([
    ['SIGINT', 'write:Dockerfile', 130],
    ['SIGTERM', 'write:models/dumb_stub/1/model.py', 143],
    ['SIGINT', 'copy:assets/weights/big.bin', 130],
    ['SIGTERM', 'commit', 143],
  ] as const)('%s while paused at %s exits %i', async (signal, point, code) => {
    const cwd = freshDir('signal');
    fs.mkdirSync(path.join(cwd, 'weights'));
    fs.writeFileSync(path.join(cwd, 'weights/big.bin'), Buffer.alloc(1 << 20, 7));
    const before = listTree(cwd);
    const { child } = await startPaused(cwd, ['project', '--yes', '--asset', 'weights'], point);
    child.kill(signal);
    const result = await child;
    expect(result.exitCode).toBe(code);
    expect(listTree(cwd)).toEqual(before);
  });

  it('a signal after the project is in place keeps the complete project', async () => {
    const cwd = freshDir('late');
    const { child, resume } = await startPaused(cwd, ['project', '--yes'], 'commit');
    resume();
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(listTree(path.join(cwd, 'project'))).toContain('models/dumb_stub/config.pbtxt');
    expect(fs.readdirSync(cwd)).toEqual(['project']);
  });
});

describe('two runs into the same folder', () => {
  it('the second is refused while the first writes; the first completes; neither corrupts the other', async () => {
    const cwd = freshDir('race');
    const first = await startPaused(cwd, ['shared', '--yes', '--name', 'first'], 'commit');
    const second = await runCli(['shared', '--yes', '--name', 'second'], { cwd });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/^error: shared: another create-triton-model run \(pid \d+\) is writing this folder; try again when it has finished$/);
    first.resume();
    expect((await first.child).exitCode).toBe(0);
    expect(fs.readdirSync(path.join(cwd, 'shared/models'))).toEqual(['first']);
    expect(fs.readdirSync(cwd)).toEqual(['shared']);
  });

  it('a folder that appears while the project is staged is left alone, and the run fails cleanly', async () => {
    const cwd = freshDir('appeared');
    const run = await startPaused(cwd, ['target', '--yes'], 'commit');
    fs.mkdirSync(path.join(cwd, 'target'));
    fs.writeFileSync(path.join(cwd, 'target/theirs.txt'), 'someone else');
    run.resume();
    const result = await run.child;
    expect(result.exitCode).toBe(1);
    // rename(2) replaces only an empty folder: a folder with files in it stops the move.
    expect(String(result.stderr).split('\n').at(-1)).toBe('error: target: the folder appeared while the project was being written; nothing was changed');
    expect(listTree(cwd)).toEqual(['target/', 'target/theirs.txt']);
  });

  it('a lock left by a process that died is taken over', async () => {
    const cwd = freshDir('stale');
    fs.writeFileSync(path.join(cwd, '.project.create-triton-model.lock'), '999999');
    const result = await runCli(['project', '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.readdirSync(cwd)).toEqual(['project']);
  });
});

describe('targets that cannot be written', () => {
  it('a target that is a file', async () => {
    const cwd = freshDir('file');
    fs.writeFileSync(path.join(cwd, 'project'), 'a file');
    const result = await runCli(['project', '--yes'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('error: project: exists and is not a folder');
    expect(readText(cwd, 'project')).toBe('a file');
    expect(listTree(cwd)).toEqual(['project']);
  });

  it('a path through a file', async () => {
    const cwd = freshDir('through');
    fs.writeFileSync(path.join(cwd, 'afile'), 'x');
    const result = await runCli(['afile/project', '--yes'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('error: afile/project: a part of the path is a file, not a folder');
    expect(listTree(cwd)).toEqual(['afile']);
  });

  it('a read-only parent folder', async () => {
    const cwd = freshDir('readonly');
    const parent = path.join(cwd, 'locked');
    fs.mkdirSync(parent);
    fs.chmodSync(parent, 0o555);
    fs.chmodSync(cwd, 0o755);
    // Root ignores permissions: run the CLI as nobody then.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
    const [command, ...prefix] = [...asUser, process.execPath];
    const result = await execa(command!, [...prefix, BIN, 'locked/project', '--yes'], { cwd, reject: false, env: { NO_COLOR: '1', CI: undefined }, timeout: 20_000 });
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/^error: locked\/project: cannot write in .*locked: permission denied$/);
    expect(listTree(cwd)).toEqual(['locked/']);
  });

  it.each([
    ['EIO', 'input/output error'],
    ['ENOSPC', 'no space left on device'],
  ])('an injected %s while writing model.py', async (code, problem) => {
    const cwd = freshDir(`inject-${code}`);
    const result = await runCli(['project', '--yes'], { cwd, env: { CREATE_TRITON_MODEL_TEST_FAIL: `models/dumb_stub/1/model.py:${code}` } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`error: project: cannot write the project: ${problem}`);
    expect(listTree(cwd)).toEqual([]);
  });

  it('an injected failure replacing files with --force leaves the existing project as it was', async () => {
    const cwd = freshDir('force-fail');
    expect((await runCli(['project', '--yes'], { cwd })).exitCode).toBe(0);
    fs.writeFileSync(path.join(cwd, 'project/Dockerfile'), 'edited by hand');
    const before = listTree(cwd);
    const result = await runCli(['project', '--yes', '--force'], { cwd, env: { CREATE_TRITON_MODEL_TEST_FAIL: 'README.md:ENOSPC' } });
    expect(result.exitCode).toBe(1);
    expect(listTree(cwd)).toEqual(before);
    expect(readText(cwd, 'project/Dockerfile')).toBe('edited by hand');
  });

  it('a failure half way through moving files in with --force puts every file back: the folder is byte for byte as it was', async () => {
    const cwd = freshDir('force-move-fail');
    expect((await runCli(['project', '--yes'], { cwd })).exitCode).toBe(0);
    // Generated files edited by hand (replaced before the failure), a file of the user's, a file kept read-only.
    fs.writeFileSync(path.join(cwd, 'project/Dockerfile'), 'edited by hand');
    fs.appendFileSync(path.join(cwd, 'project/README.md'), 'notes of mine\n');
    fs.writeFileSync(path.join(cwd, 'project/mine.txt'), 'mine');
    fs.chmodSync(path.join(cwd, 'project/.gitignore'), 0o444);
    const before = treeSnapshot(cwd);
    // Moves go in path order: by pyrightconfig.json the dotfiles, Dockerfile, README.md and client.py were replaced and models/other/ created.
    const argv = ['project', '--yes', '--force', '--name', 'other'];
    const result = await runCli(argv, { cwd, env: { CREATE_TRITON_MODEL_TEST_FAIL_MOVE: 'pyrightconfig.json:EIO' } });
    expect([result.exitCode, result.stderr]).toEqual([1, 'error: project: cannot write the project: input/output error']);
    expect(treeSnapshot(cwd)).toEqual(before);
    // The same run without the fault replaces them.
    expect((await runCli(argv, { cwd })).exitCode).toBe(0);
    expect(readText(cwd, 'project/Dockerfile')).not.toBe('edited by hand');
    expect(fs.existsSync(path.join(cwd, 'project/models/other/config.pbtxt'))).toBe(true);
    expect(readText(cwd, 'project/mine.txt')).toBe('mine');
  });
});

describe('links in assets and in the target', () => {
  it('copies a linked file as a regular file and a linked folder as a folder', async () => {
    const cwd = freshDir('links');
    const outside = freshDir('outside');
    fs.writeFileSync(path.join(outside, 'real.bin'), 'real');
    fs.mkdirSync(path.join(cwd, 'pack'));
    fs.symlinkSync(path.join(outside, 'real.bin'), path.join(cwd, 'pack/linked.bin'));
    fs.symlinkSync(path.join(outside, 'real.bin'), path.join(cwd, 'top.bin'));
    const result = await runCli(['project', '--yes', '--asset', 'pack', '--asset', 'top.bin'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    for (const copied of ['project/assets/pack/linked.bin', 'project/assets/top.bin']) {
      expect(fs.lstatSync(path.join(cwd, copied)).isFile()).toBe(true);
      expect(readText(cwd, copied)).toBe('real');
    }
    expect(listTree(outside)).toEqual(['real.bin']);
  });

  it.each([
    ['a link loop', (dir: string) => fs.symlinkSync(dir, path.join(dir, 'loop')), /a symbolic link loops back into a folder being copied/],
    ['a dangling link', (dir: string) => fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling')), /a symbolic link inside points nowhere/],
  ])('refuses an asset folder holding %s, writing nothing', async (_, plant, message) => {
    const cwd = freshDir('badlink');
    const pack = path.join(cwd, 'pack');
    fs.mkdirSync(pack);
    fs.writeFileSync(path.join(pack, 'ok.bin'), 'ok');
    plant(pack);
    const before = listTree(cwd);
    const result = await runCli(['project', '--yes', '--asset', 'pack'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(listTree(cwd)).toEqual(before);
  });

  it('--force never writes through a link inside the existing project', async () => {
    const cwd = freshDir('force-link');
    const outside = freshDir('victim');
    expect((await runCli(['project', '--yes'], { cwd })).exitCode).toBe(0);
    fs.rmSync(path.join(cwd, 'project/models'), { recursive: true });
    fs.symlinkSync(outside, path.join(cwd, 'project/models'));
    const result = await runCli(['project', '--yes', '--force'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('error: project: models is a symbolic link; refusing to write through it');
    expect(listTree(outside)).toEqual([]);
  });

  it('refuses an asset folder that contains the project', async () => {
    const cwd = freshDir('self');
    const result = await runCli(['inner/project', '--yes', '--asset', '.'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('error: --asset ".": this folder contains the project folder being created (copy a subfolder instead)');
    expect(listTree(cwd)).toEqual([]);
  });
});

describe('no terminal, no waiting', () => {
  it('with stdin closed and no flags it does not wait for input', async () => {
    const cwd = freshDir('stdin');
    const started = Date.now();
    const result = await runCli([], { cwd, timeout: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stdout).toMatch(/^Using defaults: directory=triton-project, name=dumb_stub/m);
  });
});
