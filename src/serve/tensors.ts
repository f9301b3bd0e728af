/**
 * Tensors as Triton's HTTP frontend handles them: KServe v2 wire datatypes, JSON `data` to raw bytes
 * and back, and the BYTES wire form (each element a 4-byte little-endian length, then its bytes).
 * Raw bytes are what the binary tensor extension carries and what serve hands to the model's
 * Python process; they are little-endian and row-major, BOOL one byte per element.
 */

import { encodeTensor } from '../triton/tensor-bytes.js';
import { DATA_TYPES, type DataTypeInfo } from '../model-spec/dtypes.js';
import { TritonError } from './errors.js';

/** Wire datatype (`BYTES`, `FP32`, ...) -> the one data type table's entry. */
const BY_WIRE = new Map<string, DataTypeInfo>(DATA_TYPES.map((t) => [t.wire, t]));

export function wireInfo(datatype: string): DataTypeInfo | undefined {
  return BY_WIRE.get(datatype);
}

/** `TYPE_STRING` -> `BYTES`: what metadata and error messages call a config data_type. */
export function wireOfConfigType(configType: string): string {
  return DATA_TYPES.find((t) => t.config === configType)?.wire ?? configType.replace(/^TYPE_/, '');
}

export { elementCount } from '../model-spec/samples.js';

/** Triton's DimsListToString: `[-1,16]`, no spaces. */
export function dimsText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Flatten nested JSON arrays in row-major order (Triton accepts flat or nested `data`, nested as
 * deep as a client likes: without recursion, so depth costs no stack).
 */
function flatten(value: unknown, into: unknown[]): void {
  const stack: { items: unknown[]; next: number }[] = [];
  let current: unknown = value;
  for (;;) {
    if (Array.isArray(current)) stack.push({ items: current, next: 0 });
    else into.push(current);
    let top = stack.at(-1);
    while (top && top.next >= top.items.length) {
      stack.pop();
      top = stack.at(-1);
    }
    if (!top) return;
    current = top.items[top.next++];
  }
}

/** The elements of a BYTES tensor in the wire form, or why it is malformed. */
export function decodeBytesElements(data: Buffer): { elements: Buffer[]; malformed?: string } {
  const elements: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + 4 > data.length) return { elements, malformed: 'incomplete string length indicator' };
    const length = data.readUInt32LE(offset);
    offset += 4;
    if (offset + length > data.length) return { elements, malformed: 'element byte size indicator exceeds the end of the buffer' };
    elements.push(data.subarray(offset, offset + length));
    offset += length;
  }
  return { elements };
}

const parseError = (what: string) => new TritonError('INTERNAL', `Unable to parse 'data': attempt to access JSON non-${what} as ${what}`);

/**
 * A JSON input's `data` as raw bytes, as Triton's ReadDataFromJson reads it for `elements` elements
 * of `info`: FP16/BF16 are refused (no JSON form); a count that differs from the shape, or a value
 * of the wrong JSON type, fails as in Triton (INTERNAL, so HTTP 500). An integer too large for its
 * type wraps around, as Triton's C casts do (and as encodeTensor writes it).
 */
export function jsonDataToBytes(inputName: string, info: DataTypeInfo, data: unknown, elements: number): Buffer {
  if (info.binaryOnly) {
    throw new TritonError('INVALID_ARG', `receiving ${info.wire} data via JSON is not supported. Please use the binary data format for input ${inputName}`);
  }
  const flat: unknown[] = [];
  flatten(data, flat);
  if (info.size === null) {
    if (flat.some((value) => typeof value !== 'string')) throw new TritonError('INTERNAL', 'Unable to parse JSON bytes array: attempt to access JSON non-string as string');
  } else {
    if (flat.length !== elements) throw new TritonError('INTERNAL', "Unable to parse 'data': Shape does not match true shape of 'data' field");
    for (const value of flat) checkElement(info, value);
  }
  return encodeTensor(info.name, flat as (number | boolean | string)[]);
}

