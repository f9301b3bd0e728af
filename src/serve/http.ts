/**
 * KServe v2 over HTTP with Triton's extensions, on node:http: health, server and model metadata,
 * model config and readiness, /infer (JSON and the binary tensor data extension), generate and
 * generate_stream (server-sent events), and the repository index. Paths, status codes and error
 * bodies follow Triton's HTTP frontend (src/http_server.cc): an unknown path is 404
 * {"error":"Not Found"}, a wrong method 405 {"error":"Method Not Allowed"}, every other error
 * {"error": "<message>"} with the status of its Triton error code. Endpoints serve does not
 * implement (statistics, shared memory, tracing, logging, explicit load/unload) answer 501 or
 * Triton's own refusal.
 *
 * A request body is read up to --http-max-input-size bytes (Triton's flag and default, 64 MiB), and
 * a gzip/deflate body is inflated up to the same size: past it, reading stops and the answer is 400
 * with Triton's message. So a request holds at most twice the limit (the body and what it inflates
 * to), whatever a client sends.
 */

import http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { VERSION } from '../version.js';
import { TritonError } from './errors.js';
import type { Tensor } from './ipc.js';
import { serveLog } from './log.js';
import { metadataShape, prepareRequest, type InferRequest, type ModelSignature } from './request.js';
import { parseGenerateBody, parseInferBody } from './request-body.js';
import type { ModelRegistry, ModelVersion, Running } from './registry.js';
import { bytesToJsonData, elementCount, RawJson, stringifyJson, wireInfo } from './tensors.js';
import { classify } from './classification.js';
import type { ModelResponse } from './worker.js';

export const EXTENSIONS = ['classification', 'binary_tensor_data', 'parameters', 'model_configuration', 'model_repository', 'generate'];


const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([0-9]+))?(?:\/(ready|infer|config|generate|generate_stream|stats|trace\/setting))?$/;
const UNSUPPORTED_PATHS = /^\/v2\/(models\/stats|systemsharedmemory|cudasharedmemory|logging|trace\/setting)(\/|$)/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body?: string | Buffer, headers: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  res.writeHead(status, { ...(data && !headers['content-type'] ? { 'content-type': 'application/json' } : {}), 'content-length': data?.length ?? 0, ...headers });
  res.end(data);
}

const errorBody = (message: string) => JSON.stringify({ error: message });

function sendError(res: http.ServerResponse, error: unknown): number {
  if (error instanceof TritonError) {
    send(res, error.httpStatus, errorBody(error.message));
    return error.httpStatus;
  }
  if (error instanceof HttpError) {
    send(res, error.status, errorBody(error.message));
    return error.status;
  }
  serveLog.error(`internal error: ${(error as Error).stack ?? String(error)}`);
  send(res, 500, errorBody(`serve: ${(error as Error).message}`));
  return 500;
}

/** The client closed the connection before its request was answered. */
class ClientGone extends Error {}

const unzip = promisify(zlib.unzip);

const tooLarge = (what: string, limit: number) => new TritonError('INVALID_ARG', `${what} exceeds the maximum allowed value of ${limit} bytes. Use --http-max-input-size to increase the limit.`);

/** How long a connection whose body was refused keeps being drained before it is closed (so the client reads the 400 first). */
const LINGER_MS = 2_000;

/**
 * The request body, decompressed when Content-Encoding says gzip or deflate (as Triton accepts:
 * either header, zlib telling the two formats apart), never more than `limit` bytes of either: a
 * Content-Length past it is refused before reading, a body that grows past it stops being kept.
 * The rest of a refused body is drained briefly, then the connection closed.
 */
