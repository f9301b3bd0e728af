/**
 * One model version in its own Python process (templates/serve/worker.py), as Triton runs one stub
 * process per model instance: a model that crashes, hangs in initialize or is reloaded leaves the
 * others alone. The process gets its requests and sends its responses, logs and BLS calls over a
 * socket of its own (ipc.ts); what the model prints on stdout/stderr is passed through line by line.
 *
 * The instance ends once: the process exited and its channel closed (so the last frames it sent,
 * such as `finalized`, are read first), or the channel carried something that is not a frame, or
 * closed while the process lives on. The last two kill the process (and what it started: it leads
 * a process group of its own), whatever signals it ignores. Requests in flight then get Triton's
 * 500 for a stub that died, and the registry starts the model again on the next request.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { codeOfNumber, TRITON_ERROR_CODES, TritonError } from './errors.js';
import { encodeFrame, FrameError, FrameReader, packTensors, unpackTensors, type Frame, type FrameHeader, type Tensor } from './ipc.js';
import { levelOf, LineSplitter, log } from './log.js';
import type { ParameterValue, PreparedRequest } from './request.js';

/** One response of the model: outputs, or an error; FINAL in flags on the last one. */
export interface ModelResponse {
  /** False for the final flag sent alone (sender.send(flags=FINAL)): no response to show. */
  present: boolean;
  flags: number;
  outputs: Tensor[];
  parameters: Record<string, ParameterValue>;
  error?: TritonError;
}

export const RESPONSE_COMPLETE_FINAL = 1;

/** A BLS request from model.py (InferenceRequest(...).exec()) to another model. */
export interface BlsCall {
  model: string;
  version: string;
  request: PreparedRequest & { outputsRequested: boolean };
  decoupled: boolean;
}

export interface WorkerOptions {
  python: string;
  script: string;
  fakeDir: string;
  cwd: string;
  model: string;
  version: string;
  /** Triton's name for the instance (`<instance group name>_0`), as its messages say it. */
  instanceName: string;
  /** Answer a BLS call with every response of the called model. */
  onBls: (call: BlsCall) => Promise<ModelResponse[]>;
  onIsReady: (model: string, version: string) => boolean;
  /** The instance ended on its own (not through finalize() or kill()). */
  onCrash: (reason: string) => void;
}

/** A failed load: the error in one line, as the Python backend reports it (`tritonError`: with its `At:` frames), and Python's traceback. */
export type LoadResult = { ok: true; config: PbJsonObject } | { ok: false; error: string; tritonError: string; traceback: string };

interface Pending {
  onResponse: (response: ModelResponse) => void;
  resolve: () => void;
}

/** How long the end of an instance waits for the other half: the channel after the exit, the exit after the channel. */
const END_GRACE_MS = 2_000;

/** Where what the model prints goes: our stdout or stderr, whole lines only, the model paused while ours is full. */
function passLines(stream: NodeJS.ReadableStream | null, out: NodeJS.WritableStream): void {
  if (!stream) return;
  stream.setEncoding('utf8');
  const lines = new LineSplitter((text) => {
    if (!out.write(text)) {
      stream.pause();
      out.once('drain', () => stream.resume());
    }
  });
  stream.on('data', (chunk: string) => lines.push(chunk));
  stream.on('end', () => lines.end());
}

/** Triton's message for the requests of an instance whose process died (python_backend's stub_launcher.cc). */
export const stubNotHealthy = (instanceName: string) => `Stub process '${instanceName}' is not healthy.`;

