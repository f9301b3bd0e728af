/**
 * The only place that starts `docker`. Always through execa with an argument array and no shell:
 * nothing a user typed can become a shell word. Values go in `--flag=value` form where docker
 * allows it, so a value can never be read as another option.
 */

import { execa, execaSync, type ResultPromise } from 'execa';
import readline from 'node:readline';
import { shellQuote } from '../ui/shell.js';

export const DOCKER = 'docker';

export interface DockerResult {
  /** undefined when docker could not be started or was killed (see `notFound`, `timedOut`). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** There is no `docker` on PATH. */
  notFound: boolean;
  /** The system refused to run the `docker` file (not executable). */
  notExecutable: boolean;
  timedOut: boolean;
}

interface ExecaOutcome {
  exitCode?: number;
  stdout?: unknown;
  stderr?: unknown;
  code?: string;
  timedOut?: boolean;
}

function toResult(result: ExecaOutcome): DockerResult {
  return {
    exitCode: result.exitCode,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    notFound: result.code === 'ENOENT',
    notExecutable: result.code === 'EACCES',
    timedOut: Boolean(result.timedOut),
  };
}

const COMMON = { reject: false, stdin: 'ignore', windowsHide: true, stripFinalNewline: true } as const;

/** Run `docker <args>` to completion, output captured. */
export async function runDocker(args: readonly string[], timeoutMs: number): Promise<DockerResult> {
  return toResult(await execa(DOCKER, [...args], { ...COMMON, timeout: timeoutMs }));
}

/** The same, blocking: for signal handlers, which must finish their work before the process exits. */
export function runDockerSync(args: readonly string[], timeoutMs: number): DockerResult {
  return toResult(execaSync(DOCKER, [...args], { ...COMMON, timeout: timeoutMs }));
}

export interface StreamingDocker {
  /** Settles when docker exits, never rejects. */
  done: Promise<DockerResult>;
  kill(): void;
  pid: number | undefined;
}

/** Start `docker <args>` and hand each line of its stdout and stderr to `onLine` as it comes. */
export function streamDocker(args: readonly string[], onLine: (line: string, stream: 'stdout' | 'stderr') => void, timeoutMs?: number): StreamingDocker {
  const subprocess: ResultPromise = execa(DOCKER, [...args], {
    ...COMMON,
    buffer: false,
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
  });
  const closed: Promise<void>[] = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = subprocess[name];
    if (!stream) continue;
    const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => onLine(line, name));
    closed.push(new Promise((resolve) => lines.once('close', () => resolve())));
  }
  // Every line is handed over before `done` settles, so a caller that waits for it has the whole output.
  const done = subprocess.then(
    async (result) => {
      await Promise.all(closed);
      return toResult(result as ExecaOutcome);
    },
    async (error: unknown) => {
      await Promise.all(closed);
      return toResult(error as ExecaOutcome);
    },
  );
  return {
    done,
    kill: () => {
      subprocess.kill();
    },
    pid: subprocess.pid,
  };
}

/** The line of docker's stderr that says what went wrong (the first naming an error, else the first), for a one-line message. */
export function firstErrorLine(result: DockerResult): string {
  if (result.timedOut) return 'docker did not finish in time';
  const lines = result.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.find((l) => /error/i.test(l)) ?? lines[0] ?? `exit code ${result.exitCode ?? 'unknown'}`;
}

/** `docker <args>` as a person would type it, for showing what runs (never executed: no shell is involved). */
export function formatCommand(args: readonly string[]): string {
  return [DOCKER, ...args].map(shellQuote).join(' ');
}

/** The last `max` lines of a process's output, to show when it fails. */
export class LineTail {
  private readonly kept: string[] = [];
  constructor(private readonly max: number) {}

  push(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.max) this.kept.shift();
  }

  get lines(): readonly string[] {
    return this.kept;
  }
}
