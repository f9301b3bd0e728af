/**
 * The repository reader (src/repository/), the one place that walks a model repository: each edge
 * case has one answer here, and validate, serve, run and add-model act on that answer (their own
 * tests show what each does with it).
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelConfig, versionsUnderPolicy } from '../../src/repository/config.js';
import { locate, LocateError } from '../../src/repository/locate.js';
import { readRepository, type ModelFolder } from '../../src/repository/read.js';
import { makeTempDir } from '../helpers/cli.js';

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-repository-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A fresh folder holding `files` (path -> content; a path ending in / is a folder) and `links` (path -> target). */
function tree(name: string, files: Record<string, string>, links: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(dir, relative);
    if (relative.endsWith('/')) fs.mkdirSync(target, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  for (const [relative, target] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.symlinkSync(target, path.join(dir, relative));
  }
  return dir;
}

const CONFIG = 'backend: "python"\ninput { name: "x" data_type: TYPE_FP32 dims: [ 1 ] }\noutput { name: "y" data_type: TYPE_FP32 dims: [ 1 ] }\n';
const model = (snapshot: { models: ModelFolder[] }, name: string) => snapshot.models.find((m) => m.name === name) as ModelFolder;
const summary = (m: ModelFolder) => ({ name: m.name, hidden: m.hidden, link: m.link, config: m.config, versions: m.versions, versionProblems: m.versionProblems });

describe('one answer per edge case', () => {
  let repository: string;
  let snapshot: ReturnType<typeof readRepository>;
  beforeAll(() => {
    repository = tree(
      'edges',
      {
        'ok/config.pbtxt': CONFIG,
        'ok/1/model.py': '',
        'no_config/1/model.py': '',
        'README.md': 'a file in the repository',
        'versions/config.pbtxt': CONFIG,
        'versions/2/': '',
        'versions/01/': '',
        'versions/latest/': '',
        'versions/3abc/': '',
        'versions/warmup/': '',
        'versions/4': 'a file named like a version',
        '.ipynb_checkpoints/config.pbtxt': '',
        'folder_config/config.pbtxt/': '',
      },
      { linked: 'ok', dangling: 'nowhere', loop: 'loop' },
    );
    snapshot = readRepository(repository);
  });

  it('every folder is a model, sorted by name; files are not', () => {
    expect(snapshot.models.map((m) => m.name)).toEqual(['.ipynb_checkpoints', 'folder_config', 'linked', 'no_config', 'ok', 'versions']);
    expect(snapshot.files).toEqual(['README.md']);
  });

  it('a folder without config.pbtxt is a model whose config is missing (a config.pbtxt that is a folder too)', () => {
    expect(summary(model(snapshot, 'no_config'))).toMatchObject({ config: 'missing', versions: [{ folder: '1', version: 1 }] });
    expect(model(snapshot, 'folder_config').config).toBe('missing');
    expect(readModelConfig(model(snapshot, 'no_config'))).toEqual({ ok: false, missing: true, problem: 'edges/no_config/config.pbtxt: no such file' });
  });

  it('version folders as Triton reads them: leading digits taken, leading zeros and names without digits skipped, files and warmup/ not versions', () => {
    expect(model(snapshot, 'versions').versions).toEqual([
      { folder: '3abc', version: 3 },
      { folder: '2', version: 2 },
    ]);
    expect(model(snapshot, 'versions').versionProblems).toEqual([
      { folder: '01', message: "Triton will ignore version directory '01' which contains leading zeros in its directory name" },
      { folder: '3abc', message: "version directory '3abc' is read by Triton as version 3 (it converts the leading digits): name it 3" },
      { folder: 'latest', message: "Triton will ignore version directory 'latest' which fails to convert to integral number (version folders are named 1, 2, ...)" },
    ]);
  });

  it('a symbolic link to a model folder is followed: a model, its link noted', () => {
    expect(summary(model(snapshot, 'linked'))).toMatchObject({ name: 'linked', link: 'ok', config: 'present', versions: [{ folder: '1', version: 1 }] });
  });

  it('a link that points nowhere or loops is a problem of the whole repository, not a model', () => {
    expect(snapshot.brokenLinks).toEqual([
      { name: 'dangling', problem: 'a symbolic link to nowhere, which does not exist' },
      { name: 'loop', problem: 'a symbolic link that loops (to loop, which leads back to itself)' },
    ]);
  });

  it('a hidden folder is a model to Triton, marked hidden', () => {
    expect(summary(model(snapshot, '.ipynb_checkpoints'))).toMatchObject({ hidden: true, config: 'present' });
  });

  it('versions under a policy: latest 1 by default, all, specific', () => {
    expect(versionsUnderPolicy([3, 1, 2], {})).toEqual([3]);
    expect(versionsUnderPolicy([3, 1, 2], { latest: { num_versions: 2 } })).toEqual([2, 3]);
    expect(versionsUnderPolicy([3, 1, 2], { all: {} })).toEqual([1, 2, 3]);
    expect(versionsUnderPolicy([3, 1, 2], { specific: { versions: [1, 5] } })).toEqual([1]);
  });
});

describe('what a path is', () => {
  const problem = (absolute: string, options = {}) => {
    try {
      locate(absolute, root, options);
    } catch (error) {
      if (error instanceof LocateError) return [error.code, error.problem];
      throw error;
    }
    return undefined;
  };

  it('a project, a model repository, a model folder, a config.pbtxt', () => {
    const project = tree('project', { 'models/m/config.pbtxt': CONFIG, 'Dockerfile': '' });
    expect(locate(project, root)).toEqual({ kind: 'project', project, repository: path.join(project, 'models') });
    expect(locate(path.join(project, 'models'), root)).toEqual({ kind: 'repository', repository: path.join(project, 'models') });
    expect(locate(path.join(project, 'models/m'), root)).toEqual({ kind: 'model', repository: path.join(project, 'models'), model: 'm' });
    expect(locate(path.join(project, 'models/m/config.pbtxt'), root)).toEqual({ kind: 'model', repository: path.join(project, 'models'), model: 'm' });
    const docs = tree('docs-layout', { 'model_repository/m/config.pbtxt': CONFIG });
    expect(locate(docs, root)).toEqual({ kind: 'project', project: docs, repository: path.join(docs, 'model_repository') });
  });

  it('a project whose models/ is a file, a folder with nothing to serve, an empty models/ (allowed for adding the first model)', () => {
    expect(problem(tree('models-file', { models: 'a file where a folder is expected' }))).toEqual(['unreachable', 'models: a file where the model repository folder is expected']);
    expect(problem(tree('only-hidden', { '.git/HEAD': '' }))).toEqual(['not-a-repository', 'neither a project (no models/ folder) nor a model repository (no model folders)']);
    const empty = tree('empty-models', { 'models/': '' });
    expect(problem(empty)).toEqual(['no-models', 'no model folders in empty-models/models (a model repository holds one folder per model: <name>/config.pbtxt, <name>/1/model.py)']);
    expect(locate(empty, root, { allowEmpty: true })).toMatchObject({ kind: 'project' });
  });

  it('nothing there, a link that loops, a file', () => {
    expect(problem(path.join(root, 'nowhere'))).toEqual(['unreachable', 'no such file or folder']);
    fs.symlinkSync('self', path.join(root, 'self'));
    expect(problem(path.join(root, 'self'))).toEqual(['unreachable', 'a symbolic link that loops (to self, which leads back to itself)']);
    expect(problem(path.join(tree('with-file', { 'notes.txt': '' }), 'notes.txt'))).toEqual(['file', 'is a file (give a project folder, a model repository, or a model folder)']);
  });
});
