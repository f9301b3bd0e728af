/**
 * Tokenizer for protobuf text format, a port of the parts of protobuf's C++ `io::Tokenizer` that
 * `TextFormat::Parser` (libprotoc 3.21, what Triton links) uses: `#` line comments, identifiers,
 * integers (decimal, `0x` hex, leading-`0` octal), floats (`1.5`, `.5`, `5.`, `1e3`, with the `f`
 * suffix allowed), single- or double-quoted strings (no raw newline), and one-character symbols.
 *
 * Like protobuf's tokenizer it reads one token ahead (`current`), and reports malformed input with
 * protobuf's own messages (`Need space between number and identifier.`, `String literals cannot
 * cross line boundaries.`, ...). Unlike it, the caller is expected to stop at the first error
 * (`error`), which is what makes the whole parse fail in protobuf too.
 *
 * Positions are 1-based; a column counts Unicode code points (protoc counts bytes and expands tabs
 * to multiples of 8, so its columns differ on lines holding tabs or non-ASCII text before the spot).
 * Lines end at `\n` only (`\r` is whitespace), as in protobuf.
 *
 * String values: `decodeStringLiteral` turns the raw text of one string token into its bytes, with
 * protobuf's unescaping rules (octal and `\x` escapes give single bytes, `\u`/`\U` give UTF-8).
 */

export type TokenType = 'identifier' | 'integer' | 'float' | 'string' | 'symbol' | 'end';

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, in code points. */
  column: number;
}

export interface Token extends Position {
  type: TokenType;
  /** Source text of the token (strings keep their quotes and escapes); '' for the end token. */
  text: string;
  /** Offsets into the source string (UTF-16 code units), `end` exclusive. */
  start: number;
  end: number;
  /** Position just after the token. */
  endLine: number;
  endColumn: number;
}

export interface TokenizerError extends Position {
  message: string;
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isOctalDigit = (c: string) => c >= '0' && c <= '7';
const isHexDigit = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
/** protobuf's `Letter` class includes the underscore. */
const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isAlphanumeric = (c: string) => isLetter(c) || isDigit(c);
const isWhitespace = (c: string) => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\v' || c === '\f';
/** Control characters other than whitespace (and NUL) may not appear outside strings. */
const isUnprintable = (c: string) => c !== '' && c < ' ' && !isWhitespace(c);
/** Characters that may follow a backslash on their own. */
const isSimpleEscape = (c: string) => c !== '' && 'abfnrtv\\?\'"'.includes(c);

export class Tokenizer {
  /** The token the parser is looking at. */
  current: Token;
  /** The token consumed last (the start token before the first `next()`). */
  previous: Token;
  /** The first malformed-input error met so far, if any. */
  error: TokenizerError | undefined;

  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly text: string) {
    this.current = this.makeToken('end', 0, { line: 1, column: 1 });
    this.previous = this.current;
    this.next();
  }

  /** Advance to the next token; returns false at the end of input. */
  next(): boolean {
    this.previous = this.current;
    for (;;) {
      this.skipWhitespaceAndComments();
      if (this.offset >= this.text.length) {
        this.current = this.makeToken('end', this.offset, this.here());
        return false;
      }
      const c = this.peek();
      if (isUnprintable(c) || c === '\0') {
        this.addError('Invalid control characters encountered in text.');
        while (isUnprintable(this.peek()) || this.peek() === '\0') this.advance();
        continue;
      }
      this.current = this.readToken();
      return true;
    }
  }

  private readToken(): Token {
    const start = this.offset;
    const at = this.here();
    const c = this.peek();
    if (isLetter(c)) {
      this.advance();
      while (isAlphanumeric(this.peek())) this.advance();
      return this.makeToken('identifier', start, at);
    }
    if (c === '0') {
      this.advance();
      return this.makeToken(this.readNumber(true, false), start, at);
    }
    if (c === '.') {
      this.advance();
      if (!isDigit(this.peek())) return this.makeToken('symbol', start, at);
      // protobuf rejects `foo.5`: a float glued to an identifier.
      if (this.previous.type === 'identifier' && this.previous.end === start) {
        this.addError('Need space between identifier and decimal point.', at);
      }
      this.advance();
      return this.makeToken(this.readNumber(false, true), start, at);
    }
    if (isDigit(c)) {
      this.advance();
      return this.makeToken(this.readNumber(false, false), start, at);
    }
    if (c === '"' || c === "'") {
      this.advance();
      this.readString(c);
      return this.makeToken('string', start, at);
    }
    // Any other character is a one-character symbol; protobuf reports a non-ASCII one by the value
    // of its first UTF-8 byte.
    const codePoint = this.text.codePointAt(this.offset) ?? 0;
    if (codePoint >= 0x80) {
      const firstByte = Buffer.from(String.fromCodePoint(codePoint), 'utf8')[0] ?? 0;
      this.addError(`Interpreting non ascii codepoint ${firstByte}.`);
    }
    this.advance();
    return this.makeToken('symbol', start, at);
  }

