/**
 * serve as a whole: the model repository on a local HTTP server that speaks Triton's API, each
 * model version in a Python process of its own. Order: find the repository (src/repository/) ->
 * choose the Python -> check it can import numpy and each model's imports -> load every model ->
 * listen -> (--reload: watch) -> on SIGINT/SIGTERM finalize all. commands/serve.ts parses the
 * flags and calls serveRepository().
 */

import fs from 'node:fs';
import path from 'node:path';
import { readRepository } from '../repository/read.js';
import { EXIT, showValue, UserError } from '../ui/errors.js';
import { shownPath } from '../ui/paths.js';
import { serveFiles } from './files.js';
import { createHttpServer } from './http.js';
import { SERVE_LIMITS } from './limits.js';
import { serveLog, setVerbose } from './log.js';
import { locateRepository, modelFiles, modelSource, readModelSource, type RepositoryLocation } from './model-source.js';
import { choosePython, describeMissing, installAdvice, numpyMismatch, pipNameOf, runPreflight, type PreflightReport, type PythonChoice } from './python.js';
import { ModelRegistry } from './registry.js';
import { watchRepository, type Watcher } from './watch.js';

export interface ServeOptions {
  /** `[project-or-models-dir]` as given; the current folder when undefined. */
  directory?: string;
  port: number;
  host: string;
  /** --python: used when the project has no .venv. */
  python?: string;
  maxInputSize: number;
  reload: boolean;
  logVerbose: boolean;
}
/** A reload or shutdown waits this long for requests in flight before finalizing. */
const DRAIN_TIMEOUT_MS = 30_000;
const FINALIZE_TIMEOUT_MS = 30_000;

/** Modules each model cannot import, as the reason it is not loaded, with how to install them. */
function blockedModels(report: PreflightReport, choice: PythonChoice, location: RepositoryLocation, cwd: string): Map<string, string> {
  const blocked = new Map<string, string>();
  for (const [model, missing] of Object.entries(report.missing)) {
    const packages = [...new Set(missing.map((entry) => pipNameOf(entry.module)))];
    const advice = installAdvice(choice, location.projectDir, cwd, packages).join('; ');
    blocked.set(model, `${report.executable} cannot import ${describeMissing(missing, cwd)}; ${advice}`);
  }
  return blocked;
}

/** A reason short enough for the table (the log line above it has all of it). */
function shortReason(reason: string): string {
  const first = (reason.split('\n')[0] ?? '').split('; ')[0] ?? '';
  return first.length > 80 ? `${first.slice(0, 79)}…` : first;
}

