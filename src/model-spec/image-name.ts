/** Docker image names derived from a project folder name. */

import path from 'node:path';

/**
 * A valid image name for a project folder: lower case, runs of other characters turned
 * into `-`, separators trimmed (docker's rule: [a-z0-9]+ joined by `.`, `_`, `__` or `-`).
 */
export function imageNameFor(projectDir: string): string {
  const base = path.basename(path.resolve(projectDir)).toLowerCase();
  const cleaned = base
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, (run) => (run === '__' ? run : '-'))
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 128)
    .replace(/[._-]+$/g, '');
  return cleaned || 'triton-model';
}
