/**
 * Human-facing output: colors only on a terminal (and never with NO_COLOR), one place for the wording
 * of status lines, and stdout itself. When stdout is not a terminal (a pipe, a file, CI) text goes
 * straight to file descriptor 1 with write(2): creating `process.stdout` costs a few milliseconds on
 * every run, and a short command (create) can hold its output and write it once at the end
 * (holdStdout). Writes stay in order with `process.stdout`'s own, which is synchronous for files and
 * pipes on POSIX.
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';

type Fd = 0 | 1 | 2;

const isTerminal = new Map<Fd, boolean>();
let devNull: fs.Stats | undefined;

/**
 * Whether fd 0, 1 or 2 is a terminal, asked of the fd (process.stdout.isTTY would create the stream).
 * Only a character device can be one, and /dev/null, where output goes when nobody reads it, is not:
 * node:tty, which loads node:net (about 1.5 MB and a millisecond a run), is asked only about the others.
 */
export function isTerminalFd(fd: Fd): boolean {
  let known = isTerminal.get(fd);
  if (known === undefined) {
    known = false;
    try {
      const stat = fs.fstatSync(fd);
      devNull ??= process.platform === 'win32' ? undefined : fs.statSync('/dev/null');
      const isDevNull = devNull !== undefined && stat.rdev === devNull.rdev && stat.ino === devNull.ino;
      known = stat.isCharacterDevice() && !isDevNull && (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
    } catch {
      known = false; // a closed descriptor
    }
    isTerminal.set(fd, known);
  }
  return known;
}

const colorEnabled = (fd: Fd) => isTerminalFd(fd) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';

const paint = (open: number, close: number) => (text: string, fd: Fd = 1) => (colorEnabled(fd) ? `\u001b[${open}m${text}\u001b[${close}m` : text);

export const color = {
  bold: paint(1, 22),
  dim: paint(2, 22),
  red: paint(31, 39),
  green: paint(32, 39),
  yellow: paint(33, 39),
  cyan: paint(36, 39),
};

let held: string[] | undefined;

/** Descriptors whose reader is gone (EPIPE): what was meant for them is dropped, as `cmd | head` expects. */
const readerGone = new Set<Fd>();

/** write(2) all of `text` to `fd`, waiting out a non-blocking pipe that is full (EAGAIN) for at most 10 s. */
function writeAll(fd: Fd, text: string): void {
  let data = Buffer.from(text, 'utf8');
  const deadline = Date.now() + 10_000;
  while (data.length > 0 && !readerGone.has(fd)) {
    try {
      data = data.subarray(fs.writeSync(fd, data));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        readerGone.add(fd);
        return;
      }
      if (code !== 'EAGAIN' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** Text for stdout: through process.stdout on a terminal, else straight to fd 1 (or held, see holdStdout). */
export function writeStdout(text: string): void {
  if (isTerminalFd(1)) process.stdout.write(text);
  else if (held) held.push(text);
  else writeAll(1, text);
}

/** Hold what goes to stdout (when it is not a terminal) until flushStdout, or the process's exit, writes it at once. */
export function holdStdout(): void {
  if (held || isTerminalFd(1)) return;
  held = [];
  process.once('exit', flushStdout);
}

export function flushStdout(): void {
  if (!held) return;
  const text = held.join('');
  held = undefined;
  if (text !== '') writeAll(1, text);
}

/** Where human messages go: stdout normally, stderr when stdout carries JSON for a script. */
export class Reporter {
  constructor(private readonly jsonMode: boolean) {}

  private get fd(): Fd {
    return this.jsonMode ? 2 : 1;
  }

  line(text = ''): void {
    if (this.jsonMode) process.stderr.write(text + '\n');
    else writeStdout(text + '\n');
  }

  success(text: string): void {
    this.line(`${color.green('✔', this.fd)} ${text}`);
  }

  note(text: string): void {
    this.line(color.dim(text, this.fd));
  }

  warn(text: string): void {
    process.stderr.write(`${color.yellow('warning:', 2)} ${text}\n`);
  }
}

export function printError(message: string): void {
  process.stderr.write(`${color.red('error:', 2)} ${message}\n`);
}

/** Commands to paste, one a line and indented, each followed by why after a `#`, the comments aligned. */
export function commandLines(commands: readonly (readonly [command: string, why?: string])[]): string[] {
  const width = Math.max(...commands.filter(([, why]) => why).map(([command]) => command.length));
  return commands.map(([command, why]) => (why ? `  ${command.padEnd(width)}  # ${why}` : `  ${command}`));
}