async function readBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const compressed = encoding === 'gzip' || encoding === 'deflate';
  if (!compressed && encoding !== 'identity' && encoding !== '') throw new TritonError('UNSUPPORTED', 'Unsupported compression type');
  const refuse = (error: TritonError) => {
    res.setHeader('connection', 'close');
    req.resume();
    // Node would destroy the socket once the answer is out (destroySoon): body bytes still arriving then
    // reset the connection, and a client still writing gets EPIPE, not the 400. Half-close, drain, linger.
    const socket = req.socket;
    socket.destroySoon = () => void socket.end(() => setTimeout(() => socket.destroy(), LINGER_MS).unref());
    return error;
  };
  if (req.destroyed) throw new ClientGone();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw refuse(tooLarge(`Request body size of ${declared} bytes`, limit));
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (settleWith: () => void) => {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      settleWith();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else settle(() => reject(refuse(tooLarge('Request body size', limit))));
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks)));
    // Closed (or reset) before the end of the body: the client went away.
    const onClose = () => settle(() => reject(new ClientGone()));
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
  });
  if (!compressed) return body;
  if (body.length === 0) throw new TritonError('INVALID_ARG', 'nothing to be decompressed');
  try {
    return await unzip(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('Decompressed data size', limit);
    throw new TritonError('INVALID_ARG', `failed to decompress the request body (Content-Encoding: ${encoding}): ${(error as Error).message}`);
  }
}

/**
 * The version in a URL as Triton reads it (std::stol): "01" is 1; a number past int64 is refused
 * with Triton's message (400), before the model is looked up.
 */
export function urlVersion(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const value = BigInt(text);
  if (value > 9223372036854775807n) {
    throw new TritonError('INVALID_ARG', `failed to get model version from specified version string '${text}' (details: stol), version should be an integral value > 0`);
  }
  return value.toString();
}

function requireMethod(req: http.IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method !== method) throw new HttpError(405, 'Method Not Allowed');
}

function modelMetadata(version: ModelVersion, versions: string[]): unknown {
  const config = version.config ?? {};
  const signature = version.signature as ModelSignature;
  const platform = typeof config.platform === 'string' && config.platform !== '' ? config.platform : String(config.backend ?? '');
  const describe = (tensors: ModelSignature['inputs']) => tensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: metadataShape(signature, t) }));
  return { name: version.model, versions, platform, inputs: describe(signature.inputs), outputs: describe(signature.outputs) };
}

/** An output's JSON `data` (flat list), or a TritonError when it has no JSON form. */
function jsonData(output: Tensor): RawJson {
  const info = wireInfo(output.datatype);
  if (!info) throw new TritonError('INVALID_ARG', 'Invalid data type for output tensor');
  return bytesToJsonData(output.name, info, output.data, elementCount(output.shape));
}