/** The model table Triton prints after loading: one row per version, READY or why not. */
function printTable(registry: ModelRegistry): void {
  const rows = registry.list().map((row) => [row.name, row.version ?? '-', row.state === 'READY' ? 'READY' : `${row.state}: ${shortReason(row.reason)}`]);
  const header = ['Model', 'Version', 'Status'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const format = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  process.stdout.write([line, format(header), line, ...rows.map(format), line].join('\n') + '\n');
}

function listen(server: ReturnType<typeof createHttpServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const problem =
        error.code === 'EADDRINUSE'
          ? 'is already in use (another server? pick another with --port, or --port 0 for any free one)'
          : error.code === 'EACCES'
            ? 'needs administrator rights (ports below 1024): pick another with --port'
            : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
              ? `cannot be used: ${showValue(host)} is not an address of this machine (--host)`
              : `cannot be used (${error.code ?? error.message})`;
      reject(new UserError(`--port ${port} on ${host} ${problem}`));
    });
    server.listen({ port, host }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Serve until SIGINT/SIGTERM; throws a UserError when nothing can be served. */
export async function serveRepository(options: ServeOptions): Promise<void> {
  const cwd = process.cwd();
  const { port, host, maxInputSize } = options;
  setVerbose(options.logVerbose);
  const location = locateRepository(options.directory, cwd);
  const files = serveFiles();
  const choice = choosePython(location.projectDir, options.python);

  // What the reader found that Triton would not load, one line each; the rest is served.
  const snapshot = readRepository(location.repository);
  const notServed = (name: string, problem: string, consequence: string) => serveLog.warn(`${shownPath(path.join(location.repository, name), cwd)}: ${problem}: not served (${consequence})`);
  for (const link of snapshot.brokenLinks) notServed(link.name, link.problem, 'Triton would fail to poll the model repository and load none of its models');
  for (const hidden of snapshot.models.filter((model) => model.hidden)) notServed(hidden.name, 'a hidden folder', 'Triton tries to load it as a model and fails: move it out of the repository');
  const sources = snapshot.models.filter((model) => !model.hidden).map(modelSource);
  const folders = sources.map((source) => source.name);
  const report = await runPreflight(
    choice,
    files.preflight,
    sources.filter((source) => !source.error).map((source) => ({ name: source.name, files: modelFiles(source) })),
  );
  if (report.numpy === null) {
    const advice = installAdvice(choice, location.projectDir, cwd, ['numpy']).map((line) => `\n  ${line}`).join('');
    throw new UserError(`${report.executable} cannot import numpy, which every Python-backend model needs (${report.numpy_error ?? 'not installed'})${advice}`);
  }
  process.stdout.write(`serve: models from ${shownPath(location.repository, cwd)}\n`);
  process.stdout.write(`serve: Python ${report.python} at ${report.executable} (${choice.source}), numpy ${report.numpy}\n`);
  const numpyWarning = numpyMismatch(report.numpy, location.projectDir);
  if (numpyWarning) serveLog.warn(numpyWarning);

  const blocked = blockedModels(report, choice, location, cwd);
  if (blocked.size === folders.length && !options.reload) {
    const lines = [...blocked.entries()].map(([model, reason]) => `\n  ${model}: ${reason}`).join('');
    throw new UserError(`no model can be loaded:${lines}`);
  }

  const registry = new ModelRegistry({
    repository: location.repository,
    projectDir: location.projectDir,
    python: choice.python,
    workerScript: files.worker,
    fakeDir: files.fakeDir,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    finalizeTimeoutMs: FINALIZE_TIMEOUT_MS,
    explainLoadError: (_model, error) => {
      const module = /No module named '([^'.]+)/.exec(error)?.[1];
      return module ? installAdvice(choice, location.projectDir, cwd, [pipNameOf(module)]).join('; ') : undefined;
    },
  });

  const server = createHttpServer({ registry, maxInputSize });
  let watcher: Watcher | undefined;
  let stopping: Promise<string[]> | undefined;
  let onStopped: (problems: string[]) => void = () => undefined;
  const stopped = new Promise<string[]>((resolve) => (onStopped = resolve));

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Second signal: no more waiting.
      registry.killAll();
      process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
    }
    serveLog.info(`${signal} received: no new requests; finalizing the models (again to kill them now)`);
    watcher?.close();
    server.close();
    server.closeIdleConnections();
    stopping = registry.shutdown().then((problems) => {
      server.closeAllConnections();
      return problems;
    });
    void stopping.then(onStopped);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    await Promise.all(folders.map((folder) => registry.load(folder, blocked.get(folder))));
    if (stopping) return finish(await stopped);
    printTable(registry);
    if (!registry.hasReadyModel() && !options.reload) {
      await registry.shutdown();
      throw new UserError('no model could be loaded (see the errors above); --reload keeps serving and retries when you fix them');
    }
    const actualPort = await listen(server, port, host).catch(async (error: unknown) => {
      await registry.shutdown();
      throw error;
    });
    const shownHost = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(`serve: listening on http://${shownHost}:${actualPort} (KServe v2 HTTP with Triton's extensions; Ctrl-C to stop)\n`);
    process.stdout.write(`serve: ${SERVE_LIMITS}\n`);
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      serveLog.warn(`--host ${host}: the models answer anyone who can reach this machine on port ${actualPort} (serve has no authentication)`);
    }
    if (options.reload) {
      watcher = watchRepository(location.repository, (model) => void reload(model), { debounceMs: 250, pollMs: 1000 });
      serveLog.info(`--reload: watching ${shownPath(location.repository, cwd)} (${watcher.mode === 'watch' ? 'file events' : 'polling every second'})`);
    }
    finish(await stopped);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }

  async function reload(model: string): Promise<void> {
    if (stopping) return;
    if (model.startsWith('.') || !fs.statSync(path.join(location.repository, model), { throwIfNoEntry: false })?.isDirectory()) {
      await registry.remove(model);
      return;
    }
    serveLog.info(`${model}: changed, reloading`);
    const source = readModelSource(location.repository, model);
    let reason: string | undefined;
    if (!source.error) {
      const check = await runPreflight(choice, files.preflight, [{ name: model, files: modelFiles(source) }]).catch(() => undefined);
      if (check) reason = blockedModels(check, choice, location, cwd).get(model);
    }
    await registry.load(model, reason);
    if (!stopping) printTable(registry);
  }
}

function finish(problems: string[]): void {
  if (problems.length > 0) throw new UserError(`stopped, but finalize failed: ${problems.join('; ')}`);
  process.stdout.write('serve: stopped (every model finalized)\n');
}
