/** Docker image names: the reference grammar, and the name derived from a project folder. */

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

/** Docker's image reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest]. */
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export const IMAGE_REFERENCE_ALLOWED = 'lower-case name[:tag], e.g. my-project or registry.example.com/team/model:1.0';

/** Whether `raw` is an image reference docker and Kubernetes accept (no control characters, at most 255 characters). */
export function isImageReference(raw: string): boolean {
  return raw.length <= 255 && !/[\u0000-\u001f\u007f]/.test(raw) && REFERENCE.test(raw);
}
