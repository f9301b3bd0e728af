/**
 * Hostile text in every field. Each value is either refused (exit 1, one line naming the field,
 * nothing written) or, where legal, rendered so that every file still means exactly what was typed:
 * config.pbtxt parses back to the same string, nothing runs in a shell, no file lands outside the
 * project. Each case asserts its outcome, not just "did not crash".
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, readText, runCli } from '../helpers/cli.js';
import { parseConfigsWithProtobuf } from '../helpers/python.js';

const HOSTILE = {
  quote: 'a"b',
  'single quote': "a'b",
  backslash: 'a\\b',
  newline: 'a\nb',
  hash: 'a#b',
  brace: 'a}b',
  'command substitution': '$(touch pwned)',
  backticks: '`touch pwned`',
  'parent path': '../escape',
  'absolute path': '/tmp/ctm-absolute-escape',
  'control character': 'a\u0007b',
  'right-to-left mark': 'a\u202eb',
  '10,000 characters': 'x'.repeat(10_000),
} as const;
type Hostile = keyof typeof HOSTILE;
const ALL = Object.keys(HOSTILE) as Hostile[];

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-hostile-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Nothing anywhere under the test root was created by a shell running what was typed. */
function expectNoShellRan(): void {
  expect(listTree(root).filter((p) => p.endsWith('pwned'))).toEqual([]);
}

async function refused(args: string[], field: RegExp) {
  const cwd = fs.mkdtempSync(path.join(root, 'case-'));
  const result = await runCli(['project', ...args, '--yes'], { cwd });
  expect(result.exitCode, result.stderr).toBe(1);
  const lines = result.stderr.split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(field);
  // Control characters and bidi marks are shown escaped: the message is one honest line.
  expect(lines[0]).not.toMatch(/[\u0000-\u001f\u202e]/);
  expect(lines[0]!.length).toBeLessThan(400);
  expect(listTree(cwd)).toEqual([]);
  expectNoShellRan();
}

