/**
 * Folder entries as Triton sees them: through symbolic links (it stats every entry), a link that
 * cannot be followed told apart from anything else that is not a file or a folder.
 */

import fs from 'node:fs';
import path from 'node:path';

export interface DirEntry {
  name: string;
  /** What stat(2) says, through links; 'other' also for a link that cannot be followed. */
  kind: 'file' | 'dir' | 'other';
}

function kindOf(fullPath: string): DirEntry['kind'] {
  try {
    const stat = fs.statSync(fullPath);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'other'; // a dangling or looping link
  }
}

/** A file system error in a few words: `permission denied`, `not found`, or the error's own message. */
export function describeFsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'not found';
  return (error as Error).message;
}

/** The entries of `dir`, sorted by name. Throws what readdir throws. */
export function listDir(dir: string): DirEntry[] {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => ({ name, kind: kindOf(path.join(dir, name)) }));
}

export function readText(file: string, maxBytes: number): string {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw new Error(`larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
  return fs.readFileSync(file, 'utf8');
}

/** Where `fullPath` points when it is a symbolic link, as written in the link; undefined for anything else. */
export function linkTarget(fullPath: string): string | undefined {
  try {
    return fs.readlinkSync(fullPath);
  } catch {
    return undefined;
  }
}

/**
 * Why `fullPath`, a symbolic link, cannot be followed: it loops, or points nowhere. Undefined when it
 * can be followed, or is no link.
 */
export function brokenLink(fullPath: string): string | undefined {
  const target = linkTarget(fullPath);
  if (target === undefined) return undefined;
  try {
    fs.statSync(fullPath);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return `a symbolic link that loops (to ${target}, which leads back to itself)`;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `a symbolic link to ${target}, which does not exist`;
    return `a symbolic link to ${target} that cannot be followed (${describeFsProblem(error)})`;
  }
}

/**
 * Links in a model repository that Triton cannot follow. Triton stats every entry of the repository
 * and a failed stat fails the whole poll ("failed to poll model repository ... failed to stat file"):
 * none of its models load.
 */
export function brokenLinks(root: string, entries: DirEntry[] = listDir(root)): { name: string; problem: string }[] {
  return entries.flatMap((entry) => {
    const problem = entry.kind === 'other' ? brokenLink(path.join(root, entry.name)) : undefined;
    return problem ? [{ name: entry.name, problem }] : [];
  });
}
