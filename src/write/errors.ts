/** File system errors in the words a user reads. */

const FS_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder is in the way of a file',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return FS_PROBLEMS[code] ?? ((error as Error).message || String(error));
}
