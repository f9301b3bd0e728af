/** Where templates/ is: beside dist/ in the package, beside src/ in a checkout. */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function templatesDir(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'templates');
    if (fs.existsSync(path.join(candidate, 'shared'))) return (cached = candidate);
    dir = path.dirname(dir);
  }
  throw new Error('templates/ folder not found next to the package');
}
