/**
 * Inference requests as Triton takes them, checked in Triton's order with Triton's messages:
 *  1. the HTTP frontend (src/http_server.cc): the JSON header, Inference-Header-Content-Length and
 *     the binary tensor extension, request parameters, JSON `data` (FP16/BF16 refused);
 *  2. the core (InferenceRequest::Normalize and the input validation after it): requested outputs,
 *     the number of inputs, the batch dimension and max_batch_size, datatypes, shapes against dims
 *     (-1 matching any size), and the byte size of each input against its shape.
 * Only what passes reaches the model's Python process. Errors are TritonErrors whose code gives the
 * HTTP status (see errors.ts); core messages carry Triton's `[request id: <id>] ` prefix.
 * The generate extension's body (generate / generate_stream) becomes the same request.
 */

import type { PbJsonObject } from '../pbtxt/printer.js';
import { TritonError } from './errors.js';
import { asArray, asObject } from '../pbtxt/json.js';
import { decodeBytesElements, dimsText, elementCount, jsonDataToBytes, wireInfo, wireOfConfigType } from './tensors.js';

export interface TensorDecl {
  name: string;
  /** Wire datatype: BYTES for TYPE_STRING. */
  datatype: string;
  dims: number[];
  optional: boolean;
}

/** What a request is checked against: the model's normalised config. */
export interface ModelSignature {
  name: string;
  maxBatchSize: number;
  decoupled: boolean;
  inputs: TensorDecl[];
  outputs: TensorDecl[];
}

export function signatureOf(config: PbJsonObject): ModelSignature {
  const tensors = (field: 'input' | 'output') =>
    asArray(config[field]).map((entry) => {
      const tensor = asObject(entry);
      return {
        name: String(tensor.name ?? ''),
        datatype: wireOfConfigType(String(tensor.data_type ?? 'TYPE_INVALID')),
        dims: asArray(tensor.dims).map(Number),
        optional: tensor.optional === true,
      };
    });
  return {
    name: String(config.name ?? ''),
    maxBatchSize: Number(config.max_batch_size ?? 0),
    decoupled: asObject(config.model_transaction_policy).decoupled === true,
    inputs: tensors('input'),
    outputs: tensors('output'),
  };
}

/** The shape a client sees in metadata: [-1] + dims when the model batches. */
export function metadataShape(signature: ModelSignature, tensor: TensorDecl): number[] {
  return signature.maxBatchSize > 0 ? [-1, ...tensor.dims] : [...tensor.dims];
}

export interface RequestTensor {
  name: string;
  datatype: string;
  shape: number[];
  /** Raw bytes (BYTES in the wire form). */
  data: Buffer;
}

export interface RequestedOutput {
  name: string;
  /** parameters.binary_data, when given. */
  binary?: boolean;
}

export type ParameterValue = string | number | boolean;

export interface InferRequest {
  id: string;
  /** Request parameters the model sees through request.parameters(). */
  parameters: Record<string, ParameterValue>;
  inputs: RequestTensor[];
  /** Outputs the client asked for; empty means all of them. */
  outputs: RequestedOutput[];
  /** Request-level parameters.binary_data_output: outputs not listed come back binary. */
  binaryByDefault: boolean;
  correlationId: number | string;
  flags: number;
  timeoutMicroseconds: number;
}

/** A checked request, as the model's Python process receives it. */
export interface PreparedRequest {
  id: string;
  parameters: Record<string, ParameterValue>;
  /** Shapes as the client sent them: the harness applies `reshape` on the way in and out, as Triton does. */
  inputs: RequestTensor[];
  /** Output names the model is asked for (all outputs when the client named none). */
  requested: string[];
  correlationId: number | string;
  flags: number;
  timeoutMicroseconds: number;
}

const SEQUENCE_START = 1;
const SEQUENCE_END = 2;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isUint = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

const jsonError = (detail: string) => new TritonError('INTERNAL', `failed to parse the request JSON buffer: ${detail}`);

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const special = withSpecialNumbers(text);
    if (special === undefined) throw jsonError(text.trim() === '' ? 'The document is empty.' : (error as Error).message);
    return special;
  }
  // JSON.parse reads 1e400 as Infinity; Triton's reader refuses a number a double cannot hold.
  if (/\d[eE][+-]?\d{3}|\d{309}/.test(text)) findNumberTooBig(text);
  return value;
}

