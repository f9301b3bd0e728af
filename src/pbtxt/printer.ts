/**
 * Protobuf text-format printer for ModelConfig-shaped values.
 *
 * Input is the JSON form Triton itself uses (`/v2/models/<m>/config`, `args["model_config"]`):
 * proto field names, repeated fields as arrays, maps as objects, enums as their names. Output is
 * the text format `google::protobuf::TextFormat` parses: enums bare, strings double-quoted and
 * escaped, repeated scalars as `[ a, b ]` lists, repeated messages as `field [ { }, { } ]`, map
 * entries as one `field { key: ... value { ... } }` block each. Field order follows the input
 * object, so callers decide the layout a reader sees.
 *
 * Every field kind of ./schema.ts prints, including what toJson() (./json.ts) produces: int64 as
 * numbers, bigints or decimal strings; enum values that name nothing as their number; float
 * NaN/±infinity as numbers or as protobuf's JSON strings ("NaN", "Infinity", "-Infinity"), printed
 * `nan`/`inf`/`-inf`; -0 as `-0`; integer map keys (JSON object keys) bare. An empty map prints
 * nothing (text format has no way to write one).
 */

import { ENUMS, messageDescriptor, type FieldDescriptor, type MapKeyKind, type ScalarKind } from './schema.js';

export type PbJson = string | number | bigint | boolean | PbJsonObject | PbJson[];
export interface PbJsonObject {
  [field: string]: PbJson | undefined;
}

const INDENT = '  ';

/** Escape a string as a double-quoted text-format literal. Bytes outside printable ASCII use octal escapes of their UTF-8 encoding, as protobuf's own printer does. */
export function quoteString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    switch (byte) {
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x27:
        out += "\\'";
        break;
      case 0x5c:
        out += '\\\\';
        break;
      default:
        if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
        else out += '\\' + byte.toString(8).padStart(3, '0');
    }
  }
  return out + '"';
}

const NON_FINITE: Record<string, string> = { NaN: 'nan', Infinity: 'inf', '-Infinity': '-inf' };

function printScalar(kind: ScalarKind | 'enum', value: PbJson, field: FieldDescriptor): string {
  switch (kind) {
    case 'string':
    case 'bytes':
      if (typeof value !== 'string') throw new TypeError(`field ${field.name}: expected a string`);
      return quoteString(value);
    case 'bool':
      if (typeof value !== 'boolean') throw new TypeError(`field ${field.name}: expected a boolean`);
      return value ? 'true' : 'false';
    case 'enum': {
      // proto3 enums are open: a number that names no value is printed as the number.
      if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return String(value);
      const names = ENUMS[field.enumType ?? '']?.values.map((v) => v.name) ?? [];
      if (typeof value !== 'string' || !names.includes(value)) {
        throw new TypeError(`field ${field.name}: ${String(value)} is not a value of ${field.enumType}`);
      }
      return value;
    }
    case 'float':
    case 'double': {
      // Non-finite values as protobuf's JSON writes them ("NaN", "Infinity", "-Infinity") or as JS numbers.
      const special = typeof value === 'string' ? NON_FINITE[value] : typeof value === 'number' && !Number.isFinite(value) ? NON_FINITE[String(value)] : undefined;
      if (special !== undefined) return special;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`field ${field.name}: expected a number`);
      return Object.is(value, -0) ? '-0' : String(value);
    }
    default: {
      // Integer kinds; int64 values may arrive as bigint or decimal strings (JSON's int64 form).
      const text = typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : typeof value === 'number' && Number.isInteger(value) ? String(value) : '';
      if (!/^-?\d+$/.test(text)) throw new TypeError(`field ${field.name}: expected an integer`);
      return text;
    }
  }
}

/** Map keys are object keys (strings) in JSON; integer and bool keys are printed bare. */
function printMapKey(kind: MapKeyKind, key: string, field: FieldDescriptor): string {
  if (kind === 'string') return quoteString(key);
  if (kind === 'bool') {
    if (key !== 'true' && key !== 'false') throw new TypeError(`field ${field.name}: map key ${key} is not a bool`);
    return key;
  }
  if (!/^-?\d+$/.test(key)) throw new TypeError(`field ${field.name}: map key ${key} is not an integer`);
  return key;
}

function printMessageBody(type: string, value: PbJsonObject, depth: number, lines: string[]): void {
  const descriptor = messageDescriptor(type);
  const pad = INDENT.repeat(depth);
  let first = true;
  for (const [name, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined) continue;
    const field = descriptor.fields.find((d) => d.name === name);
    if (!field) throw new TypeError(`${type} has no field named ${name}`);
    // At the top level a blank line sets each message-valued field apart, as Triton's docs lay configs out.
    if (depth === 0 && field.kind === 'message' && !first) lines.push('');
    first = false;

    if (field.map) {
      if (typeof fieldValue !== 'object' || Array.isArray(fieldValue)) throw new TypeError(`field ${name}: expected a map object`);
      for (const [key, entryValue] of Object.entries(fieldValue as PbJsonObject)) {
        if (entryValue === undefined) continue;
        lines.push(`${pad}${name} {`);
        lines.push(`${pad}${INDENT}key: ${printMapKey(field.map.key, key, field)}`);
        if (field.map.value === 'message') {
          lines.push(`${pad}${INDENT}value {`);
          printMessageBody(field.map.valueMessageType ?? '', entryValue as PbJsonObject, depth + 2, lines);
          lines.push(`${pad}${INDENT}}`);
        } else {
          lines.push(`${pad}${INDENT}value: ${printScalar(field.map.value, entryValue, field)}`);
        }
        lines.push(`${pad}}`);
      }
      continue;
    }

    if (field.kind === 'message') {
      const messageType = field.messageType ?? '';
      if (field.repeated) {
        if (!Array.isArray(fieldValue)) throw new TypeError(`field ${name}: expected a list`);
        lines.push(`${pad}${name} [`);
        fieldValue.forEach((element, index) => {
          lines.push(`${pad}${INDENT}{`);
          printMessageBody(messageType, element as PbJsonObject, depth + 2, lines);
          lines.push(`${pad}${INDENT}}${index < fieldValue.length - 1 ? ',' : ''}`);
        });
        lines.push(`${pad}]`);
      } else {
        const inner: string[] = [];
        printMessageBody(messageType, fieldValue as PbJsonObject, depth + 1, inner);
        if (inner.length === 0) lines.push(`${pad}${name} { }`);
        else lines.push(`${pad}${name} {`, ...inner, `${pad}}`);
      }
      continue;
    }

    if (field.repeated) {
      if (!Array.isArray(fieldValue)) throw new TypeError(`field ${name}: expected a list`);
      const items = fieldValue.map((v) => printScalar(field.kind as ScalarKind, v, field));
      lines.push(items.length > 0 ? `${pad}${name}: [ ${items.join(', ')} ]` : `${pad}${name}: [ ]`);
    } else {
      lines.push(`${pad}${name}: ${printScalar(field.kind as ScalarKind | 'enum', fieldValue, field)}`);
    }
  }
}

/** Print a ModelConfig (or any message named in the schema) as protobuf text format, ending with a newline. */
export function printTextProto(value: PbJsonObject, type = 'ModelConfig'): string {
  const lines: string[] = [];
  printMessageBody(type, value, 0, lines);
  return lines.join('\n') + '\n';
}
