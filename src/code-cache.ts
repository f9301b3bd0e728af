/**
 * Loading dist/create.cjs through V8's code cache. On Node >= 22.1 the bin turns on Node's own
 * compile cache (module.enableCompileCache) and a plain require() uses it. On Node 20 the bundle
 * is compiled with vm.Script and the cached data the build made (scripts/code-cache.cjs runs the
 * bundle once, then keeps what V8 compiled): V8 then skips parsing and compiling what the cache
 * holds. A cache V8 rejects (another Node, other flags) or cannot read is ignored: the bundle is
 * compiled as usual. node:vm and node:module are loaded only here, when the create path runs.
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type vmModule from 'node:vm';

type Vm = typeof vmModule;
const builtin = createRequire(import.meta.url);

/** The bundle compiled as Node compiles a CommonJS module (the same wrapper, so the cache made at build time fits). */
export function compileBundle(file: string, cachedData?: Buffer): vmModule.Script {
  const vm = builtin('node:vm') as Vm;
  const { wrap } = builtin('node:module') as { wrap: (source: string) => string };
  const dynamicImports = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  return new vm.Script(wrap(fs.readFileSync(file, 'utf8')), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    ...(dynamicImports ? { importModuleDynamically: dynamicImports } : {}),
  });
}

/** Run a compiled bundle as a module of its own; its exports. */
export function runBundle(script: vmModule.Script, file: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** require(file), through the code cache `<file>.cache` where Node has no compile cache of its own. */
export function requireWithCodeCache(file: string): Record<string, unknown> {
  const nodeModule = builtin('node:module') as { enableCompileCache?: unknown };
  if (typeof nodeModule.enableCompileCache === 'function') return createRequire(file)(file) as Record<string, unknown>;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined; // no cache: compiled as usual
  }
  return runBundle(compileBundle(file, cachedData), file);
}
