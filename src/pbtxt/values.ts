/**
 * The token level of the text-format parser (parser.ts): the token stream with protoc's messages
 * for what it expected, the diagnostics (a value error is recorded and parsing goes on; a syntax
 * error stops it), and scalar values read as libprotoc 3.21 reads them: integers in range, doubles
 * and floats, booleans, enums (open, as proto3 enums are), strings (adjacent literals joined,
 * invalid UTF-8 reported).
 */

import { Tokenizer, decodeStringLiteral, parseFloatToken, parseIntegerToken, type Position, type Token } from './lexer.js';
import type { Diagnostic, ParsedScalar } from './message.js';
import { ENUMS, fullName, type FieldDescriptor } from './schema.js';

/** Thrown to unwind the parser at the first syntax error. */
export class SyntaxStop extends Error {}

const INT32_MAX = 2n ** 31n - 1n;
const UINT32_MAX = 2n ** 32n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

export class ValueReader {
  protected readonly tokenizer: Tokenizer;

  constructor(
    protected readonly text: string,
    readonly diagnostics: Diagnostic[],
  ) {
    this.tokenizer = new Tokenizer(text);
    this.checkTokenizer();
  }

  // --- tokens -------------------------------------------------------------------------------

  protected get current(): Token {
    return this.tokenizer.current;
  }

  protected next(): void {
    this.tokenizer.next();
    this.checkTokenizer();
  }

  /** A malformed token ends the parse, as it makes protoc's parse fail. */
  protected checkTokenizer(): void {
    const error = this.tokenizer.error;
    if (error) this.fail(error, error.message);
  }

  protected lookingAt(text: string): boolean {
    return this.current.text === text;
  }

  protected tryConsume(text: string): boolean {
    if (!this.lookingAt(text)) return false;
    this.next();
    return true;
  }

  protected consume(text: string): void {
    if (!this.tryConsume(text)) this.fail(this.current, `Expected "${text}", found "${this.current.text}".`);
  }

  protected consumeIdentifier(): string {
    const token = this.current;
    if (token.type !== 'identifier') this.fail(token, `Expected identifier, got: ${token.text}`);
    this.next();
    return token.text;
  }

  protected endOfPrevious(): Position {
    return { line: this.tokenizer.previous.endLine, column: this.tokenizer.previous.endColumn };
  }

  // --- diagnostics ----------------------------------------------------------------------------

  /** Record a value error and go on. */
  protected report(at: Position, message: string): void {
    this.diagnostics.push({ line: at.line, column: at.column, message, severity: 'error' });
  }

  /** Record a syntax error and stop. */
  protected fail(at: Position, message: string): never {
    this.report(at, message);
    throw new SyntaxStop(message);
  }

  // --- scalar values ----------------------------------------------------------------------------

  /** A scalar value, or undefined after reporting a value error. */
  protected consumeScalar(messageType: string, field: FieldDescriptor): ParsedScalar | undefined {
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

  protected consumeUnsignedInteger(max: bigint): bigint | undefined {
    const token = this.current;
    if (token.type !== 'integer') this.fail(token, `Expected integer, got: ${token.text}`);
    const value = parseIntegerToken(token.text, max);
    if (value === undefined) this.report(token, `Integer out of range (${token.text})`);
    this.next();
    return value;
  }

  protected consumeSignedInteger(max: bigint): bigint | undefined {
    // The tokenizer has no negative numbers: `-` is a symbol, and one more negative value fits.
    const negative = this.tryConsume('-');
    const value = this.consumeUnsignedInteger(negative ? max + 1n : max);
    return value === undefined ? undefined : negative ? -value : value;
  }

  protected consumeDouble(): number | undefined {
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

  protected consumeBool(field: FieldDescriptor): boolean | undefined {
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

  protected consumeEnum(field: FieldDescriptor): string | number | undefined {
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

  protected consumeString(messageType: string, field: FieldDescriptor): string | undefined {
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
}

/**
 * A double parsed for a float field, rounded to the nearest float as libprotoc 3.21 does (checked with
 * protoc: 3.40282356e38 gives FLT_MAX, 3.4028236e38 gives inf — plain round-to-nearest, which is
 * Math.fround; later protobuf releases clamp at FLT_MAX instead).
 */
function doubleToFloat(value: number): number {
  return Math.fround(value);
}
