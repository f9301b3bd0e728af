/**
 * What the CLI answers without loading yargs must be exactly what yargs answers:
 * - `--help`/`-h` of the CLI and of every command, and `--version`/`-v`, through the real bin, against
 *   the same argv run through yargs (dist/cli.js main), at every precomputed help width and at a
 *   narrower one (where the bin must fall back to yargs), with LANG set to another language too;
 * - the bin answers them with only bin/ and dist/precomputed.* present (no ES module, no yargs);
 * - the simplest create, run from dist/create.cjs without yargs, writes byte for byte the project the
 *   yargs path writes, and V8 accepts the code cache made for it;
 * - dist/create.cjs holds no yargs, prompts, yaml or docker; the yargs CLI's static imports reach
 *   none of the prompts, yaml or docker chunks; ejs is not shipped at all (templates are compiled at
 *   build time).
 */

import { execa } from 'execa';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir, ROOT, runCli, treeSnapshot } from '../helpers/cli.js';

const DIST = path.join(ROOT, 'dist');
const require = createRequire(import.meta.url);
const { precomputedAnswer } = require(path.join(DIST, 'precomputed.cjs')) as { precomputedAnswer: (argv: string[], columns: number | undefined) => string | undefined };
const precomputed = JSON.parse(fs.readFileSync(path.join(DIST, 'precomputed.json'), 'utf8')) as { commands: string[]; help: Record<string, Record<string, string>> };
const WIDTHS = Object.keys(precomputed.help).map(Number);
const NARROW = 60;

let work: string;
/** Preload giving stdout a terminal's `columns` (stdout is a pipe here). */
let columnsPreload: (columns: number) => string;
/** Runs argv through yargs only: dist/cli.js's main. */
let yargsRunner: string;

beforeAll(() => {
  work = makeTempDir('ctm-startup-');
  // Written once per width: rewriting the file while a parallel run requires it can hand that run an
  // empty preload, and so no terminal width at all.
  columnsPreload = (columns) => {
    const file = path.join(work, `columns-${columns}.cjs`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, `Object.defineProperty(process.stdout, 'columns', { value: ${columns}, configurable: true });\n`);
    return file;
  };
  yargsRunner = path.join(work, 'yargs-runner.mjs');
  fs.writeFileSync(yargsRunner, `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(DIST, 'cli.js')).href)});\nprocess.exitCode = await main(process.argv.slice(2));\n`);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Run {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

async function run(script: string, argv: string[], columns: number | undefined, env: Record<string, string> = {}): Promise<Run> {
  const preload = columns === undefined ? [] : ['-r', columnsPreload(columns)];
  const result = await execa(process.execPath, [...preload, script, ...argv], { cwd: work, reject: false, timeout: 30_000, stripFinalNewline: false, env: { NO_COLOR: '1', ...env } });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** At most `limit` promises at a time. */
async function inBatches<T>(tasks: (() => Promise<T>)[], limit = 4): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += limit) results.push(...(await Promise.all(tasks.slice(i, i + limit).map((task) => task()))));
  return results;
}

describe('answers given without yargs', () => {
  it('precomputes help for the CLI and every command yargs knows', async () => {
    const listed = await execa(process.execPath, ['--input-type=module', '-e', `const { buildCli } = await import(${JSON.stringify(pathToFileURL(path.join(DIST, 'cli.js')).href)}); console.log(JSON.stringify(buildCli([]).getInternalMethods().getCommandInstance().getCommands()));`], { timeout: 30_000 });
    const commands = (JSON.parse(listed.stdout) as string[]).filter((name) => name !== '$0');
    expect(precomputed.commands).toEqual(commands);
    expect(WIDTHS).toEqual([80, 100, 110]);
    for (const width of WIDTHS) expect(Object.keys(precomputed.help[width]!).sort()).toEqual(['', ...commands].sort());
  });

  it('prints exactly what yargs prints, at every width, for --help of the CLI and each command and for --version', async () => {
    const helpForms = [['--help'], ...precomputed.commands.map((command) => [command, '--help'])];
    const cases: { argv: string[]; columns: number | undefined; env?: Record<string, string> }[] = [
      ...[...helpForms, ['-h'], ...precomputed.commands.map((command) => [command, '-h']), ['--version'], ['-v']].map((argv) => ({ argv, columns: undefined })),
      ...helpForms.flatMap((argv) => [80, 110, NARROW].map((columns) => ({ argv, columns }))),
      { argv: ['--help'], columns: undefined, env: { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' } },
    ];
    const results = await inBatches(cases.map((c) => async () => ({ ...c, bin: await run(BIN, c.argv, c.columns, c.env), yargs: await run(yargsRunner, c.argv, c.columns, c.env) })));
    for (const { argv, columns, env, bin, yargs } of results) {
      const context = `${argv.join(' ')} at ${columns ?? 'no terminal'}${env ? ` ${JSON.stringify(env)}` : ''}`;
      expect(yargs.exitCode, context).toBe(0);
      expect(yargs.stdout.length, context).toBeGreaterThan(0);
      expect(bin, context).toEqual(yargs);
      // Answered without yargs where a width was precomputed; by yargs in a narrower terminal.
      const answered = precomputedAnswer(argv, columns);
      if (columns === NARROW) expect(answered, context).toBeUndefined();
      else expect(answered, context).toBe(yargs.stdout);
    }
  });

  it('answers --help and --version with nothing but bin/ and dist/precomputed.*', async () => {
    const pkg = path.join(work, 'bare');
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'bin'), path.join(pkg, 'bin'), { recursive: true });
    for (const file of ['precomputed.cjs', 'precomputed.json']) fs.copyFileSync(path.join(DIST, file), path.join(pkg, 'dist', file));
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ type: 'module' }));
    const bareBin = path.join(pkg, 'bin', path.basename(BIN));
    const help = await run(bareBin, ['--help'], undefined);
    expect(help).toEqual({ exitCode: 0, stdout: precomputed.help['100']![''], stderr: '' });
    const version = await run(bareBin, ['--version'], undefined);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toBe(`${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`);
    // Anything else needs the CLI itself, which is not there.
    expect((await run(bareBin, ['x', '--bogus'], undefined)).exitCode).toBe(1);
  });
});