/** A bare NaN / Infinity token (rapidjson's kParseNanAndInfFlag, which Triton's JSON reader uses), in its placeholder form. */
const SPECIAL_NUMBER = '\u0000special-number:';
const SPECIAL_VALUES: Record<string, number> = { NaN: NaN, '-NaN': NaN, Inf: Infinity, Infinity, '-Inf': -Infinity, '-Infinity': -Infinity };

/** Where each bare token outside strings starts and what it is, in one pass over the text. */
function* jsonTokens(text: string): Generator<{ at: number; token: string }> {
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (/[-0-9A-Za-z+.]/.test(c)) {
      const start = i;
      while (i < text.length && /[-0-9A-Za-z+.]/.test(text[i] as string)) i++;
      yield { at: start, token: text.slice(start, i) };
    } else i++;
  }
}

/** The request with NaN, Infinity and -Infinity read as numbers, as Triton reads them; undefined when it is not JSON that way either. */
function withSpecialNumbers(text: string): unknown {
  let rewritten = '';
  let from = 0;
  for (const { at, token } of jsonTokens(text)) {
    if (!Object.hasOwn(SPECIAL_VALUES, token)) continue;
    rewritten += `${text.slice(from, at)}${JSON.stringify(SPECIAL_NUMBER + token)}`;
    from = at + token.length;
  }
  if (from === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(rewritten + text.slice(from));
  } catch {
    return undefined;
  }
  const restore = (item: unknown): unknown => (typeof item === 'string' && item.startsWith(SPECIAL_NUMBER) ? SPECIAL_VALUES[item.slice(SPECIAL_NUMBER.length)] : item);
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const container = stack.pop();
    if (typeof container !== 'object' || container === null) continue;
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      record[key] = restore(record[key]);
      stack.push(record[key]);
    }
  }
  return restore(value);
}

function findNumberTooBig(text: string): void {
  for (const { at, token } of jsonTokens(text)) {
    const number = Number(token);
    if (/^-?\d/.test(token) && !Number.isFinite(number)) throw jsonError(`Number too big to be stored in double. at ${Buffer.byteLength(text.slice(0, at))}`);
  }
}

/** A custom parameter (SetTritonParameterFromJsonParameter): string, integer, bool or double. */
function customParameter(key: string, value: unknown): ParameterValue {
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new TritonError('INVALID_ARG', `parameter '${key}' has invalid type. It should be either 'int', 'bool', or 'string'.`);
}

/**
 * Inference-Header-Content-Length: the JSON header's length; the whole body when absent. Read as
 * Triton reads it, with atoi: leading digits count and the rest is ignored ("100abc" is 100), text
 * without digits is 0. Triton takes 0 as a raw binary request (the whole body one input's data),
 * which serve does not implement.
 */
export function headerLengthOf(header: string | undefined, contentLength: number): number {
  if (header === undefined) return contentLength;
  const digits = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(header);
  const parsed = digits ? Number.parseInt(digits[1] as string, 10) : 0;
  if (parsed < 0 || parsed > contentLength) {
    throw new TritonError('INVALID_ARG', `inference header size should be in range (0, ${contentLength}), got: ${header}`);
  }
  if (parsed === 0) {
    throw new TritonError('UNSUPPORTED', `serve does not implement raw binary requests (Inference-Header-Content-Length: ${header} reads as 0): send a JSON header and give its length`);
  }
  return parsed;
}

function parseRequestParameters(json: Record<string, unknown>, request: InferRequest): void {
  if (json.parameters === undefined) return;
  if (!isObject(json.parameters)) throw new TritonError('INTERNAL', 'failed to get request params.');
  for (const [key, value] of Object.entries(json.parameters)) {
    switch (key) {
      case 'sequence_id':
        if (isUint(value) || typeof value === 'string') request.correlationId = value;
        else throw new TritonError('INTERNAL', "Unable to parse 'sequence_id'");
        break;
      case 'sequence_start':
      case 'sequence_end':
        if (typeof value !== 'boolean') throw new TritonError('INTERNAL', `Unable to parse '${key}'`);
        if (value) request.flags |= key === 'sequence_start' ? SEQUENCE_START : SEQUENCE_END;
        break;
      case 'priority':
        if (!isUint(value)) throw new TritonError('INTERNAL', "Unable to parse 'priority'");
        break;
      case 'timeout':
        if (!isUint(value)) throw new TritonError('INTERNAL', "Unable to parse 'timeout'");
        request.timeoutMicroseconds = value;
        break;
      case 'binary_data_output':
        if (typeof value !== 'boolean') throw new TritonError('INTERNAL', "Unable to parse 'binary_data_output'");
        request.binaryByDefault = value;
        break;
      default:
        if (key.startsWith('triton_')) throw new TritonError('INVALID_ARG', "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.");
        request.parameters[key] = customParameter(key, value);
    }
  }
}

