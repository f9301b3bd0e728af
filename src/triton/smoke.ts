/**
 * The test request `run` sends once Triton is ready, built from the model's declared tensors with
 * the project's example values (src/model-spec/samples.ts): JSON for most types, BYTES as strings,
 * FP16/BF16 through the binary tensor extension; a decoupled model through generate_stream.
 * It answers with one line per output: name, datatype, shape and the first values.
 */

import { dataTypeInfo } from '../model-spec/dtypes.js';
import { elementCount, sampleGenerateBody, sampleJsonInput, sampleShape, sampleValues } from '../model-spec/samples.js';
import { generateStream, infer, type InferRequestBody, type InferTensorHeader, type StreamEvent } from './client.js';
import type { TensorSpec } from '../model-spec/fields.js';
import { encodeTensor } from './tensor-bytes.js';

/** What the test request is built from: a model's name, batching, transaction policy and declared tensors. */
export interface SmokeModel {
  name: string;
  maxBatchSize: number;
  /** model_transaction_policy { decoupled: true }: answers through generate_stream, not /infer. */
  decoupled: boolean;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export type SmokeRequest =
  | { kind: 'infer'; header: InferRequestBody; blobs: Buffer[] }
  | { kind: 'generate_stream'; body: Record<string, number | boolean | string> }
  /** No request can be sent over HTTP; `reason` says why and what to use instead. */
  | { kind: 'none'; reason: string };

export function smokeRequestFor(model: SmokeModel): SmokeRequest {
  if (model.decoupled) {
    const body = sampleGenerateBody(model.inputs, model.maxBatchSize);
    if (body) return { kind: 'generate_stream', body };
    return {
      kind: 'none',
      reason: `${model.name} is decoupled and HTTP generate_stream carries only one-element inputs without a batch dimension and without FP16/BF16: test it over gRPC streaming (python client.py)`,
    };
  }
  const blobs: Buffer[] = [];
  const inputs = model.inputs.map((tensor): InferTensorHeader => {
    if (!dataTypeInfo(tensor.dataType).binaryOnly) return sampleJsonInput(tensor, model.maxBatchSize);
    const shape = sampleShape(tensor, model.maxBatchSize);
    const blob = encodeTensor(tensor.dataType, sampleValues(tensor, elementCount(shape)));
    blobs.push(blob);
    return { name: tensor.name, shape, datatype: dataTypeInfo(tensor.dataType).wire, parameters: { binary_data_size: blob.length } };
  });
  // FP16/BF16 outputs cannot come back as JSON either: ask for those in binary.
  const outputs = model.outputs.map((tensor) => (dataTypeInfo(tensor.dataType).binaryOnly ? { name: tensor.name, parameters: { binary_data: true } } : { name: tensor.name }));
  return { kind: 'infer', header: { inputs, outputs }, blobs };
}

const PREVIEW_VALUES = 4;

function preview(values: unknown[]): string {
  const shown = values.slice(0, PREVIEW_VALUES).map((value) => {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  });
  return shown.join(', ') + (values.length > PREVIEW_VALUES ? ', …' : '');
}

const list = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export interface OutputLine {
  name: string;
  datatype: string;
  shape: number[];
  detail: string;
}

export function formatOutputLines(lines: OutputLine[], indent = '  '): string[] {
  const nameWidth = Math.max(...lines.map((l) => l.name.length));
  const typeWidth = Math.max(...lines.map((l) => l.datatype.length));
  const shapeWidth = Math.max(...lines.map((l) => list(l.shape).length));
  return lines.map((l) => `${indent}${l.name.padEnd(nameWidth)}  ${l.datatype.padEnd(typeWidth)}  ${list(l.shape).padEnd(shapeWidth)}  ${l.detail}`.trimEnd());
}

export interface SmokeResult {
  endpoint: 'infer' | 'generate_stream';
  /** infer: one entry per output; generate_stream: one list per streamed response. */
  responses: OutputLine[][];
  /** Declared outputs the answer did not carry. */
  missing: string[];
}

const GENERATE_META = new Set(['model_name', 'model_version', 'id', 'parameters']);

/** Send the test request; throws KServeError / NoAnswerError when it does not succeed. */
export async function runSmokeTest(baseUrl: URL, model: SmokeModel, request: Exclude<SmokeRequest, { kind: 'none' }>, timeoutMs: number, onResponse?: (index: number, lines: OutputLine[]) => void): Promise<SmokeResult> {
  if (request.kind === 'infer') {
    const response = await infer(baseUrl, model.name, request.header, request.blobs, timeoutMs);
    const lines = response.outputs.map((output) => ({
      name: output.name,
      datatype: output.datatype,
      shape: output.shape,
      detail: output.binary ? `(${output.binary.length} bytes, binary)` : Array.isArray(output.data) ? preview(output.data) : '',
    }));
    onResponse?.(0, lines);
    const received = new Set(response.outputs.map((o) => o.name));
    return { endpoint: 'infer', responses: [lines], missing: model.outputs.map((o) => o.name).filter((name) => !received.has(name)) };
  }

  const responses: OutputLine[][] = [];
  const received = new Set<string>();
  const declared = new Map(model.outputs.map((o) => [o.name, dataTypeInfo(o.dataType).wire]));
  await generateStream(baseUrl, model.name, request.body, timeoutMs, (event: StreamEvent) => {
    const lines = Object.entries(event)
      .filter(([key]) => !GENERATE_META.has(key))
      .map(([name, value]) => {
        received.add(name);
        const values = Array.isArray(value) ? value : [value];
        return { name, datatype: declared.get(name) ?? '?', shape: [values.length], detail: preview(values) };
      });
    onResponse?.(responses.length, lines);
    responses.push(lines);
  });
  return { endpoint: 'generate_stream', responses, missing: responses.length === 0 ? [] : model.outputs.map((o) => o.name).filter((name) => !received.has(name)) };
}
