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

/**
 * TritonJson's reasons for a value it cannot read as asked; the frontend adds them after its own
 * words (`Unable to parse 'inputs': attempt to access JSON non-array as array`), with TritonJson's
 * code, INTERNAL (HTTP 500).
 */
const NOT_A = {
  array: 'attempt to access JSON non-array as array',
  string: 'attempt to access JSON non-string as string',
  boolean: 'attempt to access JSON non-boolean as boolean',
  uint: 'attempt to access JSON non-unsigned-integer as unsigned-integer',
} as const;
const unable = (words: string, reason: string) => new TritonError('INTERNAL', `${words}: ${reason}`);

/** A member read as TritonJson's MemberAs* reads it: absent (or not an object to look in) and of the wrong kind are two reasons. */
function member<T>(object: unknown, key: string, kind: keyof typeof NOT_A, test: (value: unknown) => value is T, words = `Unable to parse '${key}'`): T {
  if (!isObject(object) || !(key in object)) throw unable(words, `attempt to access non-existing object member '${key}'`);
  const value = object[key];
  if (!test(value)) throw unable(words, NOT_A[kind]);
  return value;
}
const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isArray = (value: unknown): value is unknown[] => Array.isArray(value);

/** A custom parameter (SetTritonParameterFromJsonParameter): string, integer, bool or double. */
function customParameter(key: string, value: unknown): ParameterValue {
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new TritonError('INVALID_ARG', `parameter '${key}' has invalid type. It should be either 'int', 'bool', or 'string'.`);
}

/**
 * Inference-Header-Content-Length: the JSON header's length; the whole body when absent. Read as
 * Triton 2.51.0 reads it, with atoi: leading digits count and the rest is ignored ("100abc" is 100),
 * text without digits is 0. 0 (an empty body too) makes the request a raw binary one: the whole body
 * is the data of the model's one input.
 */
export function headerLengthOf(header: string | undefined, contentLength: number): number {
  if (header === undefined) return contentLength;
  const digits = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(header);
  const parsed = digits ? Number.parseInt(digits[1] as string, 10) : 0;
  if (parsed < 0 || parsed > contentLength) {
    throw new TritonError('INVALID_ARG', `inference header size should be in range (0, ${contentLength}), got: ${header}`);
  }
  return parsed;
}

function parseRequestParameters(json: unknown, request: InferRequest): void {
  if (!isObject(json) || json.parameters === undefined) return;
  const parameters = json.parameters;
  if (!isObject(parameters)) throw unable('failed to get request params.', 'attempt to get members for non-object');
  for (const key of Object.keys(parameters)) {
    const value = parameters[key];
    switch (key) {
      case 'sequence_id':
        request.correlationId = isUint(value) ? value : member(parameters, key, 'string', isString);
        break;
      case 'sequence_start':
      case 'sequence_end':
        if (member(parameters, key, 'boolean', isBoolean)) request.flags |= key === 'sequence_start' ? SEQUENCE_START : SEQUENCE_END;
        break;
      case 'priority':
        member(parameters, key, 'uint', isUint);
        break;
      case 'timeout':
        request.timeoutMicroseconds = member(parameters, key, 'uint', isUint);
        break;
      case 'binary_data_output':
        request.binaryByDefault = member(parameters, key, 'boolean', isBoolean);
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

function validateContentType(entry: unknown): void {
  const input = isObject(entry) ? entry : {};
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

/**
 * The body of POST .../infer: a JSON header, followed (binary tensor extension) by the bytes of each
 * input that has parameters.binary_data_size, in input order; or, with a header length of 0, a raw
 * binary request (the core gives its bytes to the model's one input: prepareRequest). Checked in the
 * frontend's order (HTTPAPIServer::ParseJsonTritonIO): each input's content, name, datatype and
 * shape, then the input is added (a name given twice fails there), then its data.
 */
export function parseInferBody(body: Buffer, headerLength: string | undefined, modelName: string): InferRequest {
  const jsonLength = headerLengthOf(headerLength, body.length);
  const request: InferRequest = { id: '', parameters: {}, inputs: [], outputs: [], binaryByDefault: false, correlationId: 0, flags: 0, timeoutMicroseconds: 0 };
  if (jsonLength === 0) return { ...request, raw: body, binaryByDefault: true };
  const json = parseJson(body.subarray(0, jsonLength));
  if (isObject(json) && json.id !== undefined) request.id = member(json, 'id', 'string', isString);
  parseRequestParameters(json, request);

  const inputs = member(json, 'inputs', 'array', isArray);
  let offset = jsonLength;
  for (const entry of inputs) {
    validateContentType(entry);
    const name = member(entry, 'name', 'string', isString);
    const datatype = member(entry, 'datatype', 'string', isString);
    const shape = member(entry, 'shape', 'array', isArray);
    if (!shape.every(isUint)) throw unable("Unable to parse 'shape'", NOT_A.uint);
    const tensor: RequestTensor = { name, datatype, shape, data: Buffer.alloc(0) };
    addInput(request, tensor);
    const info = wireInfo(datatype);
    const parameters = isObject(entry) && isObject(entry.parameters) ? entry.parameters : undefined;
    if (parameters && 'binary_data_size' in parameters) {
      const binarySize = member(parameters, 'binary_data_size', 'uint', isUint);
      if (offset + binarySize > body.length) {
        throw new TritonError('INVALID_ARG', `unexpected size for input '${name}', expecting ${offset + binarySize - body.length} additional bytes for model '${modelName}'`);
      }
      tensor.data = body.subarray(offset, offset + binarySize);
      offset += binarySize;
    } else if (elementCount(shape) > 0) {
      const data = member(entry, 'data', 'array', isArray);
      if (!info) throw new TritonError('INVALID_ARG', `invalid datatype for input ${name}`);
      tensor.data = jsonDataToBytes(name, info, data, elementCount(shape));
    }
  }
  if (offset !== body.length) throw new TritonError('INVALID_ARG', `unexpected additional input data for model '${modelName}'`);

  // Outputs are optional.
  if (isObject(json) && 'outputs' in json) {
    for (const entry of member(json, 'outputs', 'array', isArray)) {
      const parameters = isObject(entry) && isObject(entry.parameters) ? entry.parameters : {};
      const name = member(entry, 'name', 'string', isString);
      if (parameters.shared_memory_region !== undefined) throw new TritonError('UNSUPPORTED', 'serve does not implement the shared memory extensions');
      const classes = 'classification' in parameters ? member(parameters, 'classification', 'uint', isUint, "Unable to set 'classification'") : 0;
      const binary = 'binary_data' in parameters ? member(parameters, 'binary_data', 'boolean', isBoolean) : undefined;
      request.outputs.push({ name, ...(binary === undefined ? {} : { binary }), ...(classes > 0 ? { classes } : {}) });
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
  const json = parseJson(body);
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
