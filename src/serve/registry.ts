/**
 * The models serve has loaded, version by version, with Triton's states (LOADING, READY,
 * UNAVAILABLE) and the reason a version is not ready. Requests find their version here with
 * Triton's rules and messages: an unknown model is 400, an unknown version 404, a model with no
 * ready version 503; without a version the highest ready one answers. A model being (re)loaded
 * holds its requests until the load is over. BLS requests from model.py are routed here too.
 */

import { withTritonDefaults } from '../pbtxt/json.js';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { TritonError } from './errors.js';
import { serveLog } from './log.js';
import { prepareRequest, signatureOf, type InferRequest, type ModelSignature } from './request.js';
import { readModelSource, type ModelSource } from './repository.js';
import { ModelWorker, type BlsCall, type ModelResponse } from './worker.js';

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

export class ModelRegistry {
  private readonly models = new Map<string, ModelEntry>();

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
    if (!entry) throw new TritonError('INVALID_ARG', `Request for unknown model: '${name}' is not found`);
    if (version !== undefined) {
      // Triton reads the URL's version as an integer: /versions/01 is version 1.
      const number = String(Number(version));
      const found = entry.versions.get(number);
      if (!found) throw new TritonError('NOT_FOUND', `Request for unknown model: '${name}' version ${number} is not found`);
      if (found.state !== 'READY') throw new TritonError('UNAVAILABLE', `Request for unknown model: '${name}' version ${number} is not at ready state`);
      return found;
    }
    const ready = [...entry.versions.values()].filter((v) => v.state === 'READY').sort(byVersionDescending)[0];
    if (!ready) throw new TritonError('UNAVAILABLE', `Request for unknown model: '${name}' has no available versions`);
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
    await Promise.all(source.versions.map((version) => this.startVersion(entry, source, version)));
  }

  private async startVersion(entry: ModelEntry, source: ModelSource, version: string): Promise<void> {
    const modelVersion: ModelVersion = { model: entry.name, version, state: 'LOADING', reason: '' };
    entry.versions.set(version, modelVersion);
    serveLog.info(`loading: ${entry.name}:${version}`);
    const worker: ModelWorker = new ModelWorker({
      python: this.options.python,
      script: this.options.workerScript,
      fakeDir: this.options.fakeDir,
      cwd: this.options.projectDir,
      model: entry.name,
      version,
      onBls: (call): Promise<ModelResponse[]> => this.bls(call, worker),
      onIsReady: (model, wanted) => this.isVersionReady(model, wanted),
      onCrash: (reason) => {
        modelVersion.state = 'UNAVAILABLE';
        modelVersion.reason = reason;
        serveLog.error(`${entry.name}:${version} is no longer available: ${reason}`);
      },
    });
    modelVersion.worker = worker;
    worker.start();
    const sent = source.config as PbJsonObject;
    const result = await worker.load(source.dir, version, sent);
    if (!result.ok) {
      const extra = this.options.explainLoadError?.(entry.name, result.error);
      modelVersion.state = 'UNAVAILABLE';
      modelVersion.reason = extra ? `${result.error}: ${extra}` : result.error;
      serveLog.error(`failed to load '${entry.name}' version ${version}: ${modelVersion.reason}${result.traceback ? `\n${result.traceback.trimEnd()}` : ''}`);
      await worker.finalize(this.options.finalizeTimeoutMs);
      return;
    }
    // auto_complete_config may have changed the config: normalise what the model returned, as Triton does.
    const config = JSON.stringify(result.config) === JSON.stringify(sent) ? sent : withTritonDefaults(result.config, { modelName: entry.name });
    modelVersion.config = config;
    modelVersion.signature = signatureOf(config);
    if (modelVersion.state === 'LOADING') {
      modelVersion.state = 'READY';
      serveLog.info(`successfully loaded '${entry.name}' version ${version}`);
    }
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
        const worker = modelVersion.worker;
        if (!worker?.alive) return; // never loaded, or already gone
        const deadline = Date.now() + this.options.drainTimeoutMs;
        while (worker.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        modelVersion.state = 'UNAVAILABLE';
        modelVersion.reason = 'unloaded';
        const problem = await worker.finalize(this.options.finalizeTimeoutMs);
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
    const entries = [...this.models.values()];
    this.models.clear();
    const problems = await Promise.all(entries.map((entry) => this.stop(entry)));
    return problems.flat();
  }

  /** Kill every model process now (a second Ctrl-C). */
  killAll(): void {
    for (const entry of this.models.values()) for (const v of entry.versions.values()) v.worker?.kill();
  }

  /** A BLS request from model.py: checked like any request, run on the called model, every response returned. */
  private async bls(call: BlsCall, caller: ModelWorker): Promise<ModelResponse[]> {
    const target = await this.resolve(call.model, call.version === '' ? undefined : call.version);
    const signature = target.signature as ModelSignature;
    if (target.worker === caller) {
      throw new TritonError('UNSUPPORTED', `serve runs one instance of each model: '${call.model}' cannot run a BLS request on itself while it executes`);
    }
    if (signature.decoupled && !call.decoupled) {
      throw new TritonError('INVALID_ARG', `model '${call.model}' is decoupled: use exec(decoupled=True) to receive its responses`);
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
    await (target.worker as ModelWorker).execute(prepared, (response) => responses.push(response)).done;
    return responses;
  }
}
