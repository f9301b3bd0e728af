/**
 * A small KServe v2 (Triton HTTP) client on node:http: health and model readiness, metadata, /infer
 * with JSON or the binary tensor data extension, and Triton's generate_stream (server-sent events).
 * One connection per request (no keep-alive pool), so nothing keeps the process alive afterwards.
 * `run` probes the container with it; the tests talk to `serve` and to real Triton with it.
 */

import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  method: string;
  headers?: Record<string, string | number>;
  body?: Buffer;
  timeoutMs: number;
}

/** Thrown when there is no HTTP answer at all: connection refused or reset, or no answer in time. */
export class NoAnswerError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'NoAnswerError';
  }
}

/** A KServe error answer: HTTP status and Triton's `{"error": "..."}` message. */
export class KServeError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}: ${detail}`);
    this.name = 'KServeError';
  }
}

function open(url: URL, request: HttpRequest, onResponse: (response: http.IncomingMessage, fail: (error: Error) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = http.request(url, {
      method: request.method,
      agent: false,
      headers: { connection: 'close', ...(request.body ? { 'content-length': request.body.length } : {}), ...request.headers },
    });
    const timer = setTimeout(() => fail(new NoAnswerError(`no answer from ${url.origin} within ${request.timeoutMs / 1000} s`, true)), request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => fail(new NoAnswerError(`${url.origin}: ${error.code ?? error.message}`, false)));
    req.on('response', (response) => {
      response.on('error', (error) => fail(new NoAnswerError(`${url.origin}: ${error.message}`, false)));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      });
      onResponse(response, fail);
    });
    req.end(request.body);
  });
}

export async function httpRequest(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  let answer: HttpAnswer | undefined;
  await open(url, request, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      answer = { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) };
    });
  });
  if (!answer) throw new NoAnswerError(`${url.origin}: the answer ended early`, false);
  return answer;
}

/** Triton's error text from an error answer's `{"error": "..."}` body, or the body itself. */
export function errorDetail(body: Buffer | string): string {
  const text = body.toString().trim();
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: show the text
  }
  return text === '' ? '(empty answer)' : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

// ------------------------------------------------------------------------------------------------
// Health, readiness, metadata

/** `/v2/models/<model>[/versions/<version>]/<endpoint>`, the model name escaped for a URL path. */
export function modelUrl(baseUrl: URL, model: string, endpoint = '', version?: string): URL {
  const versioned = version === undefined ? '' : `/versions/${encodeURIComponent(version)}`;
  return new URL(`/v2/models/${encodeURIComponent(model)}${versioned}${endpoint ? `/${endpoint}` : ''}`, baseUrl);
}

/** The HTTP status of a GET, or undefined when nothing answers (refused, reset, no answer in time). */
export async function statusOf(url: URL, timeoutMs: number): Promise<number | undefined> {
  try {
    return (await httpRequest(url, { method: 'GET', timeoutMs })).status;
  } catch (error) {
    if (error instanceof NoAnswerError) return undefined;
    throw error;
  }
}

/** GET /v2/health/ready: 200 once the server and every model it loads are ready. */
export const serverReady = (baseUrl: URL, timeoutMs: number) => statusOf(new URL('/v2/health/ready', baseUrl), timeoutMs);

/** GET /v2/models/<model>/ready. */
export const modelReady = (baseUrl: URL, model: string, timeoutMs: number) => statusOf(modelUrl(baseUrl, model, 'ready'), timeoutMs);

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** GET /v2/models/<model>: name, versions, platform and tensors; a KServeError when it is not 200. */
export async function modelMetadata(baseUrl: URL, model: string, timeoutMs: number): Promise<ModelMetadata> {
  const answer = await httpRequest(modelUrl(baseUrl, model), { method: 'GET', timeoutMs });
  if (answer.status !== 200) throw new KServeError(answer.status, errorDetail(answer.body));
  return JSON.parse(answer.body.toString('utf8')) as ModelMetadata;
}

// ------------------------------------------------------------------------------------------------
// Inference

export interface InferTensorHeader {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: Record<string, unknown>;
}

export interface InferRequestBody {
  inputs: InferTensorHeader[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export interface InferResponseOutput extends InferTensorHeader {
  /** The raw bytes when the output came through the binary extension. */
  binary?: Buffer;
}

export interface InferResponse {
  model_name?: string;
  model_version?: string;
  outputs: InferResponseOutput[];
}

/**
 * The HTTP body for an inference request: plain JSON, or with binary inputs the JSON header
 * followed by each binary tensor in input order, its length in Inference-Header-Content-Length.
 */
export function encodeInferRequest(header: InferRequestBody, blobs: Buffer[]): { body: Buffer; headers: Record<string, string | number> } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (blobs.length === 0) return { body: json, headers: { 'content-type': 'application/json' } };
  return {
    body: Buffer.concat([json, ...blobs]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': json.length },
  };
}

/**
 * An answer body split at Inference-Header-Content-Length: the JSON header (undefined when it is not
 * JSON) and the binary outputs that follow it, by name, in the order the header lists them.
 */
export function splitInferAnswer(body: Buffer, headerLength: string | string[] | undefined): { json: unknown; jsonLength: number; binary: Map<string, Buffer> } {
  const jsonLength = headerLength === undefined ? body.length : Number(headerLength);
  if (!Number.isSafeInteger(jsonLength) || jsonLength < 0 || jsonLength > body.length) {
    throw new Error(`Inference-Header-Content-Length ${String(headerLength)} does not fit the ${body.length}-byte answer`);
  }
  const text = body.subarray(0, jsonLength).toString('utf8');
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const binary = new Map<string, Buffer>();
  let offset = jsonLength;
  const outputs = (json as { outputs?: unknown } | undefined)?.outputs;
  for (const output of Array.isArray(outputs) ? (outputs as InferResponseOutput[]) : []) {
    const size = output?.parameters?.binary_data_size;
    if (typeof size !== 'number') continue;
    if (offset + size > body.length) throw new Error(`binary data of output ${output.name} is cut short`);
    binary.set(output.name, body.subarray(offset, offset + size));
    offset += size;
  }
  return { json, jsonLength, binary };
}

/** Read an inference answer, splitting the binary outputs off the JSON header when there are any. */
export function decodeInferResponse(answer: HttpAnswer): InferResponse {
  const { json, binary } = splitInferAnswer(answer.body, answer.headers['inference-header-content-length']);
  const parsed = json as InferResponse | undefined;
  if (!parsed || !Array.isArray(parsed.outputs)) throw new Error(json === undefined ? 'the answer is not JSON' : 'the answer has no "outputs" list');
  for (const output of parsed.outputs) {
    const data = binary.get(output.name);
    if (data) output.binary = data;
  }
  return parsed;
}

export async function infer(baseUrl: URL, model: string, header: InferRequestBody, blobs: Buffer[], timeoutMs: number): Promise<InferResponse> {
  const { body, headers } = encodeInferRequest(header, blobs);
  const answer = await httpRequest(modelUrl(baseUrl, model, 'infer'), { method: 'POST', headers, body, timeoutMs });
  if (answer.status !== 200) throw new KServeError(answer.status, errorDetail(answer.body));
  return decodeInferResponse(answer);
}

// ------------------------------------------------------------------------------------------------
// generate_stream (server-sent events)

/** Splits a server-sent event stream into the data of each event, fed chunk by chunk. */
export class SseParser {
  private pending = '';

  /** The events completed by this chunk: each one's `data:` lines joined with newlines. */
  push(chunk: string): string[] {
    this.pending += chunk;
    const events: string[] = [];
    let boundary: RegExpExecArray | null;
    while ((boundary = /\r?\n\r?\n/.exec(this.pending))) {
      const block = this.pending.slice(0, boundary.index);
      this.pending = this.pending.slice(boundary.index + boundary[0].length);
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''));
      if (data.length > 0) events.push(data.join('\n'));
    }
    return events;
  }

  /** Whatever a stream that ended without a final blank line left behind. */
  end(): string[] {
    return this.pending.trim() === '' ? [] : this.push('\n\n');
  }
}

export type StreamEvent = Record<string, unknown>;

/**
 * POST generate_stream and hand each event (parsed JSON) to `onEvent` as it arrives. An error
 * event (`{"error": ...}`, which Triton can send after a 200 status) ends it with a KServeError.
 */
export async function generateStream(baseUrl: URL, model: string, request: Record<string, unknown>, timeoutMs: number, onEvent: (event: StreamEvent) => void): Promise<number> {
  const url = modelUrl(baseUrl, model, 'generate_stream');
  const body = Buffer.from(JSON.stringify(request), 'utf8');
  let count = 0;
  let failure: Error | undefined;
  await open(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body, timeoutMs }, (response, fail) => {
    const status = response.statusCode ?? 0;
    const isStream = String(response.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (status !== 200 || !isStream) {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        failure = new KServeError(status, status === 200 ? `expected server-sent events, got ${String(response.headers['content-type'] ?? 'no content type')}` : errorDetail(Buffer.concat(chunks)));
      });
      return;
    }
    const parser = new SseParser();
    const handle = (events: string[]) => {
      for (const data of events) {
        if (failure) return;
        let event: StreamEvent;
        try {
          event = JSON.parse(data) as StreamEvent;
        } catch {
          failure = new Error(`event ${count + 1} is not JSON: ${data.slice(0, 200)}`);
          fail(failure);
          return;
        }
        if (typeof event.error === 'string') {
          failure = new KServeError(status, event.error);
          fail(failure);
          return;
        }
        count++;
        onEvent(event);
      }
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => handle(parser.push(chunk)));
    response.on('end', () => handle(parser.end()));
  }).catch((error: unknown) => {
    if (!failure) throw error;
  });
  if (failure) throw failure;
  return count;
}
