/** Which Python serve runs, what it says when numpy differs from the image's, and how it says to install. */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { choosePython, installAdvice, numpyMismatch } from '../../src/serve/python.js';

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-python-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('serve: the Python', () => {
  it("takes the project's .venv first, then --python, then python3", () => {
    const withVenv = project({ '.venv/bin/python': '' });
    expect(choosePython(withVenv, '/usr/bin/python3')).toMatchObject({ python: path.join(withVenv, '.venv/bin/python'), isProjectVenv: true });
    const plain = project({});
    expect(choosePython(plain, '/opt/py')).toMatchObject({ python: '/opt/py', source: '--python', isProjectVenv: false });
    expect(choosePython(plain, undefined)).toMatchObject({ python: 'python3', isProjectVenv: false });
  });

  it('warns about numpy 2 only when constraints.txt pins numpy<2', () => {
    const pinned = project({ 'constraints.txt': '# comment\nnumpy<2\n' });
    expect(numpyMismatch('2.4.6', pinned)).toMatch(/^numpy 2\.4\.6 in this Python, but constraints\.txt keeps the image at numpy<2/);
    expect(numpyMismatch('1.24.2', pinned)).toBeUndefined();
    expect(numpyMismatch('2.0.0', project({}))).toBeUndefined();
  });

  it("says how to install: the requirements into the project's .venv, packages missing from requirements.txt named", () => {
    const dir = project({ 'requirements.txt': 'numpy<2\nopencv-python-headless\n', 'constraints.txt': 'numpy<2\n', '.venv/bin/python': '' });
    const venv = choosePython(dir, undefined);
    expect(installAdvice(venv, dir, dir, ['opencv-python-headless'])).toEqual(['install them: .venv/bin/pip install -r requirements.txt -c constraints.txt']);
    expect(installAdvice(venv, dir, path.dirname(dir), ['torch'])).toEqual([
      'not in requirements.txt (the image needs them too): torch',
      `install them: ${path.basename(dir)}/.venv/bin/pip install -r ${path.basename(dir)}/requirements.txt -c ${path.basename(dir)}/constraints.txt`,
      `or: ${path.basename(dir)}/.venv/bin/pip install torch`,
    ]);
    const bare = project({});
    expect(installAdvice(choosePython(bare, '/usr/bin/python3'), bare, bare, ['numpy'])).toEqual(['install them: /usr/bin/python3 -m pip install numpy']);
  });
});
