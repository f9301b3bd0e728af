/**
 * `add-model` through the built CLI: projects grown to two and three models, each model loaded and
 * run under the fake pb_utils, the repository validated, the project's own pytest suite run (it
 * finds every model by itself); the shared files changed only as they should (the user's lines
 * kept); refusals (a name that exists, another image, an asset in the way, not a project) leave
 * every file byte-identical; faults while staging or a change made meanwhile leave the project as
 * it was; the questions in a terminal.
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, listTree, makeTempDir, readText, runCli, TEST_PYTHON, TEMPLATES, treeSnapshot } from '../helpers/cli.js';
import { runPythonJson } from '../helpers/python.js';
import { commandLines } from '../../src/ui/output.js';
import { shownPath } from '../../src/ui/paths.js';

/** How the next steps name this CLI, run here as `node path/to/bin/create-triton-model.js` from `cwd`. */
const cliFrom = (cwd: string) => `node ${shownPath(BIN, cwd)}`;

interface Described {
  outputs?: { name: string; type: number; shape: number[] }[];
  error?: string;
  flags: number;
}
interface Report {
  modelDir: string;
  loadError?: string;
  argsKeys: string[];
  results: Described[][];
}

/** Every file of a folder with a digest of its bytes, and every folder: equal before and after means nothing changed. */
let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-add-model-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function createProject(name: string, args: string[] = []): Promise<string> {
  const result = await runCli([name, '--yes', ...args], { cwd: root });
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return path.join(root, name);
}

