/**
 * Raw tensor bytes for Triton's binary tensor data extension: little-endian, row-major; BOOL one
 * byte; BYTES elements as a 4-byte little-endian length and the bytes. FP16 and BF16 travel only
 * this way (Triton's JSON has no half-precision numbers).
 */

import { dataTypeInfo, type DataType } from '../model-spec/dtypes.js';

const float32 = new Float32Array(1);
const float32Bits = new Uint32Array(float32.buffer);

/** IEEE 754 binary16 bits of `value` (through float32), rounded to nearest even. */
export function float16Bits(value: number): number {
  float32[0] = value;
  const bits = float32Bits[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** bfloat16 bits of `value`: the upper half of its float32, rounded to nearest even. */
export function bfloat16Bits(value: number): number {
  float32[0] = value;
  const bits = float32Bits[0] as number;
  if (Number.isNaN(value)) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The bytes Triton expects for a tensor of `dataType` holding the flat row-major `values`. */
export function encodeTensor(dataType: DataType, values: readonly (number | boolean | string)[]): Buffer {
  const info = dataTypeInfo(dataType);
  if (info.size === null) {
    const parts = values.map((value) => {
      const text = Buffer.from(String(value), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      return Buffer.concat([length, text]);
    });
    return Buffer.concat(parts);
  }
  const buffer = Buffer.alloc(info.size * values.length);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  values.forEach((raw, i) => {
    const offset = i * (info.size as number);
    const value = typeof raw === 'boolean' ? Number(raw) : Number(raw);
    switch (dataType) {
      case 'BOOL':
      case 'UINT8':
        view.setUint8(offset, value);
        break;
      case 'INT8':
        view.setInt8(offset, value);
        break;
      case 'UINT16':
        view.setUint16(offset, value, true);
        break;
      case 'INT16':
        view.setInt16(offset, value, true);
        break;
      case 'UINT32':
        view.setUint32(offset, value, true);
        break;
      case 'INT32':
        view.setInt32(offset, value, true);
        break;
      case 'UINT64':
        view.setBigUint64(offset, BigInt(value), true);
        break;
      case 'INT64':
        view.setBigInt64(offset, BigInt(value), true);
        break;
      case 'FP16':
        view.setUint16(offset, float16Bits(value), true);
        break;
      case 'BF16':
        view.setUint16(offset, bfloat16Bits(value), true);
        break;
      case 'FP32':
        view.setFloat32(offset, value, true);
        break;
      case 'FP64':
        view.setFloat64(offset, value, true);
        break;
      default:
        throw new Error(`no binary encoding for ${dataType}`);
    }
  });
  return buffer;
}
