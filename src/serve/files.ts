/**
 * The files serve runs in Python, which must exist on disk: templates/serve/worker.py (the process
 * of one model version), templates/serve/preflight.py (the import check), and the in-process fake
 * of triton_python_backend_utils that generated projects test with. They ship in the package's
 * templates/ folder, beside the package.json that names the package. This module runs from dist/
 * (or dist/chunks/) in the package and from src/serve/ in a checkout: the nearest package.json
 * above it is the package's own, so the search never looks outside the package.
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'create-triton-model';
/** dist/chunks/x.js and src/serve/x.ts are two folders below the root. */
const MAX_LEVELS = 3;

let cached: string | undefined;

export function packageTemplates(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i <= MAX_LEVELS; i++) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name !== PACKAGE_NAME) break;
      return (cached = path.join(dir, 'templates'));
    }
    dir = path.dirname(dir);
  }
  throw new Error(`templates/ not found: no package.json of ${PACKAGE_NAME} above ${path.dirname(fileURLToPath(import.meta.url))}`);
}

export function serveFiles(): { worker: string; preflight: string; fakeDir: string } {
  const templates = packageTemplates();
  return {
    worker: path.join(templates, 'serve', 'worker.py'),
    preflight: path.join(templates, 'serve', 'preflight.py'),
    fakeDir: path.join(templates, 'shared', 'tests', 'triton_fake'),
  };
}