  private readNumber(startedWithZero: boolean, startedWithDot: boolean): 'integer' | 'float' {
    let isFloat = false;
    if (startedWithZero && (this.peek() === 'x' || this.peek() === 'X')) {
      this.advance();
      this.consumeOneOrMore(isHexDigit, '"0x" must be followed by hex digits.');
    } else if (startedWithZero && isDigit(this.peek())) {
      while (isOctalDigit(this.peek())) this.advance();
      if (isDigit(this.peek())) {
        this.addError('Numbers starting with leading zero must be in octal.');
        while (isDigit(this.peek())) this.advance();
      }
    } else {
      if (startedWithDot) {
        isFloat = true;
        while (isDigit(this.peek())) this.advance();
      } else {
        while (isDigit(this.peek())) this.advance();
        if (this.peek() === '.') {
          isFloat = true;
          this.advance();
          while (isDigit(this.peek())) this.advance();
        }
      }
      if (this.peek() === 'e' || this.peek() === 'E') {
        isFloat = true;
        this.advance();
        if (this.peek() === '-' || this.peek() === '+') this.advance();
        this.consumeOneOrMore(isDigit, '"e" must be followed by exponent.');
      }
      // TextFormat allows a C-style `f` suffix on floats (`1.5f`, even `1f`).
      if (this.peek() === 'f' || this.peek() === 'F') {
        isFloat = true;
        this.advance();
      }
    }
    if (isLetter(this.peek())) {
      this.addError('Need space between number and identifier.');
    } else if (this.peek() === '.') {
      this.addError(isFloat ? "Already saw decimal point or exponent; can't have another one." : 'Hex and octal numbers must be integers.');
    }
    return isFloat ? 'float' : 'integer';
  }

  private readString(delimiter: string): void {
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\0') {
        this.addError('Unexpected end of string.');
        return;
      }
      if (c === '\n') {
        this.addError('String literals cannot cross line boundaries.');
        return;
      }
      if (c === delimiter) {
        this.advance();
        return;
      }
      if (c !== '\\') {
        this.advance();
        continue;
      }
      this.advance();
      const escape = this.peek();
      if (isSimpleEscape(escape) || isOctalDigit(escape)) {
        // Further octal digits are plain characters to the tokenizer; decoding takes up to three.
        this.advance();
      } else if (escape === 'x') {
        this.advance();
        if (isHexDigit(this.peek())) this.advance();
        else this.addError('Expected hex digits for escape sequence.');
      } else if (escape === 'u') {
        this.advance();
        if (!this.tryConsumeAll([isHexDigit, isHexDigit, isHexDigit, isHexDigit])) {
          this.addError('Expected four hex digits for \\u escape sequence.');
        }
      } else if (escape === 'U') {
        this.advance();
        // Eight hex digits, at most 001fffff by this shape (protobuf's own check).
        const zero = (ch: string) => ch === '0';
        const zeroOrOne = (ch: string) => ch === '0' || ch === '1';
        if (!this.tryConsumeAll([zero, zero, zeroOrOne, isHexDigit, isHexDigit, isHexDigit, isHexDigit, isHexDigit])) {
          this.addError('Expected eight hex digits up to 10ffff for \\U escape sequence');
        }
      } else {
        // The offending character is left for the loop to take as a plain one.
        this.addError('Invalid escape sequence in string literal.');
      }
    }
  }

  /** Consume characters matching each test in turn; stop at the first mismatch (left unconsumed). */
  private tryConsumeAll(tests: ((c: string) => boolean)[]): boolean {
    for (const test of tests) {
      if (!test(this.peek())) return false;
      this.advance();
    }
    return true;
  }

  private consumeOneOrMore(test: (c: string) => boolean, message: string): void {
    if (!test(this.peek())) {
      this.addError(message);
      return;
    }
    while (test(this.peek())) this.advance();
  }

  private skipWhitespaceAndComments(): void {
    for (;;) {
      const c = this.peek();
      if (isWhitespace(c)) {
        this.advance();
      } else if (c === '#') {
        while (this.offset < this.text.length && this.peek() !== '\n') this.advance();
      } else {
        return;
      }
    }
  }

  /** The character (UTF-16 unit) at the cursor, '' at the end. */
  private peek(): string {
    return this.text.charAt(this.offset);
  }

  /** Move past one code point, keeping line and column. */
  private advance(): void {
    const code = this.text.charCodeAt(this.offset);
    if (code === 0x0a) {
      this.line += 1;
      this.column = 1;
    } else {
      this.column += 1;
    }
    const isPair = code >= 0xd800 && code <= 0xdbff && (this.text.charCodeAt(this.offset + 1) & 0xfc00) === 0xdc00;
    this.offset += isPair ? 2 : 1;
  }

  private here(): Position {
    return { line: this.line, column: this.column };
  }

  private addError(message: string, at: Position = this.here()): void {
    this.error ??= { ...at, message };
  }

  private makeToken(type: TokenType, start: number, at: Position): Token {
    return {
      type,
      text: this.text.slice(start, this.offset),
      line: at.line,
      column: at.column,
      start,
      end: this.offset,
      endLine: this.line,
      endColumn: this.column,
    };
  }
}

