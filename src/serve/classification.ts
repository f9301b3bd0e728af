/**
 * Triton's classification extension (an output requested with parameters.classification: k): the
 * output's k largest elements, per batch entry, as BYTES strings "value:index" and ":label" when the
 * output has a label_filename with a line for that index (the server's TopkClassifications, the
 * labels as the core's LabelProvider reads them). Values are written as C++'s std::to_string writes
 * them: 6 decimals for floats, digits for integers.
 */

import { TritonError } from './errors.js';
import type { Tensor } from './ipc.js';

type Read = (data: Buffer, index: number) => number | bigint;

/** Newer releases refuse to classify a larger output (kMaxClassificationElements). */
const MAX_CLASSIFIED_ELEMENTS = 1_000_000;

const READERS: Record<string, { size: number; read: Read }> = {
  UINT8: { size: 1, read: (d, i) => d.readUInt8(i) },
  UINT16: { size: 2, read: (d, i) => d.readUInt16LE(i * 2) },
  UINT32: { size: 4, read: (d, i) => d.readUInt32LE(i * 4) },
  UINT64: { size: 8, read: (d, i) => d.readBigUInt64LE(i * 8) },
  INT8: { size: 1, read: (d, i) => d.readInt8(i) },
  INT16: { size: 2, read: (d, i) => d.readInt16LE(i * 2) },
  INT32: { size: 4, read: (d, i) => d.readInt32LE(i * 4) },
  INT64: { size: 8, read: (d, i) => d.readBigInt64LE(i * 8) },
  FP32: { size: 4, read: (d, i) => d.readFloatLE(i * 4) },
  FP64: { size: 8, read: (d, i) => d.readDoubleLE(i * 8) },
};

/** std::to_string of the element: %f for floats (nan, inf as C prints them), decimal for integers. */
function toCppString(value: number | bigint, float: boolean): string {
  if (typeof value === 'bigint' || !float) return value.toString();
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return value.toFixed(6);
}

/** The classification of `output` (k classes per batch entry): a BYTES tensor of shape [batch,] k. */
export function classify(output: Tensor, classes: number, batching: boolean, labels: readonly string[] | undefined): Tensor {
  const reader = READERS[output.datatype];
  // A BYTES output crashes 2.51.0 here (it divides by the type's size, 0); later releases refuse it in these words.
  if (!reader) throw new TritonError('INVALID_ARG', `class result not available for output due to unsupported type '${output.datatype}'`);
  if (output.data.length / reader.size > MAX_CLASSIFIED_ELEMENTS) throw new TritonError('INVALID_ARG', 'classification output tensor too large');
  const batchSize = batching && output.shape.length > 0 ? (output.shape[0] as number) : 0;
  const perEntry = output.shape.slice(batchSize === 0 ? 0 : 1).reduce((a, b) => a * b, 1);
  const count = Math.min(classes, perEntry);
  const float = output.datatype.startsWith('FP');
  const strings: Buffer[] = [];
  for (let entry = 0; entry < Math.max(1, batchSize); entry++) {
    const base = entry * perEntry;
    const values = Array.from({ length: perEntry }, (_, i) => (base + i + 1) * reader.size <= output.data.length ? reader.read(output.data, base + i) : 0);
    // Largest first; equal values keep their order (std::sort of a short range is an insertion sort).
    const order = values.map((_, i) => i).sort((a, b) => ((values[b] as number) > (values[a] as number) ? 1 : (values[b] as number) < (values[a] as number) ? -1 : 0));
    for (const index of order.slice(0, count)) {
      const label = labels?.[index];
      const text = Buffer.from(`${toCppString(values[index] as number | bigint, float)}:${index}${label === undefined ? '' : `:${label}`}`);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      strings.push(length, text);
    }
  }
  return { name: output.name, datatype: 'BYTES', shape: batchSize > 0 ? [batchSize, count] : [count], data: Buffer.concat(strings) };
}
