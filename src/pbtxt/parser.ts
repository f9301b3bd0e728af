/**
 * Schema-driven protobuf text-format parser for `inference.ModelConfig` (and every message in
 * ./schema.ts), written to accept exactly what Triton's parser — the C++ `TextFormat::Parser` of
 * libprotoc 3.21 — accepts, and to reject what it rejects, with its error messages.
 *
 * API
 *   parseTextProto(text: string, type = 'ModelConfig'): ParseResult
 *     → { message: ParsedMessage | undefined; diagnostics: Diagnostic[] }
 *   The message's types and accessors (getField, lastValue, mapEntries) are in ./message.ts, its
 *   JSON forms (toJson, withTritonDefaults) in ./json.ts. The token level and the scalar values are in
 *   ./values.ts, which TextFormatParser extends with fields, messages and skipping unknown fields.
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

import type { Position } from './lexer.js';
import type { Diagnostic, ParsedField, ParsedMessage, ParsedScalar } from './message.js';
import { ENUMS, fullName, mapEntryDescriptor, messageDescriptor, type FieldDescriptor, type MessageDescriptor } from './schema.js';
import { SyntaxStop, ValueReader } from './values.js';

export type { Diagnostic, Position } from './message.js';

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

class TextFormatParser extends ValueReader {
  /** Nesting of unknown fields being skipped. */
  private skipDepth = 0;

  /** The top-level message: fields up to the end of the text, no delimiters. */
  parseMessageBody(type: string): ParsedMessage {
    const state = this.startMessage(type, { line: 1, column: 1 });
    while (this.current.type !== 'end') this.consumeField(state);
    state.message.end = { line: this.current.line, column: this.current.column };
    return state.message;
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