function addInput(request: InferRequest, tensor: RequestTensor): void {
  if (request.inputs.some((input) => input.name === tensor.name)) {
    throw new TritonError('INVALID_ARG', `${logPrefix(request.id)}input '${tensor.name}' already exists in request`);
  }
  request.inputs.push(tensor);
}

function validateContentType(input: Record<string, unknown>): void {
  const parameters = isObject(input.parameters) ? input.parameters : {};
  const hasData = input.data !== undefined;
  const hasBinary = parameters.binary_data_size !== undefined;
  const hasSharedMemory = parameters.shared_memory_region !== undefined;
  const count = Number(hasData) + Number(hasBinary) + Number(hasSharedMemory);
  if (count === 1) {
    if (hasSharedMemory) throw new TritonError('UNSUPPORTED', 'serve does not implement the shared memory extensions: send the tensor as JSON data or binary data');
    return;
  }
  let message = "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But";
  if (count === 0) message += ' no field is set';
  else message += ` set${hasData ? " 'data'" : ''}${hasBinary ? " 'binary_data_size'" : ''}${hasSharedMemory ? " 'shared_memory_region'" : ''}`;
  throw new TritonError('INVALID_ARG', message);
}

function stringMember(object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== 'string') throw new TritonError('INTERNAL', `Unable to parse '${key}'`);
  return value;
}

/**
 * The body of POST .../infer: a JSON header, followed (binary tensor extension) by the bytes of each
 * input that has parameters.binary_data_size, in input order.
 */
export function parseInferBody(body: Buffer, headerLength: string | undefined, modelName: string): InferRequest {
  const jsonLength = headerLengthOf(headerLength, body.length);
  const json = parseJson(body.subarray(0, jsonLength).toString('utf8'));
  if (!isObject(json)) throw new TritonError('INTERNAL', 'failed to parse the request JSON buffer: the request must be a JSON object');
  const request: InferRequest = { id: '', parameters: {}, inputs: [], outputs: [], binaryByDefault: false, correlationId: 0, flags: 0, timeoutMicroseconds: 0 };
  if (json.id !== undefined) {
    if (typeof json.id !== 'string') throw new TritonError('INTERNAL', "Unable to parse 'id'");
    request.id = json.id;
  }
  parseRequestParameters(json, request);

  if (!Array.isArray(json.inputs)) throw new TritonError('INTERNAL', "Unable to parse 'inputs'");
  let offset = jsonLength;
  for (const entry of json.inputs) {
    if (!isObject(entry)) throw new TritonError('INTERNAL', "Unable to parse 'inputs'");
    validateContentType(entry);
    const name = stringMember(entry, 'name');
    const datatype = stringMember(entry, 'datatype');
    if (!Array.isArray(entry.shape) || !entry.shape.every(isUint)) throw new TritonError('INTERNAL', "Unable to parse 'shape'");
    const shape = entry.shape as number[];
    const info = wireInfo(datatype);
    const binarySize = isObject(entry.parameters) ? entry.parameters.binary_data_size : undefined;

    let data: Buffer;
    if (binarySize !== undefined) {
      if (!isUint(binarySize)) throw new TritonError('INTERNAL', "Unable to parse 'binary_data_size'");
      if (offset + binarySize > body.length) {
        throw new TritonError('INVALID_ARG', `unexpected size for input '${name}', expecting ${offset + binarySize - body.length} additional bytes for model '${modelName}'`);
      }
      data = body.subarray(offset, offset + binarySize);
      offset += binarySize;
    } else if (elementCount(shape) === 0) {
      data = Buffer.alloc(0);
    } else {
      if (!info) throw new TritonError('INVALID_ARG', `invalid datatype for input ${name}`);
      data = jsonDataToBytes(name, info, entry.data, elementCount(shape));
    }
    addInput(request, { name, datatype, shape, data });
  }
  if (offset !== body.length) throw new TritonError('INVALID_ARG', `unexpected additional input data for model '${modelName}'`);

  if (json.outputs !== undefined) {
    if (!Array.isArray(json.outputs)) throw new TritonError('INTERNAL', "Unable to parse 'outputs'");
    for (const entry of json.outputs) {
      if (!isObject(entry)) throw new TritonError('INTERNAL', "Unable to parse 'outputs'");
      const name = stringMember(entry, 'name');
      const parameters = isObject(entry.parameters) ? entry.parameters : {};
      if (parameters.classification !== undefined) throw new TritonError('UNSUPPORTED', 'serve does not implement the classification extension');
      if (parameters.shared_memory_region !== undefined) throw new TritonError('UNSUPPORTED', 'serve does not implement the shared memory extensions');
      if (parameters.binary_data !== undefined && typeof parameters.binary_data !== 'boolean') throw new TritonError('INTERNAL', "Unable to parse 'binary_data'");
      request.outputs.push({ name, ...(typeof parameters.binary_data === 'boolean' ? { binary: parameters.binary_data } : {}) });
    }
  }
  return request;
}

