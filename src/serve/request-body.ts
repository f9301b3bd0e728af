/**
 * Inference request bodies as Triton's HTTP frontend (src/http_server.cc) takes them, in its order
 * and with its messages: the JSON header, Inference-Header-Content-Length and the binary tensor
 * extension, request parameters, JSON `data` (FP16/BF16 refused); and the generate extension's body
 * (generate / generate_stream), which becomes the same request. The core's checks against the model
 * follow in request.ts (prepareRequest).
 */

import { TritonError } from './errors.js';
import { logPrefix, metadataShape, type InferRequest, type ModelSignature, type ParameterValue, type RequestTensor } from './request.js';
import { parseJson } from './request-json.js';
import { elementCount, jsonDataToBytes, wireInfo } from './tensors.js';

const SEQUENCE_START = 1;
const SEQUENCE_END = 2;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isUint = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

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
