/**
 * A parsed protobuf text-format message (what parser.ts produces), with every value's place in the
 * source, the diagnostics of a parse, and the accessors the readers of a config use: getField, lastValue, mapEntries.
 */

import type { Position } from './lexer.js';
import type { FieldDescriptor } from './schema.js';

export type { Position } from './lexer.js';

/** A problem found while parsing, where protoc would report it. */
export interface Diagnostic {
  /** 1-based line of the offending token. */
  line: number;
  /** 1-based column (code points) of the offending token. */
  column: number;
  message: string;
  severity: 'error';
}

/**
 * A decoded scalar: `string` for string fields; `boolean`; `number` for int32/uint32/float/double;
 * `bigint` for int64/uint64; for enum fields the value's name, or its number when the enum has no
 * value with that number.
 */
export type ParsedScalar = string | number | bigint | boolean;

export interface ParsedValue {
  value: ParsedScalar | ParsedMessage;
  /** Start of the value's first token (for a message, its `{` or `<`). */
  at: Position;
  /** Just after the value's last token. */
  end: Position;
  /** Start of the field name this value was written under. */
  nameAt: Position;
  /** Source text of the value, e.g. `0x10`, `"a" "b"`, `TYPE_FP32`, `{ key: "k" }`. */
  text: string;
}

export interface ParsedField {
  name: string;
  descriptor: FieldDescriptor;
  /** Every place the field name was written, in order (a repeated field may be written many times). */
  nameAt: Position[];
  /**
   * Values in source order. A repeated field's values from all its occurrences and lists; a map
   * field's entries (messages with `key` and `value`); a singular field normally has one (several
   * only when earlier ones were the default, see above: the last one counts).
   */
  values: ParsedValue[];
}

export interface ParsedMessage {
  /** Schema type name, e.g. `ModelConfig`, `ModelInput`, `ModelConfig.ParametersEntry`. */
  type: string;
  /** Fields in the order they first appear. */
  fields: ParsedField[];
  /** Opening delimiter (1:1 for the top-level message). */
  at: Position;
  /** Just after the closing delimiter (end of text for the top-level message). */
  end: Position;
}

export function getField(message: ParsedMessage, name: string): ParsedField | undefined {
  return message.fields.find((field) => field.name === name);
}

/** The value that counts for a singular field: the last one written. */
export function lastValue(message: ParsedMessage, name: string): ParsedValue | undefined {
  return getField(message, name)?.values.at(-1);
}

export interface MapEntry {
  /** The key (its proto3 default when the entry gives none). */
  key: string | bigint | number | boolean;
  /** The entry's value, absent when the entry gives none. */
  value: ParsedValue | undefined;
  /** The whole entry. */
  entry: ParsedValue;
}

/** Entries of a map field in source order (a later entry with the same key overrides an earlier one when read as a map). */
export function mapEntries(field: ParsedField): MapEntry[] {
  const keyKind = field.descriptor.map?.key ?? 'string';
  return field.values.map((entry) => {
    const entryMessage = entry.value as ParsedMessage;
    const key = lastValue(entryMessage, 'key')?.value as MapEntry['key'] | undefined;
    return { key: key ?? defaultMapKey(keyKind), value: lastValue(entryMessage, 'value'), entry };
  });
}

function defaultMapKey(kind: string): MapEntry['key'] {
  if (kind === 'string') return '';
  if (kind === 'bool') return false;
  return kind === 'int64' || kind === 'uint64' ? 0n : 0;
}