describe.concurrent('model name: letters, digits, _ - . only', () => {
  it.each(ALL)('%s is refused', (kind) => refused(['--name', HOSTILE[kind]], /^error: --name "/));
});

describe.concurrent('tensor names: refused in inputs and outputs', () => {
  it.each(ALL.filter((k) => !HOSTILE[k].includes(':')))('%s is refused', async (kind) => {
    await refused(['--input', `${HOSTILE[kind]}:FP32:1`], /^error: --input "/);
    await refused(['--input', 'x:FP32:1', '--output', `${HOSTILE[kind]}:FP32:1`], /^error: --output "/);
  });
});

describe.concurrent('image tag: YY.MM only', () => {
  it.each(ALL)('%s is refused', (kind) => refused(['--triton-version', HOSTILE[kind]], /^error: --triton-version "/));
});

describe.concurrent('requirement lines: one PEP 508 requirement each', () => {
  it.each(ALL)('%s is refused', (kind) => refused(['-r', `torch${HOSTILE[kind]}`], /^error: --requirement "/));

  it('quotes inside an environment marker are legal and written exactly, one line', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'marker-'));
    const line = 'scipy>=1.11; python_version >= "3.10" and platform_machine != \'arm64\'';
    const result = await runCli(['project', '-r', line, '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readText(cwd, 'project/requirements.txt')).toBe(`opencv-python-headless==4.10.0.82\n${line}\n`);
  });
});

describe.concurrent('config parameter values: escaped, never injected', () => {
  const legal = ALL.filter((k) => !['newline', 'control character', 'right-to-left mark', '10,000 characters'].includes(k));
  it.each(ALL.filter((k) => !legal.includes(k)))('%s is refused', (kind) => refused(['--parameter', `note=${HOSTILE[kind]}`], /^error: --parameter "note=/));

  it(`${legal.join(', ')}: each parses back from config.pbtxt as exactly what was typed`, async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'params-'));
    const args = legal.flatMap((kind, i) => ['--parameter', `p${i}=${HOSTILE[kind]}`]);
    const result = await runCli(['project', ...args, '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    const [parsed] = await parseConfigsWithProtobuf([path.join(cwd, 'project/models/dumb_stub/config.pbtxt')]);
    const parameters = (parsed!.message as any).parameters;
    legal.forEach((kind, i) => expect(parameters[`p${i}`].string_value, kind).toBe(HOSTILE[kind]));
    expect(Object.keys(parameters)).toHaveLength(legal.length);
    expectNoShellRan();
  });
});

describe.concurrent('project folder', () => {
  it.each(['newline', 'control character', 'right-to-left mark', '10,000 characters'] as Hostile[])('%s is refused', async (kind) => {
    const cwd = fs.mkdtempSync(path.join(root, 'dir-'));
    const result = await runCli([HOSTILE[kind], '--yes'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: \[directory\] "/);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(listTree(cwd)).toEqual([]);
  });

  const legal: Hostile[] = ['quote', 'single quote', 'backslash', 'hash', 'brace', 'command substitution', 'backticks', 'parent path', 'absolute path'];
  it.each(legal)('%s: the project is written exactly there, the printed cd line leads there, and nothing runs', async (kind) => {
    const base = fs.mkdtempSync(path.join(root, 'dir-'));
    const cwd = path.join(base, 'work');
    fs.mkdirSync(cwd);
    const typed = kind === 'absolute path' ? path.join(base, 'abs"$(touch pwned)') : HOSTILE[kind];
    const target = path.resolve(cwd, typed);
    const result = await runCli([typed, '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(target, 'models/dumb_stub/config.pbtxt'))).toBe(true);
    // Every written file is inside the target, and the base holds only the target (and the cwd).
    const created = listTree(base).filter((p) => !p.startsWith('work/') && p !== 'work/');
    const targetRelative = path.relative(base, target);
    expect(created.every((p) => p === `${targetRelative}/` || p.startsWith(`${targetRelative}/`))).toBe(true);
    // The README names the project as typed and gives docker a valid image name.
    const readme = readText(target, 'README.md');
    expect(readme.split('\n')[0]).toBe(`# ${path.basename(target)}`);
    expect(readme).toMatch(/^docker build -t [a-z0-9]+(?:[._-][a-z0-9]+)* \.$/m);
    // The cd line, pasted into a POSIX shell, goes to the project and runs nothing else.
    const cdLine = result.stdout.split('\n').find((l) => l.startsWith('  cd '))!.trim();
    const shell = await execa('/bin/sh', ['-c', `${cdLine} && pwd -P`], { cwd, reject: false });
    expect(String(shell.stdout)).toBe(fs.realpathSync(target));
    expectNoShellRan();
  });
});

describe.concurrent('spec file', () => {
  it('a NUL byte in a value is refused with the field named', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'nul-'));
    fs.writeFileSync(path.join(cwd, 's.json'), JSON.stringify({ name: 'a\u0000b' }));
    const result = await runCli(['project', '--from', 's.json'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('error: s.json: name "a\\u0000b": not a valid model name (allowed: letters, digits, "_", "-", ".", starting with a letter or digit)');
    expect(listTree(cwd)).toEqual(['s.json']);
  });

  it('a requirement smuggling a second line is refused', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'smuggle-'));
    fs.writeFileSync(path.join(cwd, 's.yaml'), 'requirements:\n  - "torch==2.4.0\\n--extra-index-url http://evil"\n');
    const result = await runCli(['project', '--from', 's.yaml'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: s\.yaml: requirements\[0\] "torch==2\.4\.0\\n--extra-index-url http:\/\/evil": contains a control character or line break/);
    expect(listTree(cwd)).toEqual(['s.yaml']);
  });
});

describe.concurrent('asset paths', () => {
  it('a file whose name holds quotes, $(...) and # is copied under that exact name', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'asset-'));
    const name = 'w"$(touch pwned)#}.bin';
    fs.writeFileSync(path.join(cwd, name), 'weights');
    const result = await runCli(['project', '--asset', name, '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readText(cwd, 'project/models/dumb_stub/1/assets', name)).toBe('weights');
    expectNoShellRan();
  });

  it.each(['newline', 'control character', 'right-to-left mark'] as Hostile[])('a path with a %s is refused', (kind) => refused(['--asset', HOSTILE[kind]], /^error: --asset "/));
});