export class ModelWorker {
  private child: ChildProcess | undefined;
  private channel: Duplex | undefined;
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Who waits for the next control frame (load and finalize answers come back in order). */
  private readonly waiting: ((frame: Frame) => void)[] = [];
  private stopping = false;
  /** Why the instance ended, once it has. */
  private endInfo: string | undefined;
  private exitInfo: string | undefined;
  private channelClosed = false;
  private endTimer: NodeJS.Timeout | undefined;
  private endWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkerOptions) {}

  get instanceName(): string {
    return this.options.instanceName;
  }

  get alive(): boolean {
    return this.child !== undefined && this.endInfo === undefined;
  }

  /** Why the instance ended (undefined while it runs). */
  get ended(): string | undefined {
    return this.endInfo;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawn(this.options.python, [this.options.script, this.options.fakeDir], {
      cwd: this.options.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      // Keep the model repository free of __pycache__ (it is what the image copies); whole lines, now.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      // A process group of its own: kill() reaches what the model started too, and a Ctrl-C in the
      // terminal reaches only serve, which decides when models stop.
      detached: process.platform !== 'win32',
    });
    this.child = child;
    passLines(child.stdout, process.stdout);
    passLines(child.stderr, process.stderr);
    const channel = child.stdio[3] as Duplex;
    this.channel = channel;
    channel.on('data', (chunk: Buffer) => {
      if (this.endInfo !== undefined) return;
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        this.end(`the model's Python process wrote ${error.message} to its channel to serve: process killed`, true);
        return;
      }
      for (const frame of frames) this.onFrame(frame);
    });
    channel.on('error', () => {
      // 'close' follows.
    });
    channel.on('close', () => this.onChannelClosed());
    child.on('error', (error) => this.end(`cannot start ${this.options.python}: ${error.message}`, false));
    child.on('exit', (code, signal) => this.onProcessExit(signal ? `killed by ${signal}` : `exit code ${code}`));
  }

  private send(header: FrameHeader, payload?: Buffer): void {
    if (this.channel && this.alive && this.channel.writable) this.channel.write(encodeFrame(header, payload));
  }

  private onProcessExit(info: string): void {
    this.exitInfo = info;
    this.killGroup(); // what the model started and left running goes with it
    if (this.channelClosed) this.end(`the model's Python process ended (${info})`, false);
    // Frames it sent before exiting may still be on their way: wait for the channel to end.
    else this.endTimer ??= setTimeout(() => this.end(`the model's Python process ended (${info})`, false), END_GRACE_MS);
  }

  private onChannelClosed(): void {
    this.channelClosed = true;
    clearTimeout(this.endTimer);
    if (this.exitInfo !== undefined) {
      this.end(`the model's Python process ended (${this.exitInfo})`, false);
      return;
    }
    // The process closed its end (or is exiting and its 'exit' is on the way): a process that lives
    // on without its channel can never answer, so it is killed (it ignores SIGTERM, by design).
    this.endTimer = setTimeout(() => this.end("the model's Python process closed its channel to serve: process killed", true), END_GRACE_MS);
  }

  /** The instance is over: fail what is in flight, wake every waiter, and (`kill`) make sure the process is gone. */
  private end(info: string, kill: boolean): void {
    if (this.endInfo !== undefined) return;
    this.endInfo = info;
    clearTimeout(this.endTimer);
    if (kill) this.killProcess();
    const message = stubNotHealthy(this.instanceName);
    for (const [, pending] of this.pending) {
      pending.onResponse({ present: true, flags: RESPONSE_COMPLETE_FINAL, outputs: [], parameters: {}, error: new TritonError('INTERNAL', message) });
      pending.resolve();
    }
    this.pending.clear();
    for (const waiter of this.waiting.splice(0)) waiter({ header: { op: 'exited', info }, payload: Buffer.alloc(0) });
    for (const waiter of this.endWaiters.splice(0)) waiter();
    if (!this.stopping) this.options.onCrash(info);
  }

  private onFrame(frame: Frame): void {
    const { header } = frame;
    switch (header.op) {
      case 'log':
        log(levelOf(header.level), `${String(header.file ?? 'model.py')}:${String(header.line ?? 0)}`, `[${this.options.model}] ${String(header.message ?? '')}`, this.pid);
        return;
      case 'response':
        this.onResponseFrame(frame);
        return;
      case 'bls':
        void this.answerBls(frame);
        return;
      case 'is_ready':
        this.send({ op: 'ready_result', call: header.call, ready: this.options.onIsReady(String(header.model ?? ''), String(header.version ?? '')) });
        return;
      default:
        this.waiting.shift()?.(frame);
    }
  }

  private onResponseFrame(frame: Frame): void {
    const id = Number(frame.header.id);
    const pending = this.pending.get(id);
    if (!pending) return;
    const response = responseFromFrame(frame);
    pending.onResponse(response);
    if (response.flags & RESPONSE_COMPLETE_FINAL) {
      this.pending.delete(id);
      pending.resolve();
    }
  }

  private async answerBls(frame: Frame): Promise<void> {
    const { header, payload } = frame;
    const requested = Array.isArray(header.requested) ? header.requested.map(String) : [];
    const call: BlsCall = {
      model: String(header.model ?? ''),
      version: header.version === undefined || Number(header.version) < 0 ? '' : String(header.version),
      decoupled: header.decoupled === true,
      request: {
        id: String(header.request_id ?? ''),
        parameters: (header.parameters ?? {}) as Record<string, ParameterValue>,
        inputs: unpackTensors(header.inputs, payload),
        requested,
        outputsRequested: requested.length > 0,
        correlationId: (header.correlation_id as number | string | undefined) ?? 0,
        flags: Number(header.flags ?? 0),
        timeoutMicroseconds: Number(header.timeout ?? 0),
      },
    };
    let responses: ModelResponse[];
    try {
      responses = await this.options.onBls(call);
    } catch (error) {
      const tritonError = error instanceof TritonError ? error : new TritonError('INTERNAL', (error as Error).message);
      responses = [{ present: true, flags: RESPONSE_COMPLETE_FINAL, outputs: [], parameters: {}, error: tritonError }];
    }
    const tensors: Tensor[] = [];
    const described = responses.map((response) => {
      const first = tensors.length;
      tensors.push(...response.outputs);
      return {
        present: response.present,
        flags: response.flags,
        parameters: response.parameters,
        outputs: [first, tensors.length],
        ...(response.error ? { error: { message: response.error.message, code: errorNumber(response.error) } } : {}),
      };
    });
    const { descriptors, payload: bytes } = packTensors(tensors);
    this.send({ op: 'bls_result', call: header.call, responses: described, tensors: descriptors }, bytes);
  }

  /** The next control frame (load/finalize answers), or the instance ending. */
  private nextFrame(): Promise<Frame> {
    return new Promise((resolve) => {
      if (!this.alive) resolve({ header: { op: 'exited', info: this.endInfo ?? 'not started' }, payload: Buffer.alloc(0) });
      else this.waiting.push(resolve);
    });
  }

  /** Resolves when the instance has ended (at once if it has). */
  private whenEnded(): Promise<void> {
    return new Promise((resolve) => (this.child === undefined || this.endInfo !== undefined ? resolve() : this.endWaiters.push(resolve)));
  }

  async load(modelDir: string, version: string, config: PbJsonObject): Promise<LoadResult> {
    const answer = this.nextFrame();
    this.send({ op: 'load', model_dir: modelDir, version, config, instance_kind: 'CPU' });
    const { header } = await answer;
    if (header.op === 'loaded') return { ok: true, config: header.config as PbJsonObject };
    if (header.op === 'load_failed') return { ok: false, error: String(header.error), tritonError: String(header.triton ?? header.error), traceback: String(header.traceback ?? '') };
    return { ok: false, error: `${String(header.info)} while loading`, tritonError: `${String(header.info)} while loading`, traceback: '' };
  }

  /**
   * Send a checked request; `onResponse` sees every response, `done` settles after the final one.
   * `cancel` tells the process the client is gone: a request it has not started is dropped, one it
   * runs sees request.is_cancelled().
   */
  execute(request: PreparedRequest, onResponse: (response: ModelResponse) => void): { done: Promise<void>; cancel: () => void } {
    const id = this.nextId++;
    const done = new Promise<void>((resolve) => {
      if (!this.alive) {
        onResponse({ present: true, flags: RESPONSE_COMPLETE_FINAL, outputs: [], parameters: {}, error: new TritonError('INTERNAL', stubNotHealthy(this.instanceName)) });
        resolve();
        return;
      }
      this.pending.set(id, { onResponse, resolve });
    });
    const { descriptors, payload } = packTensors(request.inputs);
    this.send(
      {
        op: 'execute',
        id,
        request_id: request.id,
        inputs: descriptors,
        requested: request.requested,
        parameters: request.parameters,
        correlation_id: request.correlationId,
        flags: request.flags,
        timeout: request.timeoutMicroseconds,
      },
      payload,
    );
    return { done, cancel: () => this.send({ op: 'cancel', id }) };
  }

  /** Requests sent and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Run finalize() and let the process exit; kill it after `timeoutMs`. Resolves to an error text, if any. */
  async finalize(timeoutMs: number): Promise<string | undefined> {
    this.stopping = true;
    if (!this.alive) return undefined;
    const answer = this.nextFrame();
    this.send({ op: 'finalize' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([answer, timedOut]);
    clearTimeout(timer);
    let problem: string | undefined;
    if (result === 'timeout') problem = `finalize did not return within ${timeoutMs / 1000} s: process killed`;
    else if (result.header.op === 'finalized' && result.header.error) problem = String(result.header.error);
    else if (result.header.op === 'exited') problem = `${String(result.header.info)} before finalize returned`;
    if (result === 'timeout') this.kill();
    else {
      // finalize answered: the process exits by itself; make sure it does.
      const grace = setTimeout(() => this.kill(), 5_000);
      await this.whenEnded();
      clearTimeout(grace);
    }
    await this.whenEnded();
    return problem;
  }

  /** Kill the process (and its process group) now; the instance ends when its exit is seen. */
  kill(): void {
    this.stopping = true;
    if (this.child && this.exitInfo === undefined) this.killProcess();
  }

  private killProcess(): void {
    if (this.exitInfo !== undefined) return;
    if (process.platform === 'win32' || !this.killGroup()) this.child?.kill('SIGKILL');
  }

  /** SIGKILL to the process group the worker leads; false when there is none (left already, or Windows). */
  private killGroup(): boolean {
    const pid = this.child?.pid;
    if (pid === undefined || process.platform === 'win32') return false;
    try {
      process.kill(-pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  }
}

const errorNumber = (error: TritonError): number => TRITON_ERROR_CODES.indexOf(error.code);

function responseFromFrame(frame: Frame): ModelResponse {
  const { header, payload } = frame;
  const error = header.error as { message?: unknown; code?: unknown } | undefined;
  return {
    present: header.response === true,
    flags: Number(header.flags ?? 0),
    outputs: unpackTensors(header.outputs, payload),
    parameters: (header.parameters ?? {}) as Record<string, ParameterValue>,
    ...(error ? { error: new TritonError(codeOfNumber(error.code), String(error.message ?? '')) } : {}),
  };
}