describe('a project grown to three models', () => {
  let project: string;
  let before: Record<string, string>;
  const unchangedFiles = ['Dockerfile', 'constraints.txt', 'client.py', '.dockerignore', '.gitignore', 'pyrightconfig.json', 'tests/test_models.py', 'assets/image.jpg'];
  let original: Record<string, string>;
  const userRequirements = 'opencv-python-headless==4.10.0.82\n# pinned by me\nrequests==2.32.3\npillow==10.4.0';
  const results: { second?: Awaited<ReturnType<typeof runCli>>; third?: Awaited<ReturnType<typeof runCli>>; validatedTwo?: Awaited<ReturnType<typeof runCli>> } = {};

  beforeAll(async () => {
    project = await createProject('grown');
    // The user's own edits, which add-model must keep.
    fs.writeFileSync(path.join(project, 'requirements.txt'), userRequirements);
    fs.appendFileSync(path.join(project, 'README.md'), '\n## Notes of mine\n\nKeep this.\n');
    original = Object.fromEntries(unchangedFiles.map((f) => [f, readText(project, f)]));
    before = treeSnapshot(project);
    results.second = await runCli(['add-model', 'grown', '--name', 'second', '--input', 'x:FP32:4', '--input', 'ids:INT64:-1', '--output', 'y:FP32:4', '--max-batch-size', '8', '-r', 'torch==2.4.0', '-r', 'Pillow>=11'], {
      cwd: root,
    });
    results.validatedTwo = await runCli(['validate', 'grown', '--strict'], { cwd: root });
    results.third = await runCli(['add-model', '--template', 'decoupled', '--name', 'third', '--yes'], { cwd: project });
  }, 120_000);

  it('adds each model with one summary, exit 0', () => {
    expect(results.second?.stderr).toBe('');
    expect(results.second?.exitCode).toBe(0);
    expect(results.second?.stdout.split('\n')).toEqual([
      'Using defaults: template=blank, modelVersion=1, instanceKind=cpu, instanceCount=1',
      '✔ Added model second (template blank) to grown',
      'grown/',
      '  models/',
      '    second/',
      '      1/',
      '        model.py',
      '      config.pbtxt',
      'Updated requirements.txt: +torch==2.4.0',
      'Updated README.md: section "The model `second`"',
      'requirements.txt keeps "pillow==10.4.0" (the new model asked for "Pillow>=11")',
      '',
      'Next steps:',
      ...commandLines([
        [`${cliFrom(root)} validate grown`, 'check every model the way Triton loads them'],
        [`${cliFrom(root)} run grown`, 'build the image and query every model'],
      ]),
    ]);
    expect(results.third?.exitCode).toBe(0);
    expect(results.third?.stdout).toContain('✔ Added model third (template decoupled) to .');
  });

  it('two models validate clean, and so do three', async () => {
    expect(results.validatedTwo?.stdout).toBe('2 models checked in grown/models: no problems found');
    const three = await runCli(['validate', '--strict'], { cwd: project });
    expect(three.stdout).toBe('3 models checked in models: no problems found');
    expect(three.exitCode).toBe(0);
  });

  it('adds only the new model folders, and changes only requirements.txt and README.md', () => {
    const after = treeSnapshot(project);
    const added = Object.keys(after).filter((p) => !(p in before));
    expect(added.sort()).toEqual(
      ['models/second/', 'models/second/1/', 'models/second/1/model.py', 'models/second/config.pbtxt', 'models/third/', 'models/third/1/', 'models/third/1/model.py', 'models/third/config.pbtxt'].sort(),
    );
    expect(Object.keys(before).filter((p) => !(p in after))).toEqual([]);
    const changed = Object.keys(before).filter((p) => after[p] !== before[p]);
    expect(changed.sort()).toEqual(['README.md', 'requirements.txt']);
    for (const file of unchangedFiles) expect(readText(project, file), file).toBe(original[file]);
  });

  it("keeps the user's requirement lines in their order and appends the missing ones", () => {
    expect(readText(project, 'requirements.txt')).toBe(`${userRequirements}\ntorch==2.4.0\n`);
  });

  it("adds a README section per model inside the models section, and keeps the user's text", () => {
    const readme = readText(project, 'README.md');
    const titles = [...readme.matchAll(/^## The model `([^`]+)`$/gm)].map((m) => m[1]);
    expect(titles).toEqual(['dumb_stub', 'second', 'third']);
    const end = readme.indexOf('<!-- create-triton-model: end of models -->');
    expect(readme.indexOf('## The model `third`')).toBeLessThan(end);
    expect(readme).toContain('| `ids` | input | `TYPE_INT64` | `INT64` | `[-1]` | `[batch, -1]` |');
    expect(readme).toContain('The model is decoupled');
    expect(readme.endsWith('\n## Notes of mine\n\nKeep this.\n')).toBe(true);
  });

  it('each model loads and answers under the fake pb_utils', async () => {
    const reports = await runPythonJson<Report[]>('check_models.py', {
      fake: path.join(TEMPLATES, 'shared/tests/triton_fake'),
      projects: [
        { modelDir: path.join(project, 'models/dumb_stub'), template: 'image-stub' },
        { modelDir: path.join(project, 'models/second'), template: 'blank' },
        { modelDir: path.join(project, 'models/third'), template: 'decoupled' },
      ],
    });
    const expectedOutputs = [['image'], ['y'], ['text_output']];
    reports.forEach((report, index) => {
      expect(report.loadError, report.modelDir).toBeUndefined();
      expect(report.argsKeys).toContain('model_config');
      // The two valid requests of the batch are answered with the declared outputs.
      for (const result of report.results.slice(0, 2)) {
        const data = result.filter((r) => r.outputs);
        expect(data.length, report.modelDir).toBeGreaterThan(0);
        for (const response of data) expect(response.outputs?.map((o) => o.name)).toEqual(expectedOutputs[index]);
      }
    });
  });

  it("the project's own tests find all three models, unchanged", async () => {
    const result = await execa(TEST_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: project, reject: false, timeout: 120_000, env: { PYTHONDONTWRITEBYTECODE: '1' } });
    expect(result.exitCode, String(result.stdout)).toBe(0);
    const ids = await execa(TEST_PYTHON, ['-m', 'pytest', '--collect-only', '-q', '-p', 'no:cacheprovider'], { cwd: project, reject: false, timeout: 60_000 });
    for (const model of ['dumb_stub', 'second', 'third']) expect(String(ids.stdout)).toContain(`test_answers_with_every_declared_output[${model}]`);
  });
});

// ------------------------------------------------------------------------------------------------

describe('refusals change nothing', () => {
  let project: string;
  let before: Record<string, string>;
  beforeAll(async () => {
    project = await createProject('refusals');
    before = treeSnapshot(project);
  }, 60_000);

  it.each([
    ['a name that exists', ['--name', 'dumb_stub', '--yes'], 'error: --name "dumb_stub": models/dumb_stub already exists; this project has models/dumb_stub (choose another name)'],
    [
      'a name that differs only in case',
      ['--name', 'Dumb_Stub', '--yes'],
      'error: --name "Dumb_Stub": models/dumb_stub already exists (names differing only in case are one folder on macOS and Windows); this project has models/dumb_stub (choose another name)',
    ],
    ['the default name when it exists', ['--template', 'image-stub', '--yes'], 'error: default name "dumb_stub": models/dumb_stub already exists; this project has models/dumb_stub (give another one with --name)'],
    [
      'another base image',
      ['--name', 'other', '--triton-version', '24.05', '--yes'],
      `error: --triton-version "24.05": this project's Dockerfile builds on nvcr.io/nvidia/tritonserver:26.09-py3, and every model runs in that image (leave the flag out, or change the FROM line first)`,
    ],
    ['a bad tensor', ['--name', 'other', '--input', 'x:FP33:1', '--yes'], 'error: --input "x:FP33:1": unknown data type FP33 (allowed: BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, STRING, BF16)'],
  ])('%s: one line, exit 1', async (_name, args, message) => {
    const result = await runCli(['add-model', 'refusals', ...args], { cwd: root });
    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: message });
    expect(treeSnapshot(project)).toEqual(before);
  });

  it('an asset that would replace a different file of the same name', async () => {
    const asset = path.join(root, 'image.jpg');
    fs.writeFileSync(asset, 'not the same picture');
    const result = await runCli(['add-model', 'refusals', '--name', 'other', '--template', 'blank', '--asset', asset, '--yes'], { cwd: root });
    expect(result.stderr).toBe('error: refusals: assets/image.jpg exists and differs from the file the new model brings; nothing was changed (rename one of them)');
    expect(result.exitCode).toBe(1);
    expect(treeSnapshot(project)).toEqual(before);
    expect(fs.readdirSync(root).filter((name) => name.startsWith('.refusals'))).toEqual([]);
  });

  it('a folder that is not a project', async () => {
    fs.mkdirSync(path.join(root, 'plain'), { recursive: true });
    const result = await runCli(['add-model', 'plain', '--name', 'x', '--yes'], { cwd: root });
    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: `error: plain: not a project of create-triton-model (no models/ folder); create one with: ${cliFrom(root)} plain` });
    expect(listTree(path.join(root, 'plain'))).toEqual([]);
  });

  it('--dry-run lists what it would do and writes nothing', async () => {
    const result = await runCli(['add-model', 'refusals', '--name', 'other', '-r', 'torch==2.4.0', '--dry-run', '--yes'], { cwd: root });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n').slice(1)).toEqual([
      'Would add model other to refusals (dry run: nothing written)',
      'refusals/',
      '  models/',
      '    other/',
      '      1/',
      '        model.py',
      '      config.pbtxt',
      'would update requirements.txt: +torch==2.4.0',
      'would update README.md: section "The model `other`"',
      'assets/image.jpg: already in the project, the same file',
    ]);
    expect(treeSnapshot(project)).toEqual(before);
  });

  it('a project another run is writing (its lock held by a live process)', async () => {
    const lock = path.join(root, '.refusals.create-triton-model.lock');
    fs.writeFileSync(lock, String(process.pid));
    try {
      const result = await runCli(['add-model', 'refusals', '--name', 'other', '--yes'], { cwd: root });
      expect(result.stderr).toBe(`error: refusals: another create-triton-model run (pid ${process.pid}) is writing this folder; try again when it has finished`);
      expect(result.exitCode).toBe(1);
      expect(treeSnapshot(project)).toEqual(before);
    } finally {
      fs.rmSync(lock, { force: true });
    }
  });

  it('a fault while staging leaves the project as it was, without leftovers', async () => {
    const result = await runCli(['add-model', 'refusals', '--name', 'other', '--yes'], { cwd: root, env: { CREATE_TRITON_MODEL_TEST_FAIL: 'README.md:ENOSPC' } });
    expect(result.stderr).toBe('error: refusals: cannot add the model: no space left on device');
    expect(result.exitCode).toBe(1);
    expect(treeSnapshot(project)).toEqual(before);
    expect(fs.readdirSync(root).filter((name) => name.startsWith('.refusals'))).toEqual([]);
  });

  it('a failure half way through moving the addition in puts every file back: the project is byte for byte as it was', async () => {
    // The new model's files move first (models/other/ is created), then requirements.txt is replaced; moving README.md fails.
    const argv = ['add-model', 'refusals', '--name', 'other', '-r', 'scipy==1.11.4', '--yes'];
    const result = await runCli(argv, { cwd: root, env: { CREATE_TRITON_MODEL_TEST_FAIL_MOVE: 'README.md:EIO' } });
    expect([result.exitCode, result.stderr]).toEqual([1, 'error: refusals: cannot add the model: input/output error']);
    expect(treeSnapshot(project)).toEqual(before);
    expect(fs.readdirSync(root).filter((name) => name.startsWith('.refusals'))).toEqual([]);
  });

  it('a README changed while the model was being staged: refused, the change kept, nothing added', async () => {
    const resume = path.join(root, 'resume-readme');
    const child = execa(process.execPath, [BIN, 'add-model', 'refusals', '--name', 'other', '--yes'], {
      cwd: root,
      env: { NO_COLOR: '1', CI: undefined, CREATE_TRITON_MODEL_TEST_PAUSE: 'commit', CREATE_TRITON_MODEL_TEST_RESUME: resume },
      reject: false,
      timeout: 30_000,
    });
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const deadline = Date.now() + 20_000;
    while (!stderr.join('').includes('paused at commit') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    fs.appendFileSync(path.join(project, 'README.md'), 'edited meanwhile\n');
    fs.writeFileSync(resume, '');
    const result = await child;
    expect(stderr.join('')).toContain('error: refusals: README.md changed while the model was being added; nothing was changed (run add-model again)');
    expect(result.exitCode).toBe(1);
    const after = treeSnapshot(project);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(Object.keys(after).filter((p) => after[p] !== before[p])).toEqual(['README.md']);
  });
});

