/**
 * Log lines in Triton's format: `I0519 17:52:28.154831 <pid> <source>] <message>`, the first letter
 * the level (I info, W warning, E error, V verbose). Info and verbose go to stdout, warnings and
 * errors to stderr. Verbose lines (pb_utils.Logger.log_verbose) show only with --log-verbose, as
 * Triton shows them only with --log-verbose=1.
 */

export type LogLevel = 'I' | 'W' | 'E' | 'V';

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

let verbose = false;

export function setVerbose(enabled: boolean): void {
  verbose = enabled;
}

/** MMDD HH:MM:SS.uuuuuu, local time, as Triton prints it. */
export function timestamp(epochMs = performance.timeOrigin + performance.now()): string {
  const date = new Date(Math.floor(epochMs));
  const microseconds = Math.floor((((epochMs % 1000) + 1000) % 1000) * 1000);
  return `${pad(date.getMonth() + 1)}${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(microseconds, 6)}`;
}

export function formatLog(level: LogLevel, source: string, message: string, pid = process.pid): string {
  return `${level}${timestamp()} ${pid} ${source}] ${message}`;
}

export function log(level: LogLevel, source: string, message: string, pid?: number): void {
  if (level === 'V' && !verbose) return;
  const line = `${formatLog(level, source, message, pid)}\n`;
  (level === 'W' || level === 'E' ? process.stderr : process.stdout).write(line);
}

/** Lines of serve itself. */
export const serveLog = {
  info: (message: string) => log('I', 'serve', message),
  warn: (message: string) => log('W', 'serve', message),
  error: (message: string) => log('E', 'serve', message),
  verbose: (message: string) => log('V', 'serve', message),
};

/** pb_utils.Logger levels (the fake's level names) -> the letter Triton prints. */
export function levelOf(name: unknown): LogLevel {
  switch (name) {
    case 'WARNING':
      return 'W';
    case 'ERROR':
      return 'E';
    case 'VERBOSE':
      return 'V';
    default:
      return 'I';
  }
}

/** Longest line of a model's stdout/stderr serve prints whole; a longer one is cut there. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * What a model prints, as whole lines, in time linear in its size: each chunk is scanned once, and
 * a line is held only up to `maxChars` (a longer one is printed cut, with a note, and the rest of
 * it dropped). A carriage return starts the line over, as a terminal shows it: a progress bar that
 * redraws itself with `\r` (tqdm) costs one line when it ends, not megabytes of redraws.
 */
export class LineSplitter {
  private parts: string[] = [];
  private length = 0;
  /** The current line was already printed cut: drop the rest of it. */
  private cut = false;
  /** The last chunk ended with `\r`: the next one says whether that was `\r\n` or a redraw. */
  private carriage = false;

  constructor(
    private readonly emit: (lines: string) => void,
    private readonly maxChars = MAX_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    let out = '';
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      out += this.append(chunk.slice(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) break;
      out += this.endLine();
      start = newline + 1;
    }
    if (out) this.emit(out);
  }

  /** The stream ended: an unfinished line is still a line. */
  end(): void {
    const out = this.length > 0 && !this.cut ? this.endLine() : '';
    this.reset();
    if (out) this.emit(out);
  }

  /** Text with no newline; returns what must be printed now (a line that grew too long). */
  private append(text: string): string {
    if (text.length === 0) return '';
    if (this.carriage) this.reset();
    const carriage = text.endsWith('\r');
    if (carriage) text = text.slice(0, -1);
    const redraw = text.lastIndexOf('\r');
    if (redraw !== -1) {
      this.reset();
      text = text.slice(redraw + 1);
    }
    this.carriage = carriage;
    if (this.cut) return '';
    if (this.length + text.length <= this.maxChars) {
      this.parts.push(text);
      this.length += text.length;
      return '';
    }
    this.parts.push(text.slice(0, this.maxChars - this.length));
    const line = `${this.parts.join('')} [... cut: the line is longer than ${this.maxChars} characters]\n`;
    this.parts = [];
    this.length = 0;
    this.cut = true;
    return line;
  }

  private endLine(): string {
    const line = this.cut ? '' : `${this.parts.join('')}\n`;
    this.reset();
    return line;
  }

  private reset(): void {
    this.parts = [];
    this.length = 0;
    this.cut = false;
    this.carriage = false;
  }
}
