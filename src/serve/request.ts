/**
 * Inference requests as Triton's core checks them against the model (InferenceRequest::Normalize
 * and the input validation after it), in its order and with its messages: requested outputs, the
 * number of inputs, the batch dimension and max_batch_size, datatypes, shapes against dims (-1
 * matching any size), and the byte size of each input against its shape. Only what passes reaches
 * the model's Python process. The HTTP frontend's reading of the body comes first (request-body.ts).
 * Errors are TritonErrors whose code gives the HTTP status (see errors.ts); core messages carry
 * Triton's `[request id: <id>] ` prefix.
 */

import { asArray, asObject } from '../pbtxt/json.js';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { TritonError } from './errors.js';
import { decodeBytesElements, dimsText, elementCount, wireInfo, wireOfConfigType } from './tensors.js';

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
  /** parameters.classification: the top `classes` elements as "value:index[:label]" strings (the classification extension). */
  classes?: number;
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
  /** A raw binary request (Inference-Header-Content-Length 0): the body, for the model's one input. */
  raw?: Buffer;
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

/** Triton core's `[request id: <id>] ` before its messages (InferenceRequest::LogRequest), `<id_unknown>` when the request has none. */
export function logPrefix(id: string): string {
  return `[request id: ${id === '' ? '<id_unknown>' : id}] `;
}

/** The byte size (or string count) of each input against its shape. */
function checkInputSize(prefix: string, tensor: RequestTensor, name: string, modelName: string): void {
  const info = wireInfo(tensor.datatype);
  if (!info) return;
  const expected = elementCount(tensor.shape);
  if (info.size !== null) {
    const expectedBytes = expected * info.size;
    if (tensor.data.length !== expectedBytes) {
      throw new TritonError('INVALID_ARG', `${prefix}input byte size mismatch for input '${name}' for model '${modelName}'. Expected ${expectedBytes}, got ${tensor.data.length}`);
    }
    return;
  }
  const { elements, malformed } = decodeBytesElements(tensor.data);
  if (elements.length > expected) {
    throw new TritonError('INVALID_ARG', `${prefix}unexpected number of string elements ${expected + 1} for inference input '${name}' for model '${modelName}', expecting ${expected}`);
  }
  if (malformed) throw new TritonError('INVALID_ARG', `${prefix}${malformed} for inference input '${name}' for model '${modelName}'`);
  if (elements.length < expected) {
    throw new TritonError('INVALID_ARG', `${prefix}expected ${expected} string elements for inference input '${name}' for model '${modelName}', got ${elements.length}`);
  }
}

/** What Triton adds to a shape error of a model with a batch dimension. */
const IMPLICIT_BATCH_NOTE =
  'NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each input shape. If you want to specify the full shape including the batch dim in your input dims config, try setting max_batch_size to zero. See the model configuration docs for more info on max_batch_size.';

/**
 * A raw binary request's one input, as the core deduces it (InferenceRequest::Normalize): the model's
 * only input, its shape the config's dims (with the batch dimension 1) and the one variable
 * dimension, if any, what the byte count gives; a BYTES input must be one element, its bytes
 * prefixed with their length.
 */
function rawInput(body: Buffer, signature: ModelSignature, prefix: string): RequestTensor {
  const model = signature.name;
  if (signature.inputs.length !== 1) {
    throw new TritonError('INVALID_ARG', `${prefix}Raw request must only have 1 input (found 1) to be deduced but got ${signature.inputs.length} inputs in '${model}' model configuration`);
  }
  const input = signature.inputs[0] as TensorDecl;
  const shape = [...(signature.maxBatchSize !== 0 ? [1] : []), ...input.dims];
  const variable = shape.indexOf(-1, signature.maxBatchSize !== 0 ? 1 : 0);
  if (variable !== -1 && shape.indexOf(-1, variable + 1) !== -1) {
    throw new TritonError('INVALID_ARG', `${prefix}The shape of the raw input '${input.name}' can not be deduced because there are more than one variable-sized dimension`);
  }
  const fixed = input.dims.filter((dim) => dim !== -1).reduce((a, b) => a * b, 1);
  const info = wireInfo(input.datatype);
  if (info?.size === null) {
    if (variable !== -1 || fixed !== 1) throw new TritonError('INVALID_ARG', `${prefix}For BYTE datatype raw input '${input.name}', the model must have input shape [1]`);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(body.length);
    return { name: input.name, datatype: input.datatype, shape, data: Buffer.concat([length, body]) };
  }
  if (variable !== -1) shape[variable] = Math.floor(body.length / fixed / (info?.size ?? 1));
  return { name: input.name, datatype: input.datatype, shape, data: body };
}

/** Triton core's checks of a request against the model, in its order. */
export function prepareRequest(given: InferRequest, signature: ModelSignature): PreparedRequest {
  const prefix = logPrefix(given.id);
  const model = signature.name;
  const request = given.raw === undefined ? given : { ...given, inputs: [rawInput(given.raw, signature, prefix)] };
  // The core's checks after the batch name an input by its key in the request, which for a raw input stays "raw_input".
  const keyOf = (input: RequestTensor) => (given.raw === undefined ? input.name : 'raw_input');
  const declaredInputs = new Map(signature.inputs.map((input) => [input.name, input]));
  const declaredOutputs = new Set(signature.outputs.map((output) => output.name));

  for (const output of request.outputs) {
    // The model's own lookup (Model::GetOutput) words this one, without the request's id.
    if (!declaredOutputs.has(output.name)) throw new TritonError('INVALID_ARG', `unexpected inference output '${output.name}' for model '${model}'`);
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

  const unknownInput = (name: string) => new TritonError('INVALID_ARG', `unexpected inference input '${name}' for model '${model}'`);
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
      throw new TritonError('INVALID_ARG', `${prefix}inference input '${keyOf(input)}' data-type is '${wireInfo(input.datatype) ? input.datatype : 'INVALID'}', but model '${model}' expects '${declared.datatype}'`);
    }
    const dims = signature.maxBatchSize > 0 ? input.shape.slice(1) : input.shape;
    const matches = dims.length === declared.dims.length && declared.dims.every((dim, i) => dim === -1 || dim === dims[i]);
    if (!matches) {
      throw new TritonError(
        'INVALID_ARG',
        `${prefix}unexpected shape for input '${keyOf(input)}' for model '${model}'. Expected ${dimsText(metadataShape(signature, declared))}, got ${dimsText(input.shape)}. ${signature.maxBatchSize > 0 ? IMPLICIT_BATCH_NOTE : ''}`,
      );
    }
    inputs.push(input);
  }
  for (const input of request.inputs) checkInputSize(prefix, input, keyOf(input), model);

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
