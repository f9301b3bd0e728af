/**
 * The models serve has loaded, version by version, with Triton's states (LOADING, READY,
 * UNAVAILABLE) and the reason a version is not ready. Requests find their version here with
 * Triton's rules and messages (ModelLifeCycle::GetModel): an unknown model, an unknown version and a
 * model with no ready version are 404, a version not ready 503; without a version the highest ready
 * one answers. A model being (re)loaded
 * holds its requests until the load is over. BLS requests from model.py are routed here too.
 *
 * A version whose process dies (os._exit, a segfault, a kill) stays READY, as in Triton 2.51.0,
 * whose Python backend keeps such a model READY and answers each later request 500 "Stub process
 * '<instance>' is not healthy." for good (its restart was removed in 24.10; 24.05 and earlier
 * restarted the stub). serve does what those earlier releases did: the next request starts the
 * process again, loading the model as before, with a log line.
 */

import { withTritonDefaults } from '../pbtxt/json.js';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { TritonError } from './errors.js';
import { serveLog } from './log.js';
import { prepareRequest, signatureOf, type InferRequest, type ModelSignature, type PreparedRequest } from './request.js';
import { asArray, asObject } from '../pbtxt/json.js';
import { runEnsemble, unavailableSteps, type EnsembleStep } from './ensemble.js';
import { readModelSource, type ModelSource } from './model-source.js';
import { ModelWorker, RESPONSE_COMPLETE_FINAL, type BlsCall, type LoadResult, type ModelResponse } from './worker.js';

export type VersionState = 'LOADING' | 'READY' | 'UNAVAILABLE';

export interface ModelVersion {
  model: string;
  version: string;
  state: VersionState;
  reason: string;
  worker?: ModelWorker;
  /** The normalised config after auto_complete_config: what /config serves and requests are checked against. */
  config?: PbJsonObject;
  signature?: ModelSignature;
  /** Set while a process that died is started again: requests wait for it. */
  restarting?: Promise<void>;
  /** An ensemble's steps: it has no process, requests run through its steps' (./ensemble.ts). */
  ensemble?: EnsembleStep[];
  /** Each output's labels (label_filename), for the classification extension. */
  labels: Record<string, string[]>;
}

/** A running request: `done` settles after its final response; `cancel` says its client is gone. */
export interface Running {
  done: Promise<void>;
  cancel: () => void;
}

interface ModelEntry {
  name: string;
  source?: ModelSource;
  versions: Map<string, ModelVersion>;
  /** Why no version could be started (config, imports). */
  error?: string;
  /** Set while the model (re)loads: requests wait for it. */
  loading?: Promise<void>;
}

export interface RegistryOptions {
  repository: string;
  projectDir: string;
  python: string;
  workerScript: string;
  fakeDir: string;
  /** How long a reload waits for requests in flight before finalizing the old version. */
  drainTimeoutMs: number;
  finalizeTimeoutMs: number;
  /** Extra words for a load error (e.g. how to install a missing module). */
  explainLoadError?: (model: string, error: string) => string | undefined;
}

export interface RepositoryRow {
  name: string;
  /** Absent when the model has no version to load (its config cannot be read, say). */
  version?: string;
  state: VersionState;
  reason: string;
}

const byVersionDescending = (a: ModelVersion, b: ModelVersion) => Number(b.version) - Number(a.version);

/** Triton's instance name: the first instance group's name (the model's, or `<model>_0` when unnamed), then `_0`. */
export function instanceNameOf(config: PbJsonObject | undefined, model: string): string {
  const group = asObject(asArray(config?.instance_group)[0]);
  return `${typeof group.name === 'string' && group.name !== '' ? group.name : model}_0`;
}

export class ModelRegistry {
  private readonly models = new Map<string, ModelEntry>();
  /** Every process started and not yet known to be gone, wherever its model is in its life: what a second Ctrl-C kills. */
  private readonly workers = new Set<ModelWorker>();
  private closing = false;

  constructor(private readonly options: RegistryOptions) {}

  names(): string[] {
    return [...this.models.keys()].sort();
  }

  /** Every version of every model, for the status table and /v2/repository/index. */
  list(): RepositoryRow[] {
    return this.names().flatMap((name): RepositoryRow[] => {
      const entry = this.models.get(name) as ModelEntry;
      if (entry.versions.size === 0) return [{ name, state: entry.loading ? 'LOADING' : 'UNAVAILABLE', reason: entry.error ?? '' }];
      return [...entry.versions.values()].sort((a, b) => Number(a.version) - Number(b.version)).map((v) => ({ name, version: v.version, state: v.state, reason: v.reason }));
    });
  }

