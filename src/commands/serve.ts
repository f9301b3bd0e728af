/**
 * `create-triton-model serve [project-or-models-dir]`: the model repository on a local HTTP server
 * that speaks Triton's API (src/serve/), each model version in a Python process of its own.
 * Order: find the repository -> choose the Python -> check it can import numpy and each model's
 * imports -> load every model -> listen -> (--reload: watch) -> on SIGINT/SIGTERM finalize all.
 */

import fs from 'node:fs';
import path from 'node:path';
import { templatesDir } from '../render/templates-dir.js';
import { parseInteger } from '../model-spec/fields.js';
import { sourced } from '../model-spec/from-flags.js';
import { createHttpServer, DEFAULT_MAX_INPUT_SIZE } from '../serve/http.js';
import { serveLog, setVerbose } from '../serve/log.js';
import { choosePython, describeMissing, installAdvice, numpyMismatch, pipNameOf, runPreflight, type PreflightReport, type PythonChoice } from '../serve/python.js';
import { ModelRegistry } from '../serve/registry.js';
import { locateRepository, modelFiles, modelFolders, readModelSource, type RepositoryLocation } from '../serve/repository.js';
import { watchRepository, type Watcher } from '../serve/watch.js';
import { EXIT, showValue, UserError } from '../ui/errors.js';
import { brokenLinks } from '../validate/repository.js';
import { shownPath } from '../ui/paths.js';
import { SERVE_LIMITS } from './serve.command.js';

export interface ServeArgs {
  directory?: string;
  port?: string;
  host?: string;
  python?: string;
  httpMaxInputSize?: string;
  reload: boolean;
  logVerbose: boolean;
}

const DEFAULT_PORT = 8000;
const DEFAULT_HOST = '127.0.0.1';
/** A reload or shutdown waits this long for requests in flight before finalizing. */
const DRAIN_TIMEOUT_MS = 30_000;
const FINALIZE_TIMEOUT_MS = 30_000;

const parsePort = (raw: unknown) => parseInteger(raw, 0, 65535, 'an integer from 0 to 65535 (0 picks a free port)');
const parseMaxInputSize = (raw: unknown) => parseInteger(raw, 1, Number.MAX_SAFE_INTEGER, `a number of bytes greater than 0 (default ${DEFAULT_MAX_INPUT_SIZE}, 64 MiB)`);

function serveFiles() {
  const templates = templatesDir();
  return {
    worker: path.join(templates, 'serve', 'worker.py'),
    preflight: path.join(templates, 'serve', 'preflight.py'),
    fakeDir: path.join(templates, 'shared', 'tests', 'triton_fake'),
  };
}

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

export async function serveCommand(args: ServeArgs): Promise<void> {
  const cwd = process.cwd();
  setVerbose(args.logVerbose);
  const port = args.port === undefined ? DEFAULT_PORT : sourced('--port', args.port, parsePort).value;
  const host = args.host ?? DEFAULT_HOST;
  const maxInputSize = args.httpMaxInputSize === undefined ? DEFAULT_MAX_INPUT_SIZE : sourced('--http-max-input-size', args.httpMaxInputSize, parseMaxInputSize).value;
  if (host.trim() === '') throw new UserError(`--host ${showValue(host)}: must be an address to listen on (e.g. 127.0.0.1, or 0.0.0.0 for every interface)`);
  const location = locateRepository(args.directory, cwd);
  const files = serveFiles();
  const choice = choosePython(location.projectDir, args.python);

  // Triton would fail to read the whole repository on a link it cannot follow: say so, and serve the rest.
  for (const link of brokenLinks(location.repository)) {
    serveLog.warn(`${shownPath(path.join(location.repository, link.name), cwd)}: ${link.problem}: not served (Triton would fail to poll the model repository and load none of its models)`);
  }
  const folders = modelFolders(location.repository);
  const sources = folders.map((folder) => readModelSource(location.repository, folder));
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
  if (blocked.size === folders.length && !args.reload) {
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
    if (!registry.hasReadyModel() && !args.reload) {
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
    if (args.reload) {
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
    if (!fs.existsSync(path.join(location.repository, model, 'config.pbtxt'))) {
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
