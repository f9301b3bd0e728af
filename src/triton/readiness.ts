/**
 * Waiting for Triton: poll GET /v2/health/ready and GET /v2/models/<m>/ready until every model is
 * ready, the time is up, or the caller says the container is gone. Each probe is bounded too.
 */

import { modelReady, serverReady } from './client.js';

export type ReadinessPhase =
  /** Nothing answers HTTP yet: the container is starting or Triton is still initialising. */
  | 'starting'
  /** Triton answers; some models are not ready (loading, or failed). */
  | 'loading'
  | 'ready';

export interface ReadinessState {
  phase: ReadinessPhase;
  ready: string[];
  notReady: string[];
}

export type ReadinessOutcome =
  | { ok: true; elapsedMs: number }
  | { ok: false; reason: 'timeout'; state: ReadinessState; elapsedMs: number }
  | { ok: false; reason: 'stopped'; state: ReadinessState; elapsedMs: number };

export interface ReadinessOptions {
  baseUrl: URL;
  models: string[];
  timeoutMs: number;
  intervalMs: number;
  /** Called when the phase or the set of ready models changes. */
  onProgress?: (state: ReadinessState) => void;
  /** True once waiting is pointless (the container exited). Checked between probes. */
  stopped?: () => boolean;
}

const PROBE_TIMEOUT_MS = 2_000;
/**
 * A probe is given at least this long even right before the deadline: one cut short by the deadline
 * would come back unanswered and turn "the model is still loading" into "Triton stopped answering".
 */
const MIN_PROBE_TIMEOUT_MS = 250;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitUntilReady(options: ReadinessOptions): Promise<ReadinessOutcome> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let state: ReadinessState = { phase: 'starting', ready: [], notReady: [...options.models] };
  let reported = '';
  const report = (next: ReadinessState) => {
    state = next;
    const key = JSON.stringify(next);
    if (key !== reported) {
      reported = key;
      options.onProgress?.(next);
    }
  };
  report(state);

  for (;;) {
    if (options.stopped?.()) return { ok: false, reason: 'stopped', state, elapsedMs: Date.now() - started };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { ok: false, reason: 'timeout', state, elapsedMs: Date.now() - started };
    const probeTimeout = Math.min(PROBE_TIMEOUT_MS, Math.max(MIN_PROBE_TIMEOUT_MS, remaining));

    const server = await serverReady(options.baseUrl, probeTimeout);
    if (server !== undefined) {
      const ready: string[] = [];
      const notReady: string[] = [];
      for (const model of options.models) {
        const code = await modelReady(options.baseUrl, model, probeTimeout);
        (code === 200 ? ready : notReady).push(model);
      }
      const allReady = server === 200 && notReady.length === 0;
      report({ phase: allReady ? 'ready' : 'loading', ready, notReady });
      if (allReady) return { ok: true, elapsedMs: Date.now() - started };
    } else if (state.phase !== 'starting') {
      // It answered before and no longer does: the server is going away.
      report({ phase: 'starting', ready: [], notReady: [...options.models] });
    }
    await sleep(Math.max(0, Math.min(options.intervalMs, deadline - Date.now())));
  }
}
