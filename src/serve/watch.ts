/**
 * --reload: which model folder changed. fs.watch (recursive) where the platform has it, else
 * polling every `pollMs` (modification time and size of every file). Changes are reported once per
 * model after `debounceMs` of quiet, so an editor's burst of writes means one reload. Bytecode,
 * __pycache__, hidden files and editor backups do not count.
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
    if (entry.isDirectory()) {
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
    const watcher = fs.watch(repository, { recursive: true }, (_event, filename) => {
      if (filename) changed(String(filename));
    });
    watcher.on('error', () => {
      // The repository folder itself went away: nothing left to watch.
    });
    return {
      mode: 'watch',
      close: () => {
        clearTimers();
        watcher.close();
      },
    };
  } catch {
    // No recursive fs.watch on this platform: poll.
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