  /** Triton's strict readiness: every model ready. */
  allReady(): boolean {
    return this.list().every((row) => row.state === 'READY');
  }

  hasReadyModel(): boolean {
    return this.list().some((row) => row.state === 'READY');
  }

  /** The version a request names (or the highest ready one), with Triton's error when there is none. */
  async resolve(name: string, version: string | undefined, wait = true): Promise<ModelVersion> {
    let entry = this.models.get(name);
    if (wait) {
      while (entry?.loading) {
        await entry.loading;
        entry = this.models.get(name);
      }
    }
    if (!entry) throw new TritonError('NOT_FOUND', `Request for unknown model: '${name}' is not found`);
    if (version !== undefined) {
      // Triton reads the URL's version as an integer: /versions/01 is version 1.
      const number = /^\d+$/.test(version) ? BigInt(version).toString() : version;
      const found = entry.versions.get(number);
      if (!found) throw new TritonError('NOT_FOUND', `Request for unknown model: '${name}' version ${number} is not found`);
      if (found.state !== 'READY') throw new TritonError('UNAVAILABLE', `Request for unknown model: '${name}' version ${number} is not at ready state`);
      return found;
    }
    const ready = [...entry.versions.values()].filter((v) => v.state === 'READY').sort(byVersionDescending)[0];
    if (!ready) throw new TritonError('NOT_FOUND', `Request for unknown model: '${name}' has no available versions`);
    return ready;
  }

  /** Load (or reload) models/<name>: the old version's requests finish, it is finalized, the new one loads. */
  async load(name: string, blockedReason?: string): Promise<void> {
    const previous = this.models.get(name);
    const entry: ModelEntry = { name, versions: new Map() };
    this.models.set(name, entry);
    const loading = (async () => {
      if (previous) {
        // A reload that started earlier finishes first: never two processes of one version.
        while (previous.loading) await previous.loading.catch(() => undefined);
        await this.stop(previous);
      }
      await this.start(entry, blockedReason);
    })();
    entry.loading = loading;
    try {
      await loading;
    } finally {
      entry.loading = undefined;
    }
  }

  /** models/<name> is gone: finalize it and forget it. */
  async remove(name: string): Promise<void> {
    const entry = this.models.get(name);
    if (!entry) return;
    this.models.delete(name);
    while (entry.loading) await entry.loading.catch(() => undefined);
    await this.stop(entry);
    serveLog.info(`${name}: removed (its folder is gone)`);
  }

  private async start(entry: ModelEntry, blockedReason: string | undefined): Promise<void> {
    const source = readModelSource(this.options.repository, entry.name);
    entry.source = source;
    if (source.error || blockedReason) {
      entry.error = source.error ?? blockedReason;
      serveLog.error(`failed to load '${entry.name}': ${entry.error}`);
      return;
    }
    for (const note of source.notes) serveLog.warn(`${entry.name}: ${note}`);
    if (source.ensemble) return this.startEnsemble(entry, source, source.ensemble);
    await Promise.all(source.versions.map((version) => this.startVersion(entry, source, version)));
  }

  /** An ensemble loads once its steps have, as in Triton, and is not available when one of them is not (Triton's message). */
  private async startEnsemble(entry: ModelEntry, source: ModelSource, steps: EnsembleStep[]): Promise<void> {
    const config = source.config as PbJsonObject;
    const versions = source.versions.map((version): ModelVersion => ({ model: entry.name, version, state: 'LOADING', reason: '', config, signature: signatureOf(config), ensemble: steps, labels: source.labels }));
    for (const version of versions) {
      entry.versions.set(version.version, version);
      serveLog.info(`loading: ${entry.name}:${version.version}`);
    }
    const missing = await unavailableSteps(entry.name, steps, (model) => {
      const step = this.models.get(model);
      return step && { loading: () => step.loading, isEnsemble: Boolean(step.source?.ensemble), usable: () => [...step.versions.values()].some((version) => version.state === 'READY' || version.ensemble) };
    });
    for (const version of versions) {
      version.state = missing.length === 0 ? 'READY' : 'UNAVAILABLE';
      version.reason = missing.length === 0 ? '' : `ensemble ${entry.name} contains models that are not available or ambiguous: ${missing.join(', ')}`;
      if (missing.length === 0) serveLog.info(`successfully loaded '${entry.name}' version ${version.version}`);
      else serveLog.error(`failed to load '${entry.name}' version ${version.version}: ${version.reason}`);
    }
  }

