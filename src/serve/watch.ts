/**
 * --reload: which model folder changed. File events where the platform has them, else polling
 * every `pollMs` (modification time and size of every file). Changes are reported once per model
 * after `debounceMs` of quiet, so an editor's burst of writes means one reload. Bytecode,
 * __pycache__, hidden files and editor backups do not count.
 *
 * On Linux every folder of the repository is watched by itself (inotify on the folder), not each
 * file: Node 20's recursive fs.watch there watches files, and a file replaced by a rename (`mv new
 * model.py`, `sed -i`, vim's save, `git checkout`, formatters) is seen once and never again. A
 * folder's watch sees every create, write, rename and delete in it, whatever happens to its files;
 * folders that appear or go away are watched or dropped as the events come. macOS and Windows
 * have a native recursive watch, which sees renames.
 */

import fs from 'node:fs';
import path from 'node:path';

export interface WatchOptions {
  debounceMs: number;
  pollMs: number;
  /** Poll even where fs.watch works (tests of the fallback). */
  poll?: boolean;
}

export interface Watcher {
  /** 'watch' (fs.watch) or 'poll'. */
  mode: 'watch' | 'poll';
  close(): void;
}

/** Path segments of a change that is not a change of the model. */
export function ignoredChange(relative: string): boolean {
  const segments = relative.split(/[\\/]/);
  const base = segments.at(-1) ?? '';
  return (
    segments.some((segment) => segment === '__pycache__' || (segment.startsWith('.') && segment !== '.')) ||
    /\.(pyc|pyo|swp|swx|tmp)$/.test(base) ||
    base.endsWith('~') ||
    base === '4913' // vim's probe file
  );
}

function snapshot(dir: string, into: Map<string, string>, relative = ''): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = relative ? path.join(relative, entry.name) : entry.name;
    if (ignoredChange(child)) continue;
    if (isFolder(entry, dir, relative)) {
      into.set(child + path.sep, 'dir');
      snapshot(dir, into, child);
    } else {
      try {
        const stat = fs.statSync(path.join(dir, child));
        into.set(child, `${stat.mtimeMs}:${stat.size}`);
      } catch {
        // Gone meanwhile: the next poll sees it.
      }
    }
  }
}

const modelOf = (relative: string) => relative.split(/[\\/]/)[0] ?? '';

/**
 * A folder to look into: a folder, or at the top of the repository a symbolic link to one (a model
 * folder reached through a link is served, as Triton follows it; deeper links are not followed, so
 * a link that loops cannot make the walk endless).
 */
function isFolder(entry: fs.Dirent, root: string, relative: string): boolean {
  if (entry.isDirectory()) return true;
  if (relative !== '' || !entry.isSymbolicLink()) return false;
  try {
    return fs.statSync(path.join(root, entry.name)).isDirectory();
  } catch {
    return false; // a link that loops or points nowhere
  }
}

/** Every folder under `repository` (itself included) that can hold a change that counts. */
function folders(repository: string, into: string[] = [], relative = ''): string[] {
  into.push(relative);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(repository, relative), { withFileTypes: true });
  } catch {
    return into; // gone meanwhile
  }
  for (const entry of entries) {
    const child = relative ? path.join(relative, entry.name) : entry.name;
    if (isFolder(entry, repository, relative) && !ignoredChange(child)) folders(repository, into, child);
  }
  return into;
}

/** One non-recursive watch per folder, kept in step with the folders there are. Throws (and watches nothing) when the first ones cannot be set up. */
function watchFolders(repository: string, changed: (relative: string) => void): () => void {
  const watchers = new Map<string, fs.FSWatcher>();
  let pending: NodeJS.Timeout | undefined;
  let closed = false;
  const drop = (relative: string) => {
    watchers.get(relative)?.close();
    watchers.delete(relative);
  };
  const sync = (initial: boolean) => {
    pending = undefined;
    if (closed) return;
    const wanted = new Set(folders(repository));
    for (const relative of watchers.keys()) if (!wanted.has(relative)) drop(relative);
    for (const relative of wanted) {
      if (watchers.has(relative)) continue;
      let watcher: fs.FSWatcher;
      try {
        watcher = fs.watch(path.join(repository, relative), (event, filename) => {
          if (!filename) return;
          changed(relative ? path.join(relative, String(filename)) : String(filename));
          // A folder may have appeared or gone: bring the watches in step, once per burst.
          if (event === 'rename') pending ??= setTimeout(() => sync(false), 20);
        });
      } catch (error) {
        // At the start, any failure but a folder gone meanwhile (e.g. no inotify watches left) means polling instead.
        if (initial && (relative === '' || (error as NodeJS.ErrnoException).code !== 'ENOENT')) throw error;
        continue; // gone meanwhile: the next event brings the watches in step again
      }
      watcher.on('error', () => drop(relative));
      watchers.set(relative, watcher);
    }
  };
  const close = () => {
    closed = true;
    clearTimeout(pending);
    for (const relative of [...watchers.keys()]) drop(relative);
  };
  try {
    sync(true);
  } catch (error) {
    close();
    throw error;
  }
  return close;
}

export function watchRepository(repository: string, onChange: (model: string) => void, options: WatchOptions): Watcher {
  const timers = new Map<string, NodeJS.Timeout>();
  const changed = (relative: string) => {
    if (relative === '' || ignoredChange(relative)) return;
    const model = modelOf(relative);
    clearTimeout(timers.get(model));
    timers.set(
      model,
      setTimeout(() => {
        timers.delete(model);
        onChange(model);
      }, options.debounceMs),
    );
  };
  const clearTimers = () => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };

  try {
    if (options.poll) throw new Error('polling asked for');
    let stop: () => void;
    if (process.platform === 'linux') stop = watchFolders(repository, changed);
    else {
      const watcher = fs.watch(repository, { recursive: true }, (_event, filename) => {
        if (filename) changed(String(filename));
      });
      watcher.on('error', () => {
        // The repository folder itself went away: nothing left to watch.
      });
      stop = () => watcher.close();
    }
    return {
      mode: 'watch',
      close: () => {
        clearTimers();
        stop();
      },
    };
  } catch {
    // No file events here (or no more watches allowed): poll.
  }

  let previous = new Map<string, string>();
  snapshot(repository, previous);
  const interval = setInterval(() => {
    const current = new Map<string, string>();
    snapshot(repository, current);
    for (const [file, stamp] of current) if (previous.get(file) !== stamp) changed(file);
    for (const file of previous.keys()) if (!current.has(file)) changed(file);
    previous = current;
  }, options.pollMs);
  return {
    mode: 'poll',
    close: () => {
      clearTimers();
      clearInterval(interval);
    },
  };
}
