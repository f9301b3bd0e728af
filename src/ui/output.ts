/** Human-facing output: colors only on a terminal (and never with NO_COLOR), one place for the wording of status lines. */

const colorEnabled = (stream: NodeJS.WriteStream) =>
  Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';

const paint = (open: number, close: number) => (text: string, stream: NodeJS.WriteStream = process.stdout) =>
  colorEnabled(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const color = {
  bold: paint(1, 22),
  dim: paint(2, 22),
  red: paint(31, 39),
  green: paint(32, 39),
  yellow: paint(33, 39),
  cyan: paint(36, 39),
};

/** Where human messages go: stdout normally, stderr when stdout carries JSON for a script. */
export class Reporter {
  constructor(private readonly jsonMode: boolean) {}

  get stream(): NodeJS.WriteStream {
    return this.jsonMode ? process.stderr : process.stdout;
  }

  line(text = ''): void {
    this.stream.write(text + '\n');
  }

  success(text: string): void {
    this.line(`${color.green('✔', this.stream)} ${text}`);
  }

  note(text: string): void {
    this.line(color.dim(text, this.stream));
  }

  warn(text: string): void {
    process.stderr.write(`${color.yellow('warning:', process.stderr)} ${text}\n`);
  }
}

export function printError(message: string): void {
  process.stderr.write(`${color.red('error:', process.stderr)} ${message}\n`);
}

/** Commands to paste, one a line and indented, each followed by why after a `#`, the comments aligned. */
export function commandLines(commands: readonly (readonly [command: string, why?: string])[]): string[] {
  const width = Math.max(...commands.filter(([, why]) => why).map(([command]) => command.length));
  return commands.map(([command, why]) => (why ? `  ${command.padEnd(width)}  # ${why}` : `  ${command}`));
}