// ------------------------------------------------------------------------------------------------

describe('add-model without the markers and with --json', () => {
  it('appends the README section at the end when the markers are gone, and reports it', async () => {
    const project = await createProject('no-markers');
    const readme = readText(project, 'README.md').replace(/^<!-- create-triton-model:.*\n/gm, '');
    fs.writeFileSync(path.join(project, 'README.md'), readme);
    const result = await runCli(['add-model', 'no-markers', '--name', 'second', '--yes', '--json'], { cwd: root });
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as { directory: string; dryRun: boolean; spec: { name: string }; added: string[]; updated: string[]; notes: string[] };
    expect(json).toMatchObject({
      directory: project,
      dryRun: false,
      spec: { name: 'second' },
      added: ['models/second/1/model.py', 'models/second/config.pbtxt'],
      updated: ['README.md'],
      notes: ['assets/image.jpg: already in the project, the same file', 'README.md has no "<!-- create-triton-model: end of models -->" line: the section of second was added at the end'],
    });
    expect(readText(project, 'README.md').startsWith(readme)).toBe(true);
    expect(readText(project, 'README.md').slice(readme.length)).toMatch(/^\n## The model `second`\n/);
  });
});

describe('add-model --from', () => {
  it('takes the model from a spec file, with flags on top, as create does', async () => {
    const project = await createProject('from-file');
    fs.writeFileSync(
      path.join(root, 'second.yaml'),
      ['name: ranker', 'template: blank', 'maxBatchSize: 4', 'inputs:', '  - {name: query, dataType: STRING, dims: [1]}', 'outputs:', '  - {name: score, dataType: FP32, dims: [1]}', 'requirements: [scikit-learn==1.5.2]', ''].join('\n'),
    );
    const result = await runCli(['add-model', 'from-file', '--from', 'second.yaml', '--dynamic-batching', '--yes'], { cwd: root });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const config = readText(project, 'models/ranker/config.pbtxt');
    expect(config).toContain('max_batch_size: 4');
    expect(config).toContain('name: "query"');
    expect(config).toContain('dynamic_batching { }');
    expect(readText(project, 'requirements.txt').split('\n').at(-2)).toBe('scikit-learn==1.5.2');
    expect((await runCli(['validate', 'from-file', '--strict'], { cwd: root })).stdout).toBe('2 models checked in from-file/models: no problems found');
  });
});

// ------------------------------------------------------------------------------------------------

describe('in a terminal', () => {
  const ENTER = '\r';
  const DOWN = '\u001b[B';
  const CTRL_U = '\u0015';

  it('asks what create asks except the folder and the image, and refuses a name that exists as it is typed', async () => {
    await createProject('asked');
    const steps = [
      { expect: 'Model name', send: 'dumb_stub' + ENTER },
      { expect: 'models/dumb_stub already exists', send: CTRL_U + 'classifier' + ENTER },
      { expect: 'Template', send: DOWN + ENTER },
      { expect: 'Input 1 name', send: ENTER },
      { expect: 'data type', send: ENTER },
      { expect: 'dims', send: ENTER },
      { expect: 'Add another input', send: ENTER },
      { expect: 'Output 1 name', send: ENTER },
      { expect: 'data type', send: ENTER },
      { expect: 'dims', send: ENTER },
      { expect: 'Add another output', send: ENTER },
      { expect: 'Max batch size', send: ENTER },
      { expect: 'Python requirement', send: ENTER },
      { expect: 'Asset file', send: ENTER },
      { expect: 'Advanced settings', send: ENTER },
      { expect: 'Added model classifier', send: '' },
    ];
    const driven = await runPythonJson<{ exitCode: number | null; transcript: string; failedStep: number | null }>('pty_drive.py', {
      argv: [process.execPath, BIN, 'add-model', 'asked'],
      cwd: root,
      env: { CI: null, NO_COLOR: '1', TERM: 'xterm-256color' },
      steps,
      timeout: 40,
    });
    expect(driven.failedStep, driven.transcript).toBeNull();
    expect(driven.exitCode, driven.transcript).toBe(0);
    expect(driven.transcript).not.toContain('Project folder');
    expect(driven.transcript).not.toContain('Triton image tag');
    expect(fs.existsSync(path.join(root, 'asked/models/classifier/config.pbtxt'))).toBe(true);
    const validated = await runCli(['validate', 'asked', '--strict'], { cwd: root });
    expect(validated.stdout).toBe('2 models checked in asked/models: no problems found');
  });
});