  private async startVersion(entry: ModelEntry, source: ModelSource, version: string): Promise<void> {
    const modelVersion: ModelVersion = { model: entry.name, version, state: 'LOADING', reason: '', labels: source.labels };
    entry.versions.set(version, modelVersion);
    serveLog.info(`loading: ${entry.name}:${version}`);
    const result = await this.startWorker(entry, source, modelVersion);
    if (!result.ok) {
      const extra = this.options.explainLoadError?.(entry.name, result.error);
      modelVersion.state = 'UNAVAILABLE';
      // The reason in Triton's words (the repository index shows it): the stub's error as an INTERNAL status.
      modelVersion.reason = `Internal: ${result.tritonError}`;
      serveLog.error(`failed to load '${entry.name}' version ${version}: ${extra ? `${result.error}: ${extra}` : result.error}${result.traceback ? `\n${result.traceback.trimEnd()}` : ''}`);
      return;
    }
    // auto_complete_config may have changed the config: normalise what the model returned, as Triton does.
    const sent = source.config as PbJsonObject;
    const config = JSON.stringify(result.config) === JSON.stringify(sent) ? sent : withTritonDefaults(result.config, { modelName: entry.name });
    modelVersion.config = config;
    modelVersion.signature = signatureOf(config);
    if (modelVersion.state === 'LOADING') {
      modelVersion.state = 'READY';
      serveLog.info(`successfully loaded '${entry.name}' version ${version}`);
    }
  }

  /** A process for the version, loaded (auto_complete_config, initialize); finalized again when the load fails. */
  private async startWorker(entry: ModelEntry, source: ModelSource, modelVersion: ModelVersion): Promise<LoadResult> {
    const { version } = modelVersion;
    const worker: ModelWorker = new ModelWorker({
      python: this.options.python,
      script: this.options.workerScript,
      fakeDir: this.options.fakeDir,
      cwd: this.options.projectDir,
      model: entry.name,
      version,
      instanceName: instanceNameOf(source.config, entry.name),
      onBls: (call): Promise<ModelResponse[]> => this.bls(call, worker),
      onIsReady: (model, wanted) => this.isVersionReady(model, wanted),
      onCrash: (reason) => {
        this.workers.delete(worker);
        if (modelVersion.worker !== worker || modelVersion.state !== 'READY') return;
        serveLog.error(`${entry.name}:${version}: ${reason}; it will be started again on the next request`);
      },
    });
    this.workers.add(worker);
    modelVersion.worker = worker;
    worker.start();
    const result = await worker.load(source.dir, version, source.config as PbJsonObject);
    if (!result.ok) {
      await worker.finalize(this.options.finalizeTimeoutMs);
      this.workers.delete(worker);
    }
    return result;
  }

  /**
   * Run a checked request on the version's process, starting that process again first if it died
   * (requests arriving meanwhile wait for the same restart).
   */
  async run(modelVersion: ModelVersion, request: PreparedRequest, onResponse: (response: ModelResponse) => void): Promise<Running> {
    if (modelVersion.ensemble) return this.runEnsemble(modelVersion, modelVersion.ensemble, request, onResponse);
    const worker = modelVersion.worker as ModelWorker;
    if (worker.alive || this.closing || modelVersion.state !== 'READY') return worker.execute(request, onResponse);
    modelVersion.restarting ??= this.restart(modelVersion, worker.ended ?? '').finally(() => {
      modelVersion.restarting = undefined;
    });
    await modelVersion.restarting;
    const current = modelVersion.worker as ModelWorker;
    if (current.alive) return current.execute(request, onResponse);
    onResponse({ present: true, flags: RESPONSE_COMPLETE_FINAL, outputs: [], parameters: {}, error: new TritonError('INTERNAL', `Failed to restart the stub process: ${modelVersion.reason}`) });
    return { done: Promise.resolve(), cancel: () => undefined };
  }

