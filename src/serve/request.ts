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
