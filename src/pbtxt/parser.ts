/**
 * Schema-driven protobuf text-format parser for `inference.ModelConfig` (and every message in
 * ./schema.ts), written to accept exactly what Triton's parser — the C++ `TextFormat::Parser` of
 * libprotoc 3.21 — accepts, and to reject what it rejects, with its error messages.
 *
 * API
 *   parseTextProto(text: string, type = 'ModelConfig'): ParseResult
 *     → { message: ParsedMessage | undefined; diagnostics: Diagnostic[] }
 *   toJson(message: ParsedMessage): PbJsonObject            (re-exported from ./json.ts)
 *   getField(message, name), lastValue(message, name), mapEntries(field)   (accessors)
 *
 * `diagnostics` is empty exactly when protoc would accept the text. Each diagnostic carries the
 * 1-based line and column (in code points) of the offending token. Two kinds of error:
 *  - syntax errors (malformed tokens, a missing `:`/`{`/`,`/`]`, a value of the wrong token type):
 *    parsing stops there, as protoc's does, and `message` is undefined;
 *  - value errors (unknown field or extension, a singular field or oneof given twice, an unknown
 *    enum name, an integer out of range, a bad boolean word, invalid UTF-8 in a string field):
 *    reported, then parsing goes on (the offending value is left out of `message`, except an
 *    invalid UTF-8 string, kept with U+FFFD for the bad bytes), so one run lists every such
 *    mistake. protoc stops at the first of them, so our first diagnostic is the one protoc prints,
 *    apart from its position for some value errors (protoc points at the token after the field
 *    name or value; we point at the name or value itself). Skipping the value of an unknown field
 *    gives up beyond 100 nesting levels (protobuf's own limit in current releases), so that
 *    hostile input cannot exhaust the stack.
 *
 * Accepted, as by protoc: `#` comments; `name: value` for scalars (colon required) and
 * `name { }` / `name: { }` / `name < >` for messages; `name: [a, b]` lists for repeated fields
 * (messages too, `[]` allowed, no trailing comma), mixed with repeated `name: value`; an optional
 * `,` or `;` after each field; adjacent string literals concatenated; enum values as names or as
 * numbers (any int32: proto3 enums are open, so protoc keeps unknown numbers); booleans as
 * true/True/t/false/False/f/1/0; floats as decimal, exponent, `f`-suffixed, inf/infinity/nan (any
 * case, optionally negative); map fields as repeated `{ key: ... value: ... }` entries (last
 * duplicate key wins when read as a map). A singular field may appear again only while its value
 * so far is the proto3 default (protobuf tracks no presence for those), e.g.
 * `max_batch_size: 0 max_batch_size: 4` is accepted but `max_batch_size: 4 max_batch_size: 0` is not.
 * `[ext.name]` syntax parses but is always an error: ModelConfig has no extensions and no `Any` field.
 *
 * One deliberate addition: protoc's parser accepts invalid UTF-8 in `string` fields (from `\xff`-style
 * escapes or lone `\uD800` surrogates); protobuf only logs "String field ... contains invalid UTF-8
 * data" at ERROR level when the message is serialised (protoc still exits 0), and Python's protobuf
 * refuses to parse the encoded message. We report it as an error.
 */

import { Tokenizer, decodeStringLiteral, parseFloatToken, parseIntegerToken, type Position, type Token } from './lexer.js';
import { ENUMS, fullName, mapEntryDescriptor, messageDescriptor, type FieldDescriptor, type MessageDescriptor } from './schema.js';

export { toJson } from './json.js';
export type { Position } from './lexer.js';

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

export interface ParseResult {
  /** Undefined when a syntax error stopped the parse; when value errors were reported, holds the valid rest. */
  message: ParsedMessage | undefined;
  diagnostics: Diagnostic[];
}

