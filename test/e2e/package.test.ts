/**
 * The package as a user gets it: `npm pack`, install that tarball into an empty project with an empty
 * npm cache and --offline (so nothing can come from the network or an earlier download: the package
 * must need nothing but itself), then `npx create-triton-model x --yes` there.
 */

import { execa, type Options } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, readText, ROOT, TEMPLATES } from '../helpers/cli.js';

const STEP_TIMEOUT = 90_000;
const pkg = JSON.parse(readText(ROOT, 'package.json')) as { name: string; version: string; bin: Record<string, string>; dependencies?: object };

let work: string;
let npmOptions: Options;
beforeAll(() => {
  work = makeTempDir('ctm-package-');
  for (const dir of ['pack', 'app', 'cache']) fs.mkdirSync(path.join(work, dir));
  fs.writeFileSync(path.join(work, 'npmrc'), '');
  // npm run by `npm test` passes its settings down as npm_config_* (its cache among them): drop them,
  // and the user's npmrc, so the install sees only what this test gives it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(config|package|lifecycle)_/i.test(key)));
  npmOptions = { env: { ...env, NO_COLOR: '1', CI: undefined, npm_config_userconfig: path.join(work, 'npmrc'), npm_config_update_notifier: 'false' }, extendEnv: false, timeout: STEP_TIMEOUT, reject: false, stdin: 'ignore' };
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  let tarball: string;
  let packed: string[];

  beforeAll(async () => {
    // --ignore-scripts: the suite has just built dist/ (`npm test` builds first); prepack's clean
    // rebuild would rewrite dist/ under the test files running beside this one.
    const result = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', path.join(work, 'pack')], { ...npmOptions, cwd: ROOT });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const [info] = JSON.parse(String(result.stdout)) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, 'pack', info!.filename);
    packed = info!.files.map((file) => file.path);
  }, STEP_TIMEOUT);

  it('holds what a user needs and nothing of the development tree', () => {
    expect(fs.existsSync(tarball)).toBe(true);
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'bin/create-triton-model.js', 'bin/package.json', 'dist/cli.js', 'dist/precomputed.cjs', 'dist/precomputed.json', 'templates/image-stub/assets/image.jpg', 'templates/shared/Dockerfile.ejs', 'schema/spec.schema.json']) {
      expect(packed, needed).toContain(needed);
    }
    expect(packed.some((file) => file.startsWith('dist/chunks/'))).toBe(true);
    const development = packed.filter((file) => /^(src|test|scripts|bench|node_modules|\.ci|\.git)\//.test(file) || /^(tsconfig\.json|vitest\..*|package-lock\.json)$/.test(file));
    expect(development).toEqual([]);
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('installs offline into an empty project with an empty cache, and `npx create-triton-model x --yes` writes the project', async () => {
    const app = path.join(work, 'app');
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const cache = ['--cache', path.join(work, 'cache'), '--offline'];

    const install = await execa('npm', ['install', tarball, ...cache, '--no-audit', '--no-fund'], { ...npmOptions, cwd: app });
    expect(install.exitCode, String(install.stderr)).toBe(0);
    // Zero runtime dependencies: the package is all that was installed.
    expect(fs.readdirSync(path.join(app, 'node_modules')).filter((entry) => !entry.startsWith('.'))).toEqual([pkg.name]);
    expect(fs.existsSync(path.join(app, 'node_modules/.bin/create-triton-model'))).toBe(true);

    const created = await execa('npx', [...cache, '--no', 'create-triton-model', 'x', '--yes'], { ...npmOptions, cwd: app });
    expect(created.exitCode, String(created.stderr)).toBe(0);
    expect(String(created.stdout)).toContain('Created model dumb_stub');
    const project = path.join(app, 'x');
    const tree = listTree(project);
    for (const file of ['Dockerfile', 'README.md', 'client.py', 'requirements.txt', 'constraints.txt', 'models/dumb_stub/1/assets/image.jpg', 'models/dumb_stub/config.pbtxt', 'models/dumb_stub/1/model.py']) {
      expect(tree, file).toContain(file);
    }
    expect(fs.readFileSync(path.join(project, 'models/dumb_stub/1/assets/image.jpg'))).toEqual(fs.readFileSync(path.join(TEMPLATES, 'image-stub/assets/image.jpg')));
    expect(readText(project, 'models/dumb_stub/config.pbtxt')).toContain('backend: "python"');
    // The next steps name the command as it was typed: npx here...
    expect(String(created.stdout)).toMatch(/^ {2}npx create-triton-model run +# build the image/m);
    // ...and the bin's name when it runs from PATH (installed globally, or `npm link`ed from a checkout).
    const pathEnv: Record<string, string> = { ...(npmOptions.env as Record<string, string>), PATH: `${path.join(app, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}` };
    delete pathEnv.npm_command;
    const onPath = await execa('create-triton-model', ['y', '--yes'], { ...npmOptions, env: pathEnv, cwd: app });
    expect(onPath.exitCode, String(onPath.stderr)).toBe(0);
    expect(String(onPath.stdout)).toMatch(/^ {2}cd y\n {2}create-triton-model run +# build the image/m);

    const version = await execa('npx', [...cache, '--no', 'create-triton-model', 'x', '--version'], { ...npmOptions, cwd: app });
    expect(String(version.stdout).trim()).toBe(pkg.version);
  }, 3 * STEP_TIMEOUT);
});