/**
 * Triton's shape for a generate input: the metadata shape (batch -1 first when batching) with the
 * fixed dimensions dividing the element count and the innermost -1 taking the rest (other -1s are 1).
 */
function generateShape(name: string, metadata: number[], elements: number): number[] {
  const shape = [...metadata];
  let remaining = elements;
  const fail = () => new TritonError('INVALID_ARG', `The schema can not convert input '${name}' to tensor with proper shape`);
  for (let i = shape.length - 1; i >= 0; i--) {
    const dim = shape[i] as number;
    if (dim === -1) continue;
    if (remaining % dim !== 0) throw fail();
    remaining /= dim;
  }
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === -1) {
      shape[i] = remaining;
      remaining = 1;
    }
  }
  if (remaining !== 1) throw fail();
  return shape;
}

/**
 * The body of POST .../generate and .../generate_stream (Triton's generate extension): each key
 * that names an input is that tensor (a value or a flat list), every other key a request parameter;
 * the keys of a "parameters" object are read the same way.
 */
export function parseGenerateBody(body: Buffer, signature: ModelSignature): InferRequest {
  const json = parseJson(body.toString('utf8'));
  if (!isObject(json)) throw new TritonError('INTERNAL', 'failed to parse the request JSON buffer: the request must be a JSON object');
  const request: InferRequest = { id: '', parameters: {}, inputs: [], outputs: [], binaryByDefault: false, correlationId: 0, flags: 0, timeoutMicroseconds: 0 };
  if (json.id !== undefined) {
    if (typeof json.id !== 'string') throw new TritonError('INTERNAL', "Unable to parse 'id'");
    request.id = json.id;
  }
  const byName = new Map(signature.inputs.map((input) => [input.name, input]));

  const mapKey = (key: string, value: unknown) => {
    const declared = byName.get(key);
    if (!declared) {
      request.parameters[key] = customParameter(key, value);
      return;
    }
    const info = wireInfo(declared.datatype);
    if (!info) throw new TritonError('INVALID_ARG', `invalid datatype for input ${key}`);
    const elements = Array.isArray(value) ? value.length : 1;
    const shape = generateShape(key, metadataShape(signature, declared), elements);
    addInput(request, { name: key, datatype: declared.datatype, shape, data: jsonDataToBytes(key, info, value, elements) });
  };

  for (const [key, value] of Object.entries(json)) {
    if (key !== 'parameters') {
      mapKey(key, value);
      continue;
    }
    if (byName.has('parameters')) throw new TritonError('INVALID_ARG', "Keyword 'parameters' for nested schema also given as input tensor name");
    if (!isObject(value)) throw new TritonError('INTERNAL', "Expected JSON object for keyword: 'parameters'");
    for (const [nestedKey, nestedValue] of Object.entries(value)) mapKey(nestedKey, nestedValue);
  }
  return request;
}

/** Triton core's `[request id: <id>] ` before its messages, when the request has an id. */
export function logPrefix(id: string): string {
  return id === '' ? '' : `[request id: ${id}] `;
}

/** The byte size (or string count) of each input against its shape. */
function checkInputSize(prefix: string, tensor: RequestTensor, modelName: string): void {
  const info = wireInfo(tensor.datatype);
  if (!info) return;
  const expected = elementCount(tensor.shape);
  if (info.size !== null) {
    const expectedBytes = expected * info.size;
    if (tensor.data.length !== expectedBytes) {
      throw new TritonError('INVALID_ARG', `${prefix}input byte size mismatch for input '${tensor.name}' for model '${modelName}'. Expected ${expectedBytes}, got ${tensor.data.length}`);
    }
    return;
  }
  const { elements, malformed } = decodeBytesElements(tensor.data);
  if (elements.length > expected) {
    throw new TritonError('INVALID_ARG', `${prefix}unexpected number of string elements ${expected + 1} for inference input '${tensor.name}' for model '${modelName}', expecting ${expected}`);
  }
  if (malformed) throw new TritonError('INVALID_ARG', `${prefix}${malformed} for inference input '${tensor.name}' for model '${modelName}'`);
  if (elements.length < expected) {
    throw new TritonError('INVALID_ARG', `${prefix}expected ${expected} string elements for inference input '${tensor.name}' for model '${modelName}', got ${elements.length}`);
  }
}