/**
 * Bytes of one string token (quotes included), unescaped like protobuf's `Tokenizer::ParseStringAppend`:
 * octal (1–3 digits, value taken modulo 256) and `\x` (1–2 hex digits) escapes give one byte each; `\u`
 * and `\U` give the code point's UTF-8 form (a `\u` high surrogate followed by a `\u` low surrogate
 * combine; a lone surrogate is encoded as is, which is not valid UTF-8; a code point above 0x10FFFF
 * is kept as the literal text `\U` + 8 hex digits, as protobuf does). Other characters give their
 * UTF-8 bytes. The token must have been accepted by `Tokenizer`.
 */
export function decodeStringLiteral(token: string): number[] {
  const bytes: number[] = [];
  const quote = token[0];
  const body = token.endsWith(quote ?? '') && token.length >= 2 ? token.slice(1, -1) : token.slice(1);
  let i = 0;
  const hexValue = (from: number, length: number) => Number.parseInt(body.slice(from, from + length), 16);
  while (i < body.length) {
    const c = body[i] ?? '';
    if (c !== '\\' || i + 1 >= body.length) {
      const codePoint = body.codePointAt(i) ?? 0;
      pushUtf8(bytes, codePoint);
      i += codePoint > 0xffff ? 2 : 1;
      continue;
    }
    const escape = body[i + 1] ?? '';
    i += 2;
    if (isOctalDigit(escape)) {
      let code = Number(escape);
      for (let extra = 0; extra < 2 && isOctalDigit(body[i] ?? ''); extra++, i++) code = code * 8 + Number(body[i]);
      bytes.push(code & 0xff);
    } else if (escape === 'x') {
      let code = 0;
      for (let digits = 0; digits < 2 && isHexDigit(body[i] ?? ''); digits++, i++) code = code * 16 + hexValue(i, 1);
      bytes.push(code);
    } else if (escape === 'u' || escape === 'U') {
      const length = escape === 'u' ? 4 : 8;
      let codePoint = hexValue(i, length);
      i += length;
      const isHighSurrogate = codePoint >= 0xd800 && codePoint <= 0xdbff;
      if (isHighSurrogate && body[i] === '\\' && body[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
        const trail = hexValue(i + 2, 4);
        if (trail >= 0xdc00 && trail <= 0xdfff) {
          codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (trail - 0xdc00);
          i += 6;
        }
      }
      if (codePoint > 0x10ffff) {
        for (const ch of `\\U${codePoint.toString(16).padStart(8, '0')}`) bytes.push(ch.charCodeAt(0));
      } else {
        pushUtf8(bytes, codePoint);
      }
    } else {
      bytes.push(SIMPLE_ESCAPES[escape] ?? escape.charCodeAt(0));
    }
  }
  return bytes;
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '?': 63, "'": 39, '"': 34 };

/** UTF-8 encoding of a code point, surrogates included (CESU-style), as protobuf's `AppendUTF8` writes it. */
function pushUtf8(bytes: number[], codePoint: number): void {
  if (codePoint <= 0x7f) {
    bytes.push(codePoint);
  } else if (codePoint <= 0x7ff) {
    bytes.push(0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f));
  } else if (codePoint <= 0xffff) {
    bytes.push(0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f));
  } else {
    bytes.push(0xf0 | (codePoint >> 18), 0x80 | ((codePoint >> 12) & 0x3f), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f));
  }
}

/**
 * Value of an integer token (decimal, `0x` hex or leading-`0` octal) if it is at most `max`, like
 * protobuf's `Tokenizer::ParseInteger`; undefined when it overflows.
 */
export function parseIntegerToken(text: string, max: bigint): bigint | undefined {
  let digits = text;
  let base = 10n;
  if (text.length > 1 && text[0] === '0') {
    if (text[1] === 'x' || text[1] === 'X') {
      base = 16n;
      digits = text.slice(2);
    } else {
      base = 8n;
    }
  }
  let value = 0n;
  for (const ch of digits) {
    const digit = BigInt(Number.parseInt(ch, 16));
    if (digit >= base) return undefined;
    value = value * base + digit;
    if (value > max) return undefined;
  }
  return value;
}

/** Value of a float token (`1.5`, `.5`, `1e3`, `2f`), like protobuf's `Tokenizer::ParseFloat`. */
export function parseFloatToken(text: string): number {
  return Number(text.replace(/[fF]$/, ''));
}
