/**
 * KServe v2 over HTTP with Triton's extensions, on node:http: health, server and model metadata,
 * model config and readiness, /infer (JSON and the binary tensor data extension), generate and
 * generate_stream (server-sent events), and the repository index. Paths, status codes and error
 * bodies follow Triton's HTTP frontend (src/http_server.cc): an unknown path is 404
 * {"error":"Not Found"}, a wrong method 405 {"error":"Method Not Allowed"}, every other error
 * {"error": "<message>"} with the status of its Triton error code. Endpoints serve does not
 * implement (statistics, shared memory, tracing, logging, explicit load/unload) answer 501 or
 * Triton's own refusal.
 */

import http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { VERSION } from '../version.js';
import { TritonError } from './errors.js';
import type { Tensor } from './ipc.js';
import { serveLog } from './log.js';
import { metadataShape, parseGenerateBody, parseInferBody, prepareRequest, type InferRequest, type ModelSignature } from './request.js';
import type { ModelRegistry, ModelVersion } from './registry.js';
import { bytesToJsonData, elementCount, RawJson, stringifyJson, wireInfo } from './tensors.js';
import type { ModelResponse, ModelWorker } from './worker.js';

export const EXTENSIONS = ['binary_tensor_data', 'parameters', 'model_configuration', 'model_repository', 'generate'];

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

const inflate = promisify(zlib.inflate);
const gunzip = promisify(zlib.gunzip);

/** The request body, decompressed when Content-Encoding says gzip or deflate (as Triton accepts). */
async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding === 'gzip') return gunzip(body);
  if (encoding === 'deflate') return inflate(body);
  throw new TritonError('UNSUPPORTED', 'Unsupported compression type');
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
  const blobs: Buffer[] = [];
  const outputs = response.outputs.map((output) => {
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

export interface HttpServerOptions {
  registry: ModelRegistry;
}

export function createHttpServer({ registry }: HttpServerOptions): http.Server {
  const versionsOf = (name: string) =>
    registry
      .list()
      .filter((row) => row.name === name && row.state === 'READY' && row.version !== undefined)
      .map((row) => row.version as string);

  /** One line per inference request: model and the version that answered, status, time. */
  const logRequest = (req: http.IncomingMessage, started: number, status: number, target: string) =>
    serveLog.info(`${target}: ${req.method} ${req.url} ${status} in ${(performance.now() - started).toFixed(1)} ms`);

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
    const body = await readBody(req);
    const header = req.headers['inference-header-content-length'];
    const request = parseInferBody(body, Array.isArray(header) ? header[0] : header, name);
    const prepared = prepareRequest(request, signature);
    const responses: ModelResponse[] = [];
    const running = (version.worker as ModelWorker).execute(prepared, (response) => responses.push(response));
    res.on('close', () => {
      if (!res.writableFinished) running.cancel();
    });
    await running.done;
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
    const request = parseGenerateBody(await readBody(req), signature);
    const prepared = prepareRequest(request, signature);
    let status = 0;
    const pending: string[] = [];
    const start = (first: ModelResponse) => {
      // Like Triton, the first response sets the HTTP status; later errors travel in the body.
      status = first.error ? first.error.httpStatus : 200;
      res.writeHead(status, { 'content-type': streaming ? 'text/event-stream; charset=utf-8' : 'application/json' });
    };
    const running = (version.worker as ModelWorker).execute(prepared, (response) => {
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
    res.on('close', () => {
      if (!res.writableFinished) running.cancel();
    });
    await running.done;
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
      let status: number;
      try {
        status = kind === 'infer' ? await infer(req, res, target, model[2]) : await generate(req, res, target, model[2], kind === 'generate_stream');
      } catch (error) {
        status = sendError(res, error);
        if (status === 500 && error instanceof TritonError) serveLog.error(`${describeTarget(target)}: ${error.message}`);
      }
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
        const body = (await readBody(req)).toString('utf8').trim();
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
        if (kind === 'ready') {
          try {
            await registry.resolve(name, model[2], false);
            send(res, 200);
          } catch (error) {
            // A known model that is not ready is 400 "Model version not ready"; an unknown one keeps its error.
            if (error instanceof TritonError && error.code === 'UNAVAILABLE') send(res, 400, errorBody('Model version not ready'));
            else throw error;
          }
        } else {
          const version = await registry.resolve(name, model[2]);
          send(res, 200, JSON.stringify(kind === 'config' ? version.config : modelMetadata(version, versionsOf(name))));
        }
      } else {
        throw new HttpError(404, 'Not Found');
      }
    } catch (error) {
      sendError(res, error);
    }
  }

  return http.createServer((req, res) => {
    route(req, res).catch((error) => sendError(res, error));
  });
}
