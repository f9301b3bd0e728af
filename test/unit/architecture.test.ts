/**
 * The layout holds: every import under src/ (static, dynamic, type-only) is read, and
 *  - no folder imports one its line in src/README.md ("Architecture") does not allow,
 *  - there is no cycle between folders, nor between files,
 *  - render/ never imports the file system,
 *  - no file is over 400 lines unless the allow-list below says why.
 * A module at the top of src/ (main.ts, cli.ts, ...) is a layer of its own, named after the file.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const SRC = path.join(ROOT, 'src');
const MAX_LINES = 400;
/** Files over MAX_LINES that do one job, with why they stay whole. */
const LONG_FILES_ALLOWED: Record<string, string> = {};

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [path.relative(SRC, full).split(path.sep).join('/')] : [];
  });
}

/** The modules `file` imports (relative specifiers only: packages and node: built-ins are not layers), as paths under src/. */
function importsOf(file: string, text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1] as string);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

const layerOf = (file: string) => (file.includes('/') ? (file.split('/')[0] as string) : file.replace(/\.ts$/, ''));

/** The arrows block of src/README.md: layer -> the layers it may import. */
function allowedArrows(): Map<string, Set<string>> {
  const readme = fs.readFileSync(path.join(SRC, 'README.md'), 'utf8');
  const block = /```arrows\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('src/README.md has no ```arrows block');
  const arrows = new Map<string, Set<string>>();
  for (const line of block.split('\n').filter((l) => l.trim() !== '')) {
    const [layer, targets = ''] = line.split('->').map((part) => part.trim());
    arrows.set(layer as string, new Set(targets.split(',').map((t) => t.trim()).filter((t) => t !== '')));
  }
  return arrows;
}

/** Every cycle's members (strongly connected components with more than one node, or a node importing itself). */
function cycles(nodes: string[], edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges.get(node)?.has(node)) found.push(component.sort());
    }
  };
  for (const node of nodes) if (!indexOf.has(node)) visit(node);
  return found;
}

const files = sourceFiles();
const texts = new Map(files.map((file) => [file, fs.readFileSync(path.join(SRC, file), 'utf8')]));
const imports: Import[] = files.flatMap((file) => importsOf(file, texts.get(file)!).map((to) => ({ from: file, to })));

describe('the import boundaries of src/README.md', () => {
  it('reads the imports it checks (a control: the parser finds static, type-only and dynamic imports)', () => {
    const sample = "import a from './a.js';\nimport type { B } from '../b/b.js';\nexport { c } from './c.js';\nconst d = await import('../d/d.js');\nimport fs from 'node:fs';";
    expect(importsOf('x/file.ts', sample)).toEqual(['x/a.ts', 'b/b.ts', 'x/c.ts', 'd/d.ts']);
    expect(imports.length).toBeGreaterThan(200);
    for (const { to } of imports) expect(texts.has(to), `${to} exists`).toBe(true);
  });

  it('every import between folders is an allowed arrow', () => {
    const arrows = allowedArrows();
    const layers = new Set(files.map(layerOf));
    expect([...layers].filter((layer) => !arrows.has(layer)), 'layers missing from the arrows block').toEqual([]);
    const forbidden = imports
      .filter(({ from, to }) => layerOf(from) !== layerOf(to) && !arrows.get(layerOf(from))?.has(layerOf(to)))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(forbidden).toEqual([]);
  });

  it('no cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const { from, to } of imports) {
      if (layerOf(from) === layerOf(to)) continue;
      if (!edges.has(layerOf(from))) edges.set(layerOf(from), new Set());
      edges.get(layerOf(from))!.add(layerOf(to));
    }
    expect(cycles([...new Set(files.map(layerOf))], edges)).toEqual([]);
  });

  it('no cycle between files', () => {
    const edges = new Map<string, Set<string>>();
    for (const { from, to } of imports) {
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
    expect(cycles(files, edges)).toEqual([]);
  });

  it('the cycle check finds a cycle (a control)', () => {
    const edges = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cycles(['a', 'b', 'c', 'd'], edges)).toEqual([['a', 'b', 'c']]);
  });

  it('render/ reads no file: no fs import anywhere under it', () => {
    const fsImports = files
      .filter((file) => file.startsWith('render/'))
      .filter((file) => /(?:from\s+|import\(\s*)['"](?:node:)?(?:fs|fs\/promises|fs-extra)['"]/.test(texts.get(file)!));
    expect(fsImports).toEqual([]);
    expect(files.filter((file) => file.startsWith('render/')).length).toBeGreaterThan(3);
  });

  it(`no file over ${MAX_LINES} lines but those allowed, with why`, () => {
    const long = files.filter((file) => texts.get(file)!.split('\n').length > MAX_LINES && !(file in LONG_FILES_ALLOWED));
    expect(long).toEqual([]);
  });
});
