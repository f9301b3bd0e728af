/**
 * One model version in its own Python process (templates/serve/worker.py), as Triton runs one stub
 * process per model instance: a model that crashes, hangs in initialize or is reloaded leaves the
 * others alone. The process gets its requests and sends its responses, logs and BLS calls over
 * fd 3 (ipc.ts); what the model prints on stdout/stderr is passed through line by line.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { codeOfNumber, TRITON_ERROR_CODES, TritonError } from './errors.js';
import { encodeFrame, FrameReader, packTensors, unpackTensors, type Frame, type FrameHeader, type Tensor } from './ipc.js';
import { levelOf, log } from './log.js';
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
  /** Answer a BLS call with every response of the called model. */
  onBls: (call: BlsCall) => Promise<ModelResponse[]>;
  onIsReady: (model: string, version: string) => boolean;
  /** The process ended on its own (not through finalize()). */
  onCrash: (reason: string) => void;
}

export type LoadResult = { ok: true; config: PbJsonObject } | { ok: false; error: string; traceback: string };

interface Pending {
  onResponse: (response: ModelResponse) => void;
  resolve: () => void;
}

/** Where a line the model printed goes: our stdout or stderr, whole lines only. */
function passLines(stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const end = pending.lastIndexOf('\n');
    if (end === -1) return;
    out.write(pending.slice(0, end + 1));
    pending = pending.slice(end + 1);
  });
  stream.on('end', () => {
    if (pending) out.write(`${pending}\n`);
    pending = '';
  });
}

export class ModelWorker {
  private child: ChildProcess | undefined;
  private channel: Duplex | undefined;
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Who waits for the next control frame (load and finalize answers come back in order). */
  private readonly waiting: ((frame: Frame) => void)[] = [];
  private stopping = false;
  private exitInfo: string | undefined;
  private exitWaiters: (() => void)[] = [];
  readonly instanceName: string;

  constructor(private readonly options: WorkerOptions) {
    this.instanceName = `${options.model}_0_0`;
  }

  get alive(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
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
    });
    this.child = child;
    passLines(child.stdout, process.stdout);
    passLines(child.stderr, process.stderr);
    const channel = child.stdio[3] as Duplex;
    this.channel = channel;
    channel.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.onFrame(frame);
    });
    channel.on('error', () => {
      // The process is gone; 'exit' reports it.
    });
    child.on('error', (error) => this.onExit(`cannot start ${this.options.python}: ${error.message}`));
    child.on('exit', (code, signal) => this.onExit(signal ? `killed by ${signal}` : `exit code ${code}`));
  }

  private send(header: FrameHeader, payload?: Buffer): void {
    if (this.channel && this.alive && this.channel.writable) this.channel.write(encodeFrame(header, payload));
  }

  private onExit(info: string): void {
    if (this.exitInfo !== undefined) return;
    this.exitInfo = info;
    const message = `Failed to process the request(s) for model '${this.instanceName}', message: the model's Python process ended (${info})`;
    for (const [, pending] of this.pending) {
      pending.onResponse({ present: true, flags: RESPONSE_COMPLETE_FINAL, outputs: [], parameters: {}, error: new TritonError('INTERNAL', message) });
      pending.resolve();
    }
    this.pending.clear();
    for (const waiter of this.waiting.splice(0)) waiter({ header: { op: 'exited', info }, payload: Buffer.alloc(0) });
    for (const waiter of this.exitWaiters.splice(0)) waiter();
    if (!this.stopping) this.options.onCrash(`the model's Python process ended (${info})`);
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

  /** The next control frame (load/finalize answers), or the process ending. */
  private nextFrame(): Promise<Frame> {
    return new Promise((resolve) => {
      if (!this.alive) resolve({ header: { op: 'exited', info: this.exitInfo ?? 'not started' }, payload: Buffer.alloc(0) });
      else this.waiting.push(resolve);
    });
  }

  async load(modelDir: string, version: string, config: PbJsonObject): Promise<LoadResult> {
    const answer = this.nextFrame();
    this.send({ op: 'load', model_dir: modelDir, version, config, instance_kind: 'CPU' });
    const { header } = await answer;
    if (header.op === 'loaded') return { ok: true, config: header.config as PbJsonObject };
    if (header.op === 'load_failed') return { ok: false, error: String(header.error), traceback: String(header.traceback ?? '') };
    return { ok: false, error: `the model's Python process ended while loading (${String(header.info)})`, traceback: '' };
  }

  /** Send a checked request; `onResponse` sees every response, `done` settles after the final one. */
  execute(request: PreparedRequest, onResponse: (response: ModelResponse) => void): { done: Promise<void>; cancel: () => void } {
    const id = this.nextId++;
    const done = new Promise<void>((resolve) => {
      if (!this.alive) {
        onResponse({
          present: true,
          flags: RESPONSE_COMPLETE_FINAL,
          outputs: [],
          parameters: {},
          error: new TritonError('UNAVAILABLE', `Failed to process the request(s) for model '${this.instanceName}', message: the model's Python process is not running`),
        });
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
    let problem: string | undefined;
    if (result === 'timeout') problem = `finalize did not return within ${timeoutMs / 1000} s: process killed`;
    else if (result.header.op === 'finalized' && result.header.error) problem = String(result.header.error);
    else if (result.header.op === 'exited') problem = `the model's Python process ended before finalize (${String(result.header.info)})`;
    const exited = new Promise<void>((resolve) => (this.alive ? this.exitWaiters.push(resolve) : resolve()));
    if (result === 'timeout') this.kill();
    else {
      // finalize answered: the process exits by itself; make sure it does.
      const grace = setTimeout(() => this.kill(), 5_000);
      await exited;
      clearTimeout(grace);
    }
    clearTimeout(timer);
    await exited;
    return problem;
  }

  kill(): void {
    this.stopping = true;
    if (this.alive) this.child?.kill('SIGKILL');
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
