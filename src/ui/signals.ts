/**
 * SIGINT/SIGTERM for every command: run the cleanups registered by whoever owns something to undo
 * (the writer's staging folder, a docker build, a container) and exit 130/143. withSignalsHeld
 * holds a signal back while work that must not be cut in two runs (the writer moving a staged
 * project into place), and acts on it afterwards.
 */

import { EXIT } from './errors.js';

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let holding = 0;
let pendingSignal: NodeJS.Signals | undefined;
let installed = false;

function exitFor(signal: NodeJS.Signals): never {
  process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
}

function runCleanups(): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is exiting; a cleanup that fails must not hide the others.
    }
  }
  cleanups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  if (holding > 0) {
    pendingSignal = signal;
    return;
  }
  runCleanups();
  exitFor(signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** From now on SIGINT/SIGTERM run the registered cleanups and exit 130/143 (instead of Node's default of dying silently). */
export function exitOnSignals(): void {
  install();
}

/** Register a synchronous cleanup to run if a signal arrives; returns its unregister function. */
export function onInterrupt(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Run `work` with signals held back; a signal that arrived meanwhile is acted on afterwards. */
export async function withSignalsHeld<T>(work: () => Promise<T>): Promise<T> {
  install();
  holding++;
  try {
    return await work();
  } finally {
    holding--;
    if (holding === 0 && pendingSignal) {
      const signal = pendingSignal;
      pendingSignal = undefined;
      runCleanups();
      exitFor(signal);
    }
  }
}
