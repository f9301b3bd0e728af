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
