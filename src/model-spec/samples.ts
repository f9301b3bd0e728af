/**
 * Example request data built from declared tensors: the same values in client.py, in the
 * README's curl line, in the smoke test after `run`, and in tests.
 */

import { dataTypeInfo } from './dtypes.js';
import type { TensorSpec } from './fields.js';

/** Size used for a variable (-1) dimension and for the batch in examples. */
const EXAMPLE_SIZE = 2;

/** The full shape of an example request: the batch dimension first when the model batches. */
export function sampleShape(tensor: TensorSpec, maxBatchSize: number): number[] {
  const dims = tensor.dims.map((d) => (d === -1 ? EXAMPLE_SIZE : d));
  return maxBatchSize > 0 ? [Math.min(EXAMPLE_SIZE, maxBatchSize), ...dims] : dims;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Text sent for string inputs. The image stub's prompt reads like one. */
export function sampleText(tensor: TensorSpec): string {
  return tensor.name === 'prompt' ? 'a red square' : 'hello';
}

/** Flat row-major example values, as KServe v2 JSON carries them. */
export function sampleValues(tensor: TensorSpec, count: number): (number | boolean | string)[] {
  const kind = dataTypeInfo(tensor.dataType).kind;
  return Array.from({ length: count }, (_, i) => {
    if (kind === 'string') return sampleText(tensor);
    if (kind === 'bool') return i % 2 === 0;
    return i % 100;
  });
}

/** One input of a KServe v2 JSON inference request, carrying the example values. */
export function sampleJsonInput(tensor: TensorSpec, maxBatchSize: number): { name: string; shape: number[]; datatype: string; data: (number | boolean | string)[] } {
  const shape = sampleShape(tensor, maxBatchSize);
  return { name: tensor.name, shape, datatype: dataTypeInfo(tensor.dataType).wire, data: sampleValues(tensor, elementCount(shape)) };
}

/**
 * The body of a generate / generate_stream request: Triton's generate extension takes each input by
 * name as a plain value. Undefined when an input cannot travel that way: more than one element, a
 * batch dimension, or FP16/BF16 (no JSON form).
 */
export function sampleGenerateBody(inputs: readonly TensorSpec[], maxBatchSize: number): Record<string, number | boolean | string> | undefined {
  if (maxBatchSize > 0) return undefined;
  if (inputs.some((t) => dataTypeInfo(t.dataType).binaryOnly || elementCount(sampleShape(t, 0)) !== 1)) return undefined;
  return Object.fromEntries(inputs.map((t) => [t.name, sampleValues(t, 1)[0] as number | boolean | string]));
}