/** The /infer answer for one response: JSON, or JSON then binary outputs (binary tensor data extension). */
function inferAnswer(version: ModelVersion, request: InferRequest, response: ModelResponse): { body: Buffer; headers: http.OutgoingHttpHeaders } {
  if (response.error) throw response.error;
  const binaryOf = new Map(request.outputs.map((output) => [output.name, output.binary]));
  const classesOf = new Map(request.outputs.map((output) => [output.name, output.classes ?? 0]));
  const batching = (version.signature?.maxBatchSize ?? 0) > 0;
  const blobs: Buffer[] = [];
  const outputs = response.outputs.map((produced) => {
    const classes = classesOf.get(produced.name) ?? 0;
    const output = classes > 0 ? classify(produced, classes, batching, version.labels[produced.name]) : produced;
    const described = { name: output.name, datatype: output.datatype, shape: output.shape };
    if (binaryOf.get(output.name) ?? request.binaryByDefault) {
      if (output.data.length > 0) blobs.push(output.data);
      return { ...described, parameters: { binary_data_size: output.data.length } };
    }
    return { ...described, data: jsonData(output) };
  });
  const header = Buffer.from(
    stringifyJson({
      ...(request.id !== '' ? { id: request.id } : {}),
      model_name: version.model,
      model_version: version.version,
      ...(Object.keys(response.parameters).length > 0 ? { parameters: response.parameters } : {}),
      outputs,
    }),
    'utf8',
  );
  if (blobs.length === 0) return { body: header, headers: { 'content-type': 'application/json' } };
  return {
    body: Buffer.concat([header, ...blobs]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': header.length },
  };
}

/** One generate response: outputs by name (a single element as a plain value), keys in Triton's (sorted) order. */
function generateAnswer(version: ModelVersion, request: InferRequest, response: ModelResponse): string {
  if (response.error) throw response.error;
  const fields = new Map<string, unknown>();
  if (request.id !== '') fields.set('id', request.id);
  fields.set('model_name', version.model);
  fields.set('model_version', version.version);
  for (const [key, value] of Object.entries(response.parameters)) fields.set(key, value);
  for (const output of response.outputs) {
    const data = jsonData(output);
    fields.set(output.name, elementCount(output.shape) === 1 ? new RawJson(data.text.slice(1, -1)) : data);
  }
  const sorted = [...fields.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return stringifyJson(Object.fromEntries(sorted));
}

/**
 * Wait for a request's final response; if the client leaves first, tell the model (a request not
 * started yet is dropped, one running sees request.is_cancelled()) and still wait, so that the
 * log says what became of it.
 */
async function runUntilDone(res: http.ServerResponse, running: Running): Promise<void> {
  const onClose = () => {
    if (!res.writableFinished) running.cancel();
  };
  res.on('close', onClose);
  try {
    await running.done;
  } finally {
    res.off('close', onClose);
  }
}

export interface HttpServerOptions {
  registry: ModelRegistry;
  /** --http-max-input-size: the most bytes a request body may have, and inflate to. */
  maxInputSize: number;
}

export function createHttpServer({ registry, maxInputSize }: HttpServerOptions): http.Server {
  const versionsOf = (name: string) =>
    registry
      .list()
      .filter((row) => row.name === name && row.state === 'READY' && row.version !== undefined)
      .map((row) => row.version as string);

  /** One line per inference request: model and the version that answered, status (or abandoned by its client), time. */
  const logRequest = (req: http.IncomingMessage, started: number, outcome: number | 'abandoned', target: string) => {
    const what = outcome === 'abandoned' ? 'abandoned by the client' : String(outcome);
    serveLog.info(`${target}: ${req.method} ${req.url} ${what} in ${(performance.now() - started).toFixed(1)} ms`);
  };

  /** The model (and version, once known) a request is for, for its log line. */
  interface Target {
    name: string;
    version?: string;
  }
  const describeTarget = (target: Target) => (target.version === undefined ? target.name : `${target.name} version ${target.version}`);

  async function infer(req: http.IncomingMessage, res: http.ServerResponse, target: Target, versionText: string | undefined): Promise<number> {
    requireMethod(req, 'POST');
    const name = target.name;
    const version = await registry.resolve(name, versionText);
    target.version = version.version;
    const signature = version.signature as ModelSignature;
    if (signature.decoupled) throw new TritonError('UNSUPPORTED', "HTTP end point doesn't support models with decoupled transaction policy");
    const body = await readBody(req, res, maxInputSize);
    const header = req.headers['inference-header-content-length'];
    const request = parseInferBody(body, Array.isArray(header) ? header[0] : header, name);
    const prepared = prepareRequest(request, signature);
    const responses: ModelResponse[] = [];
    await runUntilDone(res, await registry.run(version, prepared, (response) => responses.push(response)));
    const answers = responses.filter((response) => response.present);
    if (answers.length !== 1) throw new TritonError('INTERNAL', `expected a single response, got ${answers.length}`);
    const { body: answer, headers } = inferAnswer(version, request, answers[0] as ModelResponse);
    send(res, 200, answer, headers);
    return 200;
  }

  async function generate(req: http.IncomingMessage, res: http.ServerResponse, target: Target, versionText: string | undefined, streaming: boolean): Promise<number> {
    requireMethod(req, 'POST');
    const version = await registry.resolve(target.name, versionText);
    target.version = version.version;
    const signature = version.signature as ModelSignature;
    const request = parseGenerateBody(await readBody(req, res, maxInputSize), signature);
    const prepared = prepareRequest(request, signature);
    let status = 0;
    const pending: string[] = [];
    const start = (first: ModelResponse) => {
      // Like Triton, the first response sets the HTTP status; later errors travel in the body.
      status = first.error ? first.error.httpStatus : 200;
      res.writeHead(status, { 'content-type': streaming ? 'text/event-stream; charset=utf-8' : 'application/json' });
    };
    const running = await registry.run(version, prepared, (response) => {
      if (status === 0) start(response);
      if (!response.present) return;
      let text: string;
      try {
        text = generateAnswer(version, request, response);
      } catch (error) {
        text = errorBody(error instanceof TritonError ? error.message : String(error));
      }
      if (streaming) res.write(`data: ${text}\n\n`);
      else pending.push(text);
    });
    await runUntilDone(res, running);
    if (!streaming) {
      res.end(
        pending.length === 1
          ? pending[0]
          : errorBody('generate expects model to produce exactly 1 response, use generate stream for model that generates various number of responses'),
      );
    } else res.end();
    return status;
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const url = (req.url ?? '/').split('?')[0] as string;
    const model = MODEL_PATH.exec(url);
    const kind = model?.[3] ?? '';
    if (model && url !== '/v2/models/stats' && (kind === 'infer' || kind === 'generate' || kind === 'generate_stream')) {
      const target: Target = { name: model[1] as string };
      let clientLeft = false;
      res.once('close', () => {
        clientLeft = !res.writableFinished;
      });
      let status: number | 'abandoned';
      try {
        const versionText = urlVersion(model[2]);
        status = kind === 'infer' ? await infer(req, res, target, versionText) : await generate(req, res, target, versionText, kind === 'generate_stream');
      } catch (error) {
        if (error instanceof ClientGone) status = 'abandoned';
        else {
          status = sendError(res, error);
          if (status === 500 && error instanceof TritonError) serveLog.error(`${describeTarget(target)}: ${error.message}`);
        }
      }
      // An answer the client did not stay for was not delivered, whatever it would have said.
      if (clientLeft) status = 'abandoned';
      logRequest(req, started, status, describeTarget(target));
      return;
    }
    try {
      if (url === '/v2/health/live') {
        requireMethod(req, 'GET');
        send(res, 200);
      } else if (url === '/v2/health/ready') {
        requireMethod(req, 'GET');
        send(res, registry.allReady() ? 200 : 400);
      } else if (url === '/v2') {
        requireMethod(req, 'GET');
        send(res, 200, JSON.stringify({ name: 'triton', version: VERSION, extensions: EXTENSIONS }));
      } else if (url === '/v2/repository/index') {
        requireMethod(req, 'POST');
        const body = (await readBody(req, res, maxInputSize)).toString('utf8').trim();
        let readyOnly = false;
        try {
          readyOnly = body !== '' && (JSON.parse(body) as { ready?: unknown } | null)?.ready === true;
        } catch (error) {
          throw new TritonError('INTERNAL', `failed to parse the request JSON buffer: ${(error as Error).message}`);
        }
        const rows = registry
          .list()
          .filter((row) => !readyOnly || row.state === 'READY')
          .map((row) => ({ name: row.name, ...(row.version !== undefined ? { version: row.version } : {}), state: row.state, ...(row.state !== 'READY' ? { reason: row.reason } : {}) }));
        send(res, 200, JSON.stringify(rows));
      } else if (/^\/v2\/repository\/models\/[^/]+\/(load|unload)$/.test(url)) {
        requireMethod(req, 'POST');
        throw new TritonError('UNAVAILABLE', 'explicit model load / unload is not allowed if polling is enabled');
      } else if (UNSUPPORTED_PATHS.test(url) || (model && (kind === 'stats' || kind === 'trace/setting'))) {
        throw new TritonError('UNSUPPORTED', `serve does not implement ${url}: use \`create-triton-model run\` for the real Triton`);
      } else if (model) {
        requireMethod(req, 'GET');
        const name = model[1] as string;
        const versionText = urlVersion(model[2]);
        if (kind === 'ready') {
          try {
            await registry.resolve(name, versionText, false);
            send(res, 200);
          } catch (error) {
            // Triton asks the core whether the version is ready, which is no error for an unknown model
            // or version: every "no" is 400 "Model version not ready" (HandleModelReady).
            if (error instanceof TritonError) send(res, 400, errorBody('Model version not ready'));
            else throw error;
          }
        } else {
          const version = await registry.resolve(name, versionText);
          // Metadata of a version names that version; of the model, every ready one (TRITONSERVER_ServerModelMetadata).
          send(res, 200, JSON.stringify(kind === 'config' ? version.config : modelMetadata(version, versionText === undefined ? versionsOf(name) : [version.version])));
        }
      } else {
        throw new HttpError(404, 'Not Found');
      }
    } catch (error) {
      if (!(error instanceof ClientGone)) sendError(res, error);
    }
  }

  return http.createServer((req, res) => {
    route(req, res).catch((error) => sendError(res, error));
  });
}
