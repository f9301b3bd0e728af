/**
 * Progress of a long step (a docker build, waiting for Triton): on a terminal one spinner line with
 * the elapsed time, redrawn in place; elsewhere (CI logs, pipes) one plain line per change of state,
 * so logs stay readable.
 */

import { color, isTerminalFd } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export class Progress {
  private readonly interactive: boolean;
  private text = '';
  private startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;

  private readonly stream: NodeJS.WriteStream = process.stdout;

  constructor() {
    this.interactive = isTerminalFd(1) && process.env.TERM !== 'dumb';
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  start(text: string): void {
    this.startedAt = Date.now();
    this.text = text;
    if (!this.interactive) {
      this.stream.write(`${text}…\n`);
      return;
    }
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
    this.draw();
  }

  /** A new state of the same step. */
  update(text: string): void {
    if (text === this.text) return;
    this.text = text;
    if (this.interactive) this.draw();
    else this.stream.write(`  ${text} (${formatDuration(this.elapsedMs)})\n`);
  }

  /** A line printed above the spinner (docker's output in verbose mode). */
  log(line: string): void {
    if (this.interactive && this.timer) this.stream.write('\r\u001b[K');
    this.stream.write(line + '\n');
    if (this.interactive && this.timer) this.draw();
  }

  succeed(text: string): void {
    this.stop();
    this.stream.write(`${color.green('✔')} ${text} ${color.dim(`(${formatDuration(this.elapsedMs)})`)}\n`);
  }

  /** Stop without a verdict; the caller prints what happened. */
  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.stream.write('\r\u001b[K');
    }
  }

  private draw(): void {
    const spinner = color.cyan(FRAMES[this.frame++ % FRAMES.length] as string);
    this.stream.write(`\r\u001b[K${spinner} ${this.text} ${color.dim(formatDuration(this.elapsedMs))}`);
  }
}
