/** How paths and the CLI's own name are shown in what it prints (one function each, used by every command). */

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invokedAs } from '../../src/ui/invocation.js';
import { shownPath } from '../../src/ui/paths.js';

describe('shownPath', () => {
  it('"." for the current folder, relative inside it, as typed', () => {
    expect(shownPath('/home/u/work', '/home/u/work')).toBe('.');
    expect(shownPath('/home/u/work/my-project', '/home/u/work')).toBe('my-project');
    expect(shownPath('/home/u/work/a/b', '/home/u/work')).toBe('a/b');
  });

  it('relative outside it while that is shorter (../sibling), absolute beyond', () => {
    expect(shownPath('/home/u/sibling', '/home/u/work')).toBe('../sibling');
    expect(shownPath('/home/u', '/home/u/work')).toBe('..');
    expect(shownPath('/tmp/x', '/home/u/work/deep')).toBe('/tmp/x');
    expect(shownPath('/', '/home/u')).toBe('/');
  });
});

describe('invokedAs: the command to print for the next steps', () => {
  const BIN = '/opt/checkout/bin/create-triton-model.js';

  it('npx (or npm exec): npx create-triton-model', () => {
    expect(invokedAs('/w', { argv: ['/usr/bin/node', '/home/u/.npm/_npx/1a2b/node_modules/.bin/create-triton-model'], env: { npm_command: 'exec' } })).toBe('npx create-triton-model');
  });

  it('from PATH (installed, npm link, an npm script): the bin name', () => {
    expect(invokedAs('/w', { argv: ['/usr/bin/node', '/usr/local/bin/create-triton-model'], env: {} })).toBe('create-triton-model');
    expect(invokedAs('/w', { argv: ['/usr/bin/node', '/w/node_modules/.bin/create-triton-model'], env: { npm_command: 'run-script' } })).toBe('create-triton-model');
  });

  it('node path/to/bin/create-triton-model.js: that, with the path shown from where the commands run', () => {
    expect(invokedAs('/opt/checkout', { argv: ['/usr/bin/node', BIN], env: {} })).toBe('node bin/create-triton-model.js');
    expect(invokedAs('/opt/work', { argv: ['/usr/bin/node', BIN], env: {} })).toBe('node ../checkout/bin/create-triton-model.js');
    expect(invokedAs('/home/u/a/b/c/d', { argv: ['/usr/bin/node', BIN], env: {} })).toBe(`node ${BIN}`);
    // Even when npx's environment leaked into it (a test runner started by npx): what ran is what is shown.
    expect(invokedAs('/opt/checkout', { argv: ['/usr/bin/node', BIN], env: { npm_command: 'exec' } })).toBe('node bin/create-triton-model.js');
    // A path a shell would split is quoted.
    expect(invokedAs('/', { argv: ['/usr/bin/node', path.join('/my tools', 'bin/create-triton-model.js')], env: {} })).toBe("node 'my tools/bin/create-triton-model.js'");
  });
});