describe('the simplest create, without yargs', () => {
  it('writes byte for byte the project the yargs path writes (--template sends the same run through yargs)', async () => {
    const fast = path.join(work, 'fast');
    const full = path.join(work, 'full');
    for (const dir of [fast, full]) fs.mkdirSync(dir);
    const shortcut = await runCli(['demo', '--yes'], { cwd: fast });
    const yargs = await runCli(['demo', '--yes', '--template', 'image-stub'], { cwd: full });
    expect([shortcut.exitCode, yargs.exitCode]).toEqual([0, 0]);
    expect(shortcut.stdout.replace('template=image-stub, ', '')).toBe(yargs.stdout);
    const written = treeSnapshot(fast);
    expect(Object.keys(written).length).toBeGreaterThan(20);
    expect(written).toEqual(treeSnapshot(full));
  });

  it('V8 accepts the code cache made for dist/create.cjs by this Node', () => {
    const { compileBundle } = require(path.join(DIST, 'precomputed.cjs')) as { compileBundle: (file: string, cachedData?: Buffer) => { cachedDataRejected?: boolean } };
    const script = compileBundle(path.join(DIST, 'create.cjs'), fs.readFileSync(path.join(DIST, 'create.cjs.cache')));
    expect(script.cachedDataRejected).toBe(false);
    // A cache for other code is refused, and the bundle still compiles.
    expect(compileBundle(path.join(DIST, 'create.cjs'), Buffer.from('not a code cache')).cachedDataRejected).toBe(true);
  });
});

describe('the bundle', () => {
  const chunks = fs.readdirSync(path.join(DIST, 'chunks')).filter((file) => file.endsWith('.js'));
  const read = (file: string) => fs.readFileSync(path.join(DIST, file), 'utf8');
  /** Files reached from `file` by static imports (what loading it loads). */
  function staticClosure(file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen;
    seen.add(file);
    for (const match of read(file).matchAll(/(?:^|[;}\s])import\s*(?:[^'"();]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
      staticClosure(path.posix.join(path.posix.dirname(file), match[1]!), seen);
    }
    return seen;
  }
  /** Reached from the entry by static or dynamic imports (dist/ may hold stale chunks of earlier builds). */
  function isCurrent(file: string): boolean {
    const reachable = new Set<string>();
    const visit = (f: string) => {
      if (reachable.has(f)) return;
      reachable.add(f);
      for (const imported of staticClosure(f)) visit(imported);
      for (const match of read(f).matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) visit(path.posix.join(path.posix.dirname(f), match[1]!));
    };
    visit('cli.js');
    return reachable.has(file);
  }
  /** The file of the yargs CLI holding a library, found by a string only that library contains. */
  function fileWith(marker: string): string {
    const current = ['cli.js', ...chunks.map((chunk) => `chunks/${chunk}`)].filter((file) => isCurrent(file) && read(file).includes(marker));
    expect(current, marker).toHaveLength(1);
    return current[0]!;
  }
  const HEAVY = { yargs: 'YARGS_MIN_NODE_VERSION', prompts: 'ExitPromptError', yaml: 'YAMLParseError', execa: 'ExecaError' };

  it('ships no ejs: the templates are compiled into the bundles at build time', () => {
    for (const file of ['create.cjs', 'cli.js', ...chunks.map((chunk) => `chunks/${chunk}`)].filter((f) => f.endsWith('.cjs') || isCurrent(f))) {
      expect(read(file).includes('Could not find matching close tag for'), file).toBe(false);
    }
    expect(read('create.cjs')).toContain('"image-stub/model.py.ejs"');
    expect(fileWith('"image-stub/model.py.ejs"')).toBeDefined();
  });

  it('the create bundle holds no yargs, prompts, yaml or docker; the yargs CLI loads the prompts, yaml and docker only when they are used', () => {
    for (const bundle of ['create.cjs', 'precomputed.cjs']) {
      for (const [name, marker] of Object.entries(HEAVY)) expect(read(bundle).includes(marker), `${name} in ${bundle}`).toBe(false);
    }
    const startup = staticClosure('cli.js');
    for (const name of ['prompts', 'yaml', 'execa'] as const) {
      const file = fileWith(HEAVY[name]);
      expect(startup.has(file), `${name} (${file}) is loaded at startup`).toBe(false);
    }
  });

  it('keeps the first file the bin loads small', () => {
    expect(fs.statSync(path.join(DIST, 'precomputed.cjs')).size).toBeLessThan(6_000);
  });
});