  /** A request through an ensemble's steps, each run on its model as a request of its own; cancelling stops at the step running. */
  private async runEnsemble(modelVersion: ModelVersion, steps: EnsembleStep[], request: PreparedRequest, onResponse: (response: ModelResponse) => void): Promise<Running> {
    let current: Running | undefined;
    let cancelled = false;
    const runStep = async (step: EnsembleStep, stepRequest: PreparedRequest): Promise<ModelResponse> => {
      if (cancelled) throw new TritonError('CANCELLED', 'Request was cancelled');
      const target = await this.resolve(step.model, step.version);
      const responses: ModelResponse[] = [];
      const prepared = prepareRequest({ ...stepRequest, outputs: stepRequest.requested.map((name) => ({ name })), binaryByDefault: true }, target.signature as ModelSignature);
      current = await this.run(target, prepared, (response) => responses.push(response));
      await current.done;
      return responses.find((response) => response.present) ?? { present: true, flags: RESPONSE_COMPLETE_FINAL, outputs: [], parameters: {}, error: new TritonError('INTERNAL', `model '${step.model}' sent no response`) };
    };
    const done = runEnsemble(modelVersion.model, steps, request, runStep).then(onResponse);
    return {
      done,
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  }

  private async restart(modelVersion: ModelVersion, why: string): Promise<void> {
    const entry = this.models.get(modelVersion.model);
    if (!entry?.source || !entry.versions.has(modelVersion.version)) return;
    serveLog.warn(`restarting '${modelVersion.model}' version ${modelVersion.version}: ${why}`);
    const result = await this.startWorker(entry, entry.source, modelVersion);
    if (result.ok) {
      serveLog.info(`successfully restarted '${modelVersion.model}' version ${modelVersion.version}`);
      return;
    }
    modelVersion.state = 'UNAVAILABLE';
    modelVersion.reason = `Internal: ${result.tritonError}`;
    serveLog.error(`failed to restart '${modelVersion.model}' version ${modelVersion.version}: ${result.error}${result.traceback ? `\n${result.traceback.trimEnd()}` : ''}`);
  }

  private isVersionReady(model: string, version: string): boolean {
    const entry = this.models.get(model);
    if (!entry || entry.loading) return false;
    if (version !== '' && version !== '-1') return entry.versions.get(version)?.state === 'READY';
    return [...entry.versions.values()].some((v) => v.state === 'READY');
  }

  /** Let the requests in flight finish (bounded), then finalize every version of the model. */
  private async stop(entry: ModelEntry): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(
      [...entry.versions.values()].map(async (modelVersion) => {
        while (modelVersion.restarting) await modelVersion.restarting;
        const worker = modelVersion.worker;
        if (!worker?.alive) return; // never loaded, or already gone
        const deadline = Date.now() + this.options.drainTimeoutMs;
        while (worker.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        modelVersion.state = 'UNAVAILABLE';
        modelVersion.reason = 'unloaded';
        const problem = await worker.finalize(this.options.finalizeTimeoutMs);
        this.workers.delete(worker);
        if (problem) {
          problems.push(`${entry.name}:${modelVersion.version}: ${problem}`);
          serveLog.error(`finalize of '${entry.name}' version ${modelVersion.version} failed: ${problem}`);
        } else serveLog.info(`successfully unloaded '${entry.name}' version ${modelVersion.version}`);
      }),
    );
    return problems;
  }

  /** Finalize every model (each waits for its requests in flight, bounded). Returns what went wrong. */
  async shutdown(): Promise<string[]> {
    this.closing = true;
    const entries = [...this.models.values()];
    this.models.clear();
    const problems = await Promise.all(entries.map((entry) => this.stop(entry)));
    return problems.flat();
  }

  /** Kill every model process now (a second Ctrl-C), whether its model is loading, serving or finalizing. */
  killAll(): void {
    this.closing = true;
    for (const worker of this.workers) worker.kill();
  }

  /** A BLS request from model.py: checked like any request, run on the called model, every response returned. */
  private async bls(call: BlsCall, caller: ModelWorker): Promise<ModelResponse[]> {
    let target: ModelVersion;
    try {
      target = await this.resolve(call.model, call.version === '' || call.version === '-1' ? undefined : call.version);
    } catch (error) {
      if (!(error instanceof TritonError)) throw error;
      // The Python backend asks whether the model is ready first (RequestExecutor::Infer), in these words.
      throw new TritonError('INTERNAL', `Model ${call.model} - Error when running inference: Failed for execute the inference request. Model '${call.model}' is not ready.`);
    }
    const signature = target.signature as ModelSignature;
    if (target.worker === caller) {
      throw new TritonError('UNSUPPORTED', `serve runs one instance of each model: '${call.model}' cannot run a BLS request on itself while it executes`);
    }
    if (signature.decoupled && !call.decoupled) {
      // Triton 2.51.0's words for it (python_backend's request executor), as an error response.
      throw new TritonError(
        'INVALID_ARG',
        `Model ${call.model} - Error when running inference: Model ${call.model} is using the decoupled. The current BLS request call doesn't support models using the decoupled transaction policy. Please use 'decoupled=True' argument to the 'exec' or 'async_exec' calls for decoupled models.'`,
      );
    }
    const request: InferRequest = {
      id: call.request.id,
      parameters: call.request.parameters,
      inputs: call.request.inputs,
      outputs: call.request.requested.map((name) => ({ name })),
      binaryByDefault: true,
      correlationId: call.request.correlationId,
      flags: call.request.flags,
      timeoutMicroseconds: call.request.timeoutMicroseconds,
    };
    const prepared = prepareRequest(request, signature);
    const responses: ModelResponse[] = [];
    await (await this.run(target, prepared, (response) => responses.push(response))).done;
    return responses;
  }
}