/** Triton core's checks of a request against the model, in its order. */
export function prepareRequest(request: InferRequest, signature: ModelSignature): PreparedRequest {
  const prefix = logPrefix(request.id);
  const model = signature.name;
  const declaredInputs = new Map(signature.inputs.map((input) => [input.name, input]));
  const declaredOutputs = new Set(signature.outputs.map((output) => output.name));

  for (const output of request.outputs) {
    if (!declaredOutputs.has(output.name)) throw new TritonError('INVALID_ARG', `${prefix}unexpected inference output '${output.name}' for model '${model}'`);
  }

  const required = signature.inputs.filter((input) => !input.optional);
  if (request.inputs.length > signature.inputs.length || request.inputs.length < required.length) {
    const given = new Set(request.inputs.map((input) => input.name));
    // Triton builds both lists by appending "'name'," and dropping the last character: an empty
    // missing list comes out as "]", an empty given list as "[]".
    const missing = `[${required.filter((input) => !given.has(input.name)).map((input) => `'${input.name}',`).join('')}`.slice(0, -1) + ']';
    const got = request.inputs.length === 0 ? '[]' : `[${request.inputs.map((input) => `'${input.name}'`).join(',')}]`;
    const expected = signature.inputs.length === required.length ? `expected ${signature.inputs.length} inputs` : `expected number of inputs between ${required.length} and ${signature.inputs.length}`;
    throw new TritonError(
      'INVALID_ARG',
      `${prefix}${expected} but got ${request.inputs.length} inputs for model '${model}'. Got input(s) ${got}, but missing required input(s) ${missing}. Please provide all required input(s).`,
    );
  }

  const unknownInput = (name: string) => new TritonError('INVALID_ARG', `${prefix}unexpected inference input '${name}' for model '${model}'`);
  let batchSize = 0;
  if (signature.maxBatchSize > 0) {
    for (const input of request.inputs) {
      if (!declaredInputs.has(input.name)) throw unknownInput(input.name);
      if (input.shape.length === 0) throw new TritonError('INVALID_ARG', `${prefix}input '${input.name}' has no shape but model requires batch dimension for '${model}'`);
      const first = input.shape[0] as number;
      if (batchSize === 0) batchSize = first;
      else if (first !== batchSize) throw new TritonError('INVALID_ARG', `${prefix}input '${input.name}' batch size does not match other inputs for '${model}'`);
    }
    if (batchSize > signature.maxBatchSize) throw new TritonError('INVALID_ARG', `${prefix}inference request batch-size must be <= ${signature.maxBatchSize} for '${model}'`);
  }

  const inputs: RequestTensor[] = [];
  for (const input of request.inputs) {
    const declared = declaredInputs.get(input.name);
    if (!declared) throw unknownInput(input.name);
    if (input.datatype !== declared.datatype) {
      throw new TritonError('INVALID_ARG', `${prefix}inference input '${input.name}' data-type is '${wireInfo(input.datatype) ? input.datatype : 'INVALID'}', but model '${model}' expects '${declared.datatype}'`);
    }
    const dims = signature.maxBatchSize > 0 ? input.shape.slice(1) : input.shape;
    const matches = dims.length === declared.dims.length && declared.dims.every((dim, i) => dim === -1 || dim === dims[i]);
    if (!matches) {
      throw new TritonError(
        'INVALID_ARG',
        `${prefix}unexpected shape for input '${input.name}' for model '${model}'. Expected ${dimsText(metadataShape(signature, declared))}, got ${dimsText(input.shape)}`,
      );
    }
    inputs.push(input);
  }
  for (const input of request.inputs) checkInputSize(prefix, input, model);

  const requested = request.outputs.length > 0 ? [...new Set(request.outputs.map((output) => output.name))] : signature.outputs.map((output) => output.name);
  return {
    id: request.id,
    parameters: request.parameters,
    inputs,
    requested,
    correlationId: request.correlationId,
    flags: request.flags,
    timeoutMicroseconds: request.timeoutMicroseconds,
  };
}
