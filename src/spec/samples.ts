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

export function elementCount(shape: number[]): number {
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