/** Parse protobuf text format into a message of schema type `type` (default `ModelConfig`). */
export function parseTextProto(text: string, type = 'ModelConfig'): ParseResult {
  const diagnostics: Diagnostic[] = [];
  try {
    return { message: new TextFormatParser(text, diagnostics).parseMessageBody(type), diagnostics };
  } catch (error) {
    if (error instanceof SyntaxStop) return { message: undefined, diagnostics };
    throw error;
  }
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

/** Thrown to unwind the parser at the first syntax error. */
class SyntaxStop extends Error {}

const INT32_MAX = 2n ** 31n - 1n;
const UINT32_MAX = 2n ** 32n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** Nesting limit when skipping unknown fields (protobuf's text-format recursion limit in current releases). */
const SKIP_DEPTH_LIMIT = 100;

/** Per-message bookkeeping for protobuf's "specified multiple times" and oneof checks. */
interface MessageInProgress {
  message: ParsedMessage;
  descriptor: MessageDescriptor;
  /** Singular fields protobuf would report as set (`HasField`). */
  setFields: Set<string>;
  /** oneof name → the member that is set. */
  setOneofs: Map<string, string>;
}

class TextFormatParser {
  private readonly tokenizer: Tokenizer;
  /** Nesting of unknown fields being skipped. */
  private skipDepth = 0;

  constructor(
    private readonly text: string,
    readonly diagnostics: Diagnostic[],
  ) {
    this.tokenizer = new Tokenizer(text);
    this.checkTokenizer();
  }

  /** The top-level message: fields up to the end of the text, no delimiters. */
  parseMessageBody(type: string): ParsedMessage {
    const state = this.startMessage(type, { line: 1, column: 1 });
    while (this.current.type !== 'end') this.consumeField(state);
    state.message.end = { line: this.current.line, column: this.current.column };
    return state.message;
  }

  // --- tokens -------------------------------------------------------------------------------

  private get current(): Token {
    return this.tokenizer.current;
  }

  private next(): void {
    this.tokenizer.next();
    this.checkTokenizer();
  }

  /** A malformed token ends the parse, as it makes protoc's parse fail. */
  private checkTokenizer(): void {
    const error = this.tokenizer.error;
    if (error) this.fail(error, error.message);
  }

  private lookingAt(text: string): boolean {
    return this.current.text === text;
  }

  private tryConsume(text: string): boolean {
    if (!this.lookingAt(text)) return false;
    this.next();
    return true;
  }

  private consume(text: string): void {
    if (!this.tryConsume(text)) this.fail(this.current, `Expected "${text}", found "${this.current.text}".`);
  }

  private consumeIdentifier(): string {
    const token = this.current;
    if (token.type !== 'identifier') this.fail(token, `Expected identifier, got: ${token.text}`);
    this.next();
    return token.text;
  }

  private endOfPrevious(): Position {
    return { line: this.tokenizer.previous.endLine, column: this.tokenizer.previous.endColumn };
  }

  // --- diagnostics ----------------------------------------------------------------------------

  /** Record a value error and go on. */
  private report(at: Position, message: string): void {
    this.diagnostics.push({ line: at.line, column: at.column, message, severity: 'error' });
  }

  /** Record a syntax error and stop. */
  private fail(at: Position, message: string): never {
    this.report(at, message);
    throw new SyntaxStop(message);
  }

  // --- messages and fields ----------------------------------------------------------------------

  private startMessage(type: string, at: Position): MessageInProgress {
    return {
      message: { type, fields: [], at: { line: at.line, column: at.column }, end: { line: at.line, column: at.column } },
      descriptor: messageDescriptor(type),
      setFields: new Set(),
      setOneofs: new Map(),
    };
  }

  private consumeField(state: MessageInProgress): void {
    const nameToken = this.current;
    const nameAt = { line: nameToken.line, column: nameToken.column };

    if (this.lookingAt('[')) {
      // Extension or Any type URL: `[full.type.Name]`. Nothing in ModelConfig accepts one.
      this.next();
      let extensionName = this.consumeIdentifier();
      while (this.tryConsume('.')) extensionName += '.' + this.consumeIdentifier();
      this.consume(']');
      this.report(nameAt, `Extension "${extensionName}" is not defined or is not an extension of "${fullName(state.message.type)}".`);
      this.skipFieldBody();
      return;
    }

    const name = this.consumeIdentifier();
    const field = state.descriptor.fields.find((candidate) => candidate.name === name);
    if (!field) {
      this.report(nameAt, `Message type "${fullName(state.message.type)}" has no field named "${name}".`);
      this.skipFieldBody();
      return;
    }

    const otherOneofMember = field.oneof ? state.setOneofs.get(field.oneof) : undefined;
    if (!field.repeated && state.setFields.has(field.name)) {
      this.report(nameAt, `Non-repeated field "${name}" is specified multiple times.`);
    } else if (otherOneofMember !== undefined) {
      this.report(nameAt, `Field "${name}" is specified along with field "${otherOneofMember}", another member of oneof "${field.oneof}".`);
    }

    // The colon is optional before a message value and required before a scalar one.
    if (field.kind === 'message') this.tryConsume(':');
    else this.consume(':');

    const parsedField = this.fieldRecord(state.message, field);
    parsedField.nameAt.push(nameAt);
    if (field.repeated && this.tryConsume('[')) {
      // List form `[a, b]`; `[]` is an empty list.
      if (!this.tryConsume(']')) {
        for (;;) {
          this.consumeValue(state, field, parsedField, nameAt);
          if (this.tryConsume(']')) break;
          this.consume(',');
        }
      }
    } else {
      this.consumeValue(state, field, parsedField, nameAt);
    }
    // For historical reasons protobuf allows a `;` or `,` after a field.
    if (!this.tryConsume(';')) this.tryConsume(',');
  }

  private fieldRecord(message: ParsedMessage, descriptor: FieldDescriptor): ParsedField {
    let record = message.fields.find((candidate) => candidate.name === descriptor.name);
    if (!record) {
      record = { name: descriptor.name, descriptor, nameAt: [], values: [] };
      message.fields.push(record);
    }
    return record;
  }

  private consumeValue(state: MessageInProgress, field: FieldDescriptor, parsedField: ParsedField, nameAt: Position): void {
    const first = this.current;
    const value = field.kind === 'message' ? this.consumeMessageValue(state.message.type, field) : this.consumeScalar(state.message.type, field);
    if (value === undefined) return;
    parsedField.values.push({
      value,
      at: { line: first.line, column: first.column },
      end: this.endOfPrevious(),
      nameAt,
      text: this.text.slice(first.start, this.tokenizer.previous.end),
    });
    if (field.repeated) return;
    if (field.oneof && !state.setOneofs.has(field.oneof)) state.setOneofs.set(field.oneof, field.name);
    // Messages and oneof members have presence; other proto3 scalars count as set only when not default.
    if (field.kind === 'message' || field.oneof || !isProto3Default(field, value as ParsedScalar)) state.setFields.add(field.name);
  }

  private consumeMessageValue(parentType: string, field: FieldDescriptor): ParsedMessage {
    const open = this.current;
    let closing = '>';
    if (!this.tryConsume('<')) {
      this.consume('{');
      closing = '}';
    }
    const type = field.map ? mapEntryDescriptor(parentType, field).name : field.messageType ?? '';
    const state = this.startMessage(type, open);
    // protobuf ends a message at either closing delimiter, then insists on the matching one.
    while (!this.lookingAt('>') && !this.lookingAt('}')) this.consumeField(state);
    this.consume(closing);
    state.message.end = this.endOfPrevious();
    return state.message;
  }

  // --- scalar values ----------------------------------------------------------------------------

  /** A scalar value, or undefined after reporting a value error. */
  private consumeScalar(messageType: string, field: FieldDescriptor): ParsedScalar | undefined {
    switch (field.kind) {
      case 'int32': {
        const value = this.consumeSignedInteger(INT32_MAX);
        return value === undefined ? undefined : Number(value);
      }
      case 'uint32': {
        const value = this.consumeUnsignedInteger(UINT32_MAX);
        return value === undefined ? undefined : Number(value);
      }
      case 'int64':
        return this.consumeSignedInteger(INT64_MAX);
      case 'uint64':
        return this.consumeUnsignedInteger(UINT64_MAX);
      case 'float': {
        const value = this.consumeDouble();
        return value === undefined ? undefined : doubleToFloat(value);
      }
      case 'double':
        return this.consumeDouble();
      case 'bool':
        return this.consumeBool(field);
      case 'enum':
        return this.consumeEnum(field);
      case 'string':
      case 'bytes':
        return this.consumeString(messageType, field);
      case 'message':
        throw new Error('unreachable: message fields are not scalars');
    }
  }

  private consumeUnsignedInteger(max: bigint): bigint | undefined {
    const token = this.current;
    if (token.type !== 'integer') this.fail(token, `Expected integer, got: ${token.text}`);
    const value = parseIntegerToken(token.text, max);
    if (value === undefined) this.report(token, `Integer out of range (${token.text})`);
    this.next();
    return value;
  }

  private consumeSignedInteger(max: bigint): bigint | undefined {
    // The tokenizer has no negative numbers: `-` is a symbol, and one more negative value fits.
    const negative = this.tryConsume('-');
    const value = this.consumeUnsignedInteger(negative ? max + 1n : max);
    return value === undefined ? undefined : negative ? -value : value;
  }

  private consumeDouble(): number | undefined {
    const negative = this.tryConsume('-');
    const token = this.current;
    let value: number;
    if (token.type === 'integer') {
      if (/^0[xX0-7]/.test(token.text)) {
        this.report(token, `Expect a decimal number, got: ${token.text}`);
        this.next();
        return undefined;
      }
      value = Number(token.text);
    } else if (token.type === 'float') {
      value = parseFloatToken(token.text);
    } else if (token.type === 'identifier') {
      const word = token.text.toLowerCase();
      if (word === 'inf' || word === 'infinity') value = Infinity;
      else if (word === 'nan') value = NaN;
      else {
        this.report(token, `Expected double, got: ${word}`);
        this.next();
        return undefined;
      }
    } else {
      this.fail(token, `Expected double, got: ${token.text}`);
    }
    this.next();
    return negative ? -value : value;
  }

  private consumeBool(field: FieldDescriptor): boolean | undefined {
    if (this.current.type === 'integer') {
      const value = this.consumeUnsignedInteger(1n);
      return value === undefined ? undefined : value === 1n;
    }
    const token = this.current;
    const word = this.consumeIdentifier();
    if (word === 'true' || word === 'True' || word === 't') return true;
    if (word === 'false' || word === 'False' || word === 'f') return false;
    this.report(token, `Invalid value for boolean field "${field.name}". Value: "${word}".`);
    return undefined;
  }

  private consumeEnum(field: FieldDescriptor): string | number | undefined {
    const enumType = field.enumType ?? '';
    const values = ENUMS[enumType]?.values ?? [];
    const token = this.current;
    if (token.type === 'identifier') {
      const name = this.consumeIdentifier();
      if (values.some((value) => value.name === name)) return name;
      this.report(token, enumType === 'DataType' ? `unknown data type ${name}` : `unknown value ${name} for enum ${enumType} of field ${field.name}`);
      return undefined;
    }
    if (this.lookingAt('-') || token.type === 'integer') {
      const number = this.consumeSignedInteger(INT32_MAX);
      if (number === undefined) return undefined;
      // proto3 enums are open: protobuf keeps a number that names no value.
      return values.find((value) => BigInt(value.number) === number)?.name ?? Number(number);
    }
    this.fail(token, `Expected integer or identifier, got: ${token.text}`);
  }

  private consumeString(messageType: string, field: FieldDescriptor): string | undefined {
    const first = this.current;
    if (first.type !== 'string') this.fail(first, `Expected string, got: ${first.text}`);
    // Adjacent literals are one value: "ab" "cd" == "abcd".
    const bytes: number[] = [];
    while (this.current.type === 'string') {
      bytes.push(...decodeStringLiteral(this.current.text));
      this.next();
    }
    if (field.kind === 'bytes') return String.fromCharCode(...bytes);
    const data = Uint8Array.from(bytes);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      // protobuf keeps the bytes (so the field counts as set): keep them, decoded with U+FFFD.
      this.report(first, `String field "${fullName(messageType)}.${field.name}" contains invalid UTF-8 data.`);
      return new TextDecoder('utf-8').decode(data);
    }
  }

  // --- skipping unknown fields (after reporting them), as protobuf's SkipField does -------------------

  private skipFieldBody(): void {
    if (this.tryConsume(':') && !this.lookingAt('{') && !this.lookingAt('<')) this.skipFieldValue();
    else this.skipFieldMessage();
    if (!this.tryConsume(';')) this.tryConsume(',');
  }

  private skipField(): void {
    if (this.tryConsume('[')) {
      this.consumeIdentifier();
      while (this.tryConsume('.')) this.consumeIdentifier();
      this.consume(']');
    } else {
      this.consumeIdentifier();
    }
    this.skipFieldBody();
  }

  private skipFieldMessage(): void {
    // Known fields nest only as deep as the schema; unknown ones could nest without end.
    if (++this.skipDepth > SKIP_DEPTH_LIMIT) {
      this.fail(this.current, `Message is too deep, the parser exceeded the configured recursion limit of ${SKIP_DEPTH_LIMIT}.`);
    }
    let closing = '>';
    if (!this.tryConsume('<')) {
      this.consume('{');
      closing = '}';
    }
    while (!this.lookingAt('>') && !this.lookingAt('}')) this.skipField();
    this.consume(closing);
    this.skipDepth -= 1;
  }

  private skipFieldValue(): void {
    if (++this.skipDepth > SKIP_DEPTH_LIMIT) {
      this.fail(this.current, `Message is too deep, the parser exceeded the configured recursion limit of ${SKIP_DEPTH_LIMIT}.`);
    }
    try {
      this.skipScalarOrList();
    } finally {
      this.skipDepth -= 1;
    }
  }

  private skipScalarOrList(): void {
    if (this.current.type === 'string') {
      while (this.current.type === 'string') this.next();
      return;
    }
    if (this.tryConsume('[')) {
      if (this.tryConsume(']')) return;
      for (;;) {
        if (this.lookingAt('{') || this.lookingAt('<')) this.skipFieldMessage();
        else this.skipFieldValue();
        if (this.tryConsume(']')) return;
        this.consume(',');
      }
    }
    const hasMinus = this.tryConsume('-');
    const token = this.current;
    if (token.type !== 'integer' && token.type !== 'float' && token.type !== 'identifier') {
      this.fail(token, `Cannot skip field value, unexpected token: ${token.text}`);
    }
    const word = token.text.toLowerCase();
    if (hasMinus && token.type === 'identifier' && word !== 'inf' && word !== 'infinity' && word !== 'nan') {
      this.fail(token, `Invalid float number: ${word}`);
    }
    this.next();
  }
}

/** proto3 scalars have no presence: protobuf's `HasField` is false while the value is the default (0, '', false, the enum's 0 value; -0.0 counts as set). */
function isProto3Default(field: FieldDescriptor, value: ParsedScalar): boolean {
  if (field.kind === 'enum') return value === 0 || ENUMS[field.enumType ?? '']?.values.find((v) => v.number === 0)?.name === value;
  if (typeof value === 'number') return Object.is(value, 0);
  if (typeof value === 'bigint') return value === 0n;
  if (typeof value === 'string') return value === '';
  return value === false;
}

/**
 * A double parsed for a float field, rounded to the nearest float as libprotoc 3.21 does (checked with
 * protoc: 3.40282356e38 gives FLT_MAX, 3.4028236e38 gives inf — plain round-to-nearest, which is
 * Math.fround; later protobuf releases clamp at FLT_MAX instead).
 */
function doubleToFloat(value: number): number {
  return Math.fround(value);
}
