/**
 * How every command shows a path to the user: '.' for the current folder, relative to it as a user
 * would type it (`my-project`, `../sibling`), or absolute when that is shorter than climbing out
 * (`/tmp/x` rather than `../../../tmp/x`). Always '/'-separated, as it is pasted into a shell.
 */

import path from 'node:path';

export function shownPath(absolute: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, absolute);
  if (relative === '') return '.';
  const climbs = relative === '..' || relative.startsWith(`..${path.sep}`);
  const shown = path.isAbsolute(relative) || (climbs && absolute.length < relative.length) ? absolute : relative;
  return shown.split(path.sep).join('/');
}