function checkElement(info: DataTypeInfo, value: unknown): void {
  if (info.kind === 'bool') {
    if (typeof value !== 'boolean') throw parseError('boolean');
    return;
  }
  const numeric = typeof value === 'number' && Number.isFinite(value);
  if (info.kind === 'uint' && !(numeric && Number.isInteger(value) && (value as number) >= 0)) throw parseError('unsigned-integer');
  if (info.kind === 'int' && !(numeric && Number.isInteger(value))) throw parseError('signed-integer');
  // Floats may be NaN or ±Infinity: Triton's JSON reader takes those tokens (see parseRequestJson).
  if (typeof value !== 'number') throw parseError('number');
}

/** A JSON value written as is (a 64-bit integer keeps every digit). */
export class RawJson {
  constructor(readonly text: string) {}
}

const jsonNumber = (value: number) => (Number.isFinite(value) ? JSON.stringify(value) : 'null');

/**
 * A float element as Triton writes it: its JSON writer takes NaN and infinities and writes them as
 * the tokens NaN, Infinity and -Infinity (an FP32 input of 3.5e38 comes back as Infinity, 200, in
 * Triton 2.51.0). Python's json and tritonclient read them; JSON.parse does not.
 */
const floatJson = (value: number) => (Number.isNaN(value) ? 'NaN' : value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : JSON.stringify(value));

/**
 * An output's raw bytes as Triton's WriteDataToJson writes them: a flat list; BYTES as strings;
 * 64-bit integers with all their digits. FP16/BF16 cannot be sent as JSON (INVALID_ARG, as in Triton).
 */
export function bytesToJsonData(outputName: string, info: DataTypeInfo, data: Buffer, elements: number): RawJson {
  if (info.binaryOnly) throw new TritonError('INVALID_ARG', `sending ${info.wire} data via JSON is not supported. Please use the binary data format for output`);
  const mismatch = () => new TritonError('INTERNAL', `output tensor shape does not match size of output for '${outputName}'`);
  if (info.size === null) {
    const { elements: strings, malformed } = decodeBytesElements(data);
    if (malformed || strings.length !== elements) throw mismatch();
    return new RawJson(`[${strings.map((s) => JSON.stringify(s.toString('utf8'))).join(',')}]`);
  }
  if (data.length !== elements * info.size) throw mismatch();
  const values: string[] = [];
  for (let i = 0; i < elements; i++) {
    const offset = i * info.size;
    switch (info.wire) {
      case 'BOOL':
        values.push(data.readUInt8(offset) === 0 ? 'false' : 'true');
        break;
      case 'UINT8':
        values.push(String(data.readUInt8(offset)));
        break;
      case 'INT8':
        values.push(String(data.readInt8(offset)));
        break;
      case 'UINT16':
        values.push(String(data.readUInt16LE(offset)));
        break;
      case 'INT16':
        values.push(String(data.readInt16LE(offset)));
        break;
      case 'UINT32':
        values.push(String(data.readUInt32LE(offset)));
        break;
      case 'INT32':
        values.push(String(data.readInt32LE(offset)));
        break;
      case 'UINT64':
        values.push(data.readBigUInt64LE(offset).toString());
        break;
      case 'INT64':
        values.push(data.readBigInt64LE(offset).toString());
        break;
      case 'FP32':
        values.push(floatJson(data.readFloatLE(offset)));
        break;
      case 'FP64':
        values.push(floatJson(data.readDoubleLE(offset)));
        break;
      default:
        throw new TritonError('INVALID_ARG', `Invalid data type for output tensor`);
    }
  }
  return new RawJson(`[${values.join(',')}]`);
}

/** JSON.stringify that writes RawJson values verbatim. Object keys keep their order. */
export function stringifyJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => stringifyJson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stringifyJson(item)}`).join(',')}}`;
  }
  if (typeof value === 'number') return jsonNumber(value);
  return JSON.stringify(value) ?? 'null';
}
