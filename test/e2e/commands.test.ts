/**
 * Commands as users type them (issue 14): `create` named or not, `--` refused, paths shown as typed
 * (no `cd` for the current folder), help that shows the default that applies, `--json` for every
 * outcome (errors included, as the README shows), a dry run with the real run's verdict, and symbolic
 * links that loop or point nowhere.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, readText, ROOT, runCli } from '../helpers/cli.js';
import { killAllServers, startServe } from '../helpers/serve.js';

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-commands-');
});
afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh, empty folder under root. */
const folder = (name: string) => {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};

describe('create, named or not', () => {
  it('`create my-project --yes` creates my-project, through the shortcut and through yargs alike', async () => {
    const cwd = folder('named');
    const simple = await runCli(['create', 'my-project', '--yes'], { cwd });
    expect(simple.exitCode, simple.stderr).toBe(0);
    // --name takes the yargs path.
    const full = await runCli(['create', 'other', '--yes', '--name', 'm'], { cwd });
    expect(full.exitCode, full.stderr).toBe(0);
    expect(fs.readdirSync(cwd).sort()).toEqual(['my-project', 'other']);
    expect(fs.existsSync(path.join(cwd, 'my-project/models/dumb_stub/config.pbtxt'))).toBe(true);
    expect(fs.existsSync(path.join(cwd, 'other/models/m/config.pbtxt'))).toBe(true);
  });

  it('`create --yes` creates the default folder, not one called create', async () => {
    const cwd = folder('named-default');
    const result = await runCli(['create', '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.readdirSync(cwd)).toEqual(['triton-project']);
  });

  it('has its own --help, and the CLI help lists it as the default command', async () => {
    const cwd = folder('help');
    const own = await runCli(['create', '--help'], { cwd });
    expect(own.exitCode).toBe(0);
    expect(own.stdout.split('\n')[0]).toBe('create-triton-model create [directory]');
    expect(own.stdout).toMatch(/--dry-run +Print the files it would write/);
    expect(own.stdout).not.toMatch(/^Commands:/m);
    const cli = await runCli(['--help'], { cwd });
    expect(cli.stdout).toMatch(/^ {2}create-triton-model create \[directory\] +Create a project[^\n]*(\n {20,}[^\n]*)*\[default\]$/m);
    expect(listTree(cwd)).toEqual([]);
  });
});

describe('arguments after --', () => {
  it.each([
    [['--', '--version'], '-- "--version": no command reads arguments after --; remove it (see --help)'],
    [['x', '--yes', '--', 'y'], '-- "y": no command reads arguments after --; remove it (see --help)'],
    [['validate', '--'], '-- "": no command reads arguments after --; remove it (see --help)'],
    [['create', 'x', '--yes', '--json', '--'], '-- "": no command reads arguments after --; remove it (see --help)'],
  ])('%j: a usage error (exit 2), nothing written', async (argv, message) => {
    const cwd = folder(`dash-${argv.join('_').replace(/\W/g, '')}`);
    const result = await runCli(argv, { cwd });
    expect(result).toMatchObject({ exitCode: 2, stderr: `error: ${message}` });
    expect(listTree(cwd)).toEqual([]);
  });
});

describe('paths as typed', () => {
  it('no cd for the current folder, and "." in what it says', async () => {
    const cwd = folder('here');
    const result = await runCli(['.', '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✔ Created model dumb_stub (template image-stub) in .\n');
    expect(result.stdout).not.toMatch(/\bcd\b/);
    expect(result.stdout).not.toContain(cwd);
    const steps = result.stdout.slice(result.stdout.indexOf('Next steps:'));
    expect(steps.split('\n')[1]).toMatch(/^ {2}node \S+ run +# build the image/);
  });

  it('another folder relative, as typed (../sibling), or absolute when climbing out is longer', async () => {
    const cwd = folder('deep/a/b/c/d/e/f/g/h/i/j/k');
    const sibling = await runCli(['../sibling', '--yes'], { cwd });
    expect(sibling.exitCode, sibling.stderr).toBe(0);
    expect(sibling.stdout).toContain('\n  cd ../sibling\n');
    const far = path.join(root, 'far');
    const farResult = await runCli([far, '--yes'], { cwd });
    expect(farResult.exitCode, farResult.stderr).toBe(0);
    expect(farResult.stdout).toContain(`\n  cd ${far}\n`);
    expect(farResult.stdout).toContain(`in ${far}\n`);
  });

  it('add-model and validate show paths the same way', async () => {
    const cwd = folder('grow');
    expect((await runCli(['proj', '--yes', '--template', 'blank'], { cwd })).exitCode).toBe(0);
    const inside = await runCli(['add-model', '--template', 'blank', '--name', 'second', '--yes'], { cwd: path.join(cwd, 'proj') });
    expect(inside.exitCode, inside.stderr).toBe(0);
    expect(inside.stdout).toContain('✔ Added model second (template blank) to .\n');
    expect(inside.stdout).toMatch(/^ {2}node \S+ validate +# check every model/m);
    const beside = await runCli(['add-model', 'proj', '--template', 'blank', '--name', 'third', '--yes'], { cwd });
    expect(beside.stdout).toMatch(/^ {2}node \S+ validate proj +# check every model/m);
    const validated = await runCli(['validate'], { cwd: path.join(cwd, 'proj/models') });
    expect(validated.stdout).toBe('3 models checked in .: no problems found');
  });
});

describe('help shows the default that applies', () => {
  it('add-model: the project\'s own release; create: the newest known', async () => {
    const cwd = folder('help-defaults');
    const addModel = await runCli(['add-model', '--help'], { cwd });
    expect(addModel.stdout.replace(/\s+/g, ' ')).toContain("--triton-version NGC release YY.MM of nvcr.io/nvidia/tritonserver [default: the project's, from its Dockerfile] [string]");
    expect(addModel.stdout).not.toMatch(/\[default: \d\d\.\d\d/);
    const create = await runCli(['create', '--help'], { cwd });
    expect(create.stdout.replace(/\s+/g, ' ')).toContain('--triton-version NGC release YY.MM of nvcr.io/nvidia/tritonserver [default: 26.09, Triton 2.73.0] [string]');
  });
});

describe('Triton releases', () => {
  it('the newest known by default; the generated Dockerfile and README say which Triton it is', async () => {
    const cwd = folder('release-default');
    const result = await runCli(['p', '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    const dockerfile = readText(cwd, 'p/Dockerfile');
    expect(dockerfile).toContain('# The base tag is pinned (26.09 is Triton 2.73.0): it fixes the server release and the Python (3.12) that model.py runs on.\nFROM nvcr.io/nvidia/tritonserver:26.09-py3\n');
    expect(readText(cwd, 'p/README.md')).toContain('The base image `nvcr.io/nvidia/tritonserver:26.09-py3` (26.09 is Triton 2.73.0) runs Python 3.12');
    const older = await runCli(['q', '--yes', '--triton-version', '24.10'], { cwd });
    expect(readText(cwd, 'q/Dockerfile')).toContain('(24.10 is Triton 2.51.0)');
    expect(readText(cwd, 'q/Dockerfile')).toContain('Python (3.10)');
    expect(older.stderr).toBe('');
  });

  it('an unknown but well-formed tag: accepted, with a warning naming the newest known release', async () => {
    const cwd = folder('release-unknown');
    const result = await runCli(['p', '--yes', '--triton-version', '30.01'], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe(
      'warning: --triton-version "30.01": not a release create-triton-model knows (the newest it knows is 26.09, Triton 2.73.0): generated as for 26.09 (Python 3.12); check that nvcr.io/nvidia/tritonserver:30.01-py3 exists',
    );
    expect(readText(cwd, 'p/Dockerfile')).toContain('# The base tag is pinned (30.01, newer than the releases create-triton-model knows; the newest, 26.09, is Triton 2.73.0): it fixes');
    expect(readText(cwd, 'p/Dockerfile')).toContain('FROM nvcr.io/nvidia/tritonserver:30.01-py3\n');
  });
});

describe('--json: one JSON object on stdout for every outcome', () => {
  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

  it('success: ok true, with the spec and the files', async () => {
    const cwd = folder('json-ok');
    const result = await runCli(['create', 'p', '--yes', '--json'], { cwd });
    expect(result.exitCode).toBe(0);
    expect(json(result.stdout)).toMatchObject({ ok: true, directory: path.join(cwd, 'p'), dryRun: false, spec: { name: 'dumb_stub' } });
  });

  it.each([
    { argv: ['p', '--yes', '--json', '--input', 'x:FP33:1'], exitCode: 1, field: '--input', value: 'x:FP33:1', message: /^--input "x:FP33:1": unknown data type FP33 \(allowed: / },
    { argv: ['--json', '--bogus'], exitCode: 2, field: null, value: null, message: /^Unknown argument: bogus \(see --help\)$/ },
    { argv: ['validate', 'nowhere', '--json'], exitCode: 2, field: null, value: null, message: /^validate "nowhere": no such file or folder$/ },
    { argv: ['add-model', 'nowhere', '--json', '--yes'], exitCode: 1, field: null, value: null, message: /^add-model "nowhere": no such file or folder$/ },
    { argv: ['p', '--yes', '--json', '-r', 'numpy; touch PWNED'], exitCode: 1, field: '--requirement', value: 'numpy; touch PWNED', message: /column 8: expected a marker variable/ },
  ])('$argv: exit $exitCode, {ok: false, error}', async ({ argv, exitCode, field, value, message }) => {
    const cwd = folder(`json-${argv.join('_').replace(/\W/g, '')}`);
    const result = await runCli(argv, { cwd });
    expect(result.exitCode).toBe(exitCode);
    const printed = json(result.stdout) as { ok: boolean; error: { field: unknown; value: unknown; message: string } };
    expect(Object.keys(printed)).toEqual(['ok', 'error']);
    expect(printed).toMatchObject({ ok: false, error: { field, value } });
    expect(printed.error.message).toMatch(message);
    // The same line as without --json, on stderr, for whoever watches.
    expect(result.stderr).toBe(`error: ${printed.error.message}`);
    expect(listTree(cwd)).toEqual([]);
  });

  it('is what the README shows, run as it shows it', async () => {
    const readme = readText(ROOT, 'README.md');
    const example = /```sh\n\$ (create-triton-model create demo --yes --json --input x:FP33:1)\n```\n\n```json\n([\s\S]*?)\n```/.exec(readme);
    expect(example, 'README: the --json error example').not.toBeNull();
    const cwd = folder('json-readme');
    const result = await runCli(example![1]!.split(' ').slice(1), { cwd });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(example![2]!));
  });
});

describe('a dry run gives the verdict the run gives', () => {
  it.each([
    { name: 'a non-empty folder', target: 'nonempty', prepare: (dir: string) => fs.writeFileSync(path.join(dir, 'nonempty/mine.txt'), 'x'), error: 'nonempty: folder is not empty (use --force to replace the generated files; files you added are kept)' },
    { name: 'the root of the file system', target: '/', prepare: () => undefined, error: '/: is the root of the file system (create the project in a folder of its own)' },
    { name: 'a file', target: 'file.txt', prepare: (dir: string) => fs.writeFileSync(path.join(dir, 'file.txt'), 'x'), error: 'file.txt: exists and is not a folder' },
    {
      name: 'with --force, a file where a folder is needed',
      target: 'forced',
      force: true,
      prepare: (dir: string) => fs.writeFileSync(path.join(dir, 'forced/models'), 'x'),
      error: 'forced: models is a file where a folder is needed',
    },
  ])('$name: refused by both, with the same line and exit code', async ({ target, prepare, error, force }) => {
    const cwd = folder(`dry-${target.replace(/\W/g, '')}`);
    if (target !== '/' && target !== 'file.txt') fs.mkdirSync(path.join(cwd, target));
    prepare(cwd);
    const before = listTree(cwd);
    const args = [target, '--yes', ...(force ? ['--force'] : [])];
    const dry = await runCli([...args, '--dry-run'], { cwd });
    const real = await runCli(args, { cwd });
    expect(dry.stderr).toBe(`error: ${error}`);
    expect({ exitCode: dry.exitCode, stderr: dry.stderr }).toEqual({ exitCode: real.exitCode, stderr: real.stderr });
    expect(dry.exitCode).toBe(1);
    expect(dry.stdout).not.toContain('Would create');
    expect(listTree(cwd)).toEqual(before);
  });

  it('and accepts what the run accepts: a non-empty folder with --force', async () => {
    const cwd = folder('dry-force');
    fs.mkdirSync(path.join(cwd, 'p'));
    fs.writeFileSync(path.join(cwd, 'p/mine.txt'), 'x');
    const dry = await runCli(['p', '--yes', '--force', '--dry-run'], { cwd });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would create p (dry run: nothing written)');
    expect(listTree(cwd)).toEqual(['p/', 'p/mine.txt']);
  });
});

describe('symbolic links that loop or point nowhere', () => {
  let project: string;
  beforeAll(async () => {
    const cwd = folder('links');
    expect((await runCli(['proj', '--yes', '--template', 'blank', '--name', 'good'], { cwd })).exitCode).toBe(0);
    project = path.join(cwd, 'proj');
    fs.symlinkSync('self', path.join(project, 'models/self'));
    fs.symlinkSync('does-not-exist', path.join(project, 'models/gone'));
  });

  it('validate on a looping link: one line, exit 2 (a usage error, as documented)', async () => {
    const result = await runCli(['validate', 'models/self'], { cwd: project });
    expect(result).toEqual({ exitCode: 2, stdout: '', stderr: 'error: validate "models/self": a symbolic link that loops (to self, which leads back to itself)' });
    const dangling = await runCli(['validate', 'models/gone'], { cwd: project });
    expect(dangling).toEqual({ exitCode: 2, stdout: '', stderr: 'error: validate "models/gone": a symbolic link to does-not-exist, which does not exist' });
  });

  it('validate on the repository: an error for each link, which Triton cannot stat', async () => {
    const result = await runCli(['validate'], { cwd: project });
    expect(result.exitCode).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      'models/gone: error: a symbolic link to does-not-exist, which does not exist: Triton fails to poll the model repository on it ("failed to stat file") and loads none of its models',
      'models/self: error: a symbolic link that loops (to self, which leads back to itself): Triton fails to poll the model repository on it ("failed to stat file") and loads none of its models',
      '1 model checked in models: 2 errors',
    ]);
    const json = JSON.parse((await runCli(['validate', '--json'], { cwd: project })).stdout) as { findings: { file: string; code: string }[] };
    expect(json.findings.map((f) => [f.file, f.code])).toEqual([
      ['models/gone', 'broken-link'],
      ['models/self', 'broken-link'],
    ]);
  });

  it('serve says so on one line each, and serves the other models', async () => {
    const served = await startServe(['proj'], { cwd: path.dirname(project) });
    await served.waitFor(/listening on/, 60_000);
    const warnings = served.stderr().split('\n').filter((line) => /not served/.test(line));
    expect(warnings).toEqual([
      expect.stringMatching(/^W\d{4} [\d:.]+ +\d+ serve\] proj\/models\/gone: a symbolic link to does-not-exist, which does not exist: not served \(Triton would fail to poll the model repository and load none of its models\)$/),
      expect.stringMatching(/^W\d{4} [\d:.]+ +\d+ serve\] proj\/models\/self: a symbolic link that loops \(to self, which leads back to itself\): not served /),
    ]);
    expect(served.stdout()).toContain('serve: models from proj/models\n');
    expect((await fetch(`${served.url}/v2/models/good/ready`)).status).toBe(200);
    const stopped = await served.stop('SIGINT');
    expect(stopped.exitCode).toBe(0);
  });
});

describe("the repository reader's answers, as each command acts on them", () => {
  let project: string;
  beforeAll(async () => {
    const cwd = folder('answers');
    expect((await runCli(['proj', '--yes', '--template', 'blank', '--name', 'good'], { cwd })).exitCode).toBe(0);
    project = path.join(cwd, 'proj');
    const models = path.join(project, 'models');
    // A link to a model folder (followed), a hidden folder, a folder without config.pbtxt, a file.
    fs.cpSync(path.join(models, 'good'), path.join(cwd, 'elsewhere'), { recursive: true });
    fs.writeFileSync(path.join(cwd, 'elsewhere/config.pbtxt'), readText(models, 'good/config.pbtxt').replace('name: "good"', 'name: "linked"'));
    fs.symlinkSync(path.join(cwd, 'elsewhere'), path.join(models, 'linked'));
    fs.mkdirSync(path.join(models, '.ipynb_checkpoints'));
    fs.mkdirSync(path.join(models, 'unfinished/1'), { recursive: true });
    fs.writeFileSync(path.join(models, 'NOTES.md'), 'not a model');
  });

  it('validate: the linked model checked, the hidden folder and the folder without config.pbtxt reported, the file ignored', async () => {
    const result = await runCli(['validate'], { cwd: project });
    expect(result.exitCode).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      expect.stringMatching(/^models\/\.ipynb_checkpoints: error: '\.ipynb_checkpoints' is a folder of the model repository, so Triton tries to load it/),
      expect.stringMatching(/^models\/unfinished: error: no config\.pbtxt in unfinished\//),
      '4 models checked in models: 2 errors',
    ]);
  });

  it('serve: the linked model served, the hidden folder not (one line), the folder without config.pbtxt listed as not loaded', async () => {
    const served = await startServe(['proj'], { cwd: path.dirname(project) });
    expect((await fetch(`${served.url}/v2/models/linked/ready`)).status).toBe(200);
    expect((await fetch(`${served.url}/v2/models/good/ready`)).status).toBe(200);
    expect(served.stderr()).toMatch(/serve\] proj\/models\/\.ipynb_checkpoints: a hidden folder: not served \(Triton tries to load it as a model and fails: move it out of the repository\)\n/);
    expect(served.stdout()).toMatch(/\| unfinished +\| - +\| UNAVAILABLE: models\/unfinished\/config\.pbtxt: no such file +\|/);
    expect((await served.stop('SIGINT')).exitCode).toBe(0);
  });

  it('add-model: every name models/ holds is taken, the file and the link included', async () => {
    for (const name of ['linked', 'NOTES.md', 'unfinished']) {
      const result = await runCli(['add-model', 'proj', '--yes', '--name', name], { cwd: path.dirname(project) });
      expect([name, result.exitCode, result.stderr]).toEqual([name, 1, expect.stringContaining(`error: --name "${name}": models/${name} already exists; this project has models/NOTES.md, models/good, models/linked, models/unfinished`)]);
    }
  });
});
