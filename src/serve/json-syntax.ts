/**
 * Where and why rapidjson (the reader behind Triton's TritonJson, with kParseNanAndInfFlag) stops on
 * a JSON text that is not valid, in its words and at its byte offset: "Missing a comma or '}' after
 * an object member. at 25". serve parses with JSON.parse; this runs only when that fails, to word the
 * error as Triton does. It follows rapidjson's GenericReader: the same order of checks, the same
 * offsets (the place of the offending character, or of the backslash of a bad escape, or the end of
 * the text when it ends early), iteratively so that deep nesting cannot exhaust the stack.
 */

const WHITESPACE = new Set([0x20, 0x0a, 0x0d, 0x09]);
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** rapidjson's GetParseError_En. */
const MESSAGES = {
  documentEmpty: 'The document is empty.',
  rootNotSingular: 'The document root must not be followed by other values.',
  valueInvalid: 'Invalid value.',
  objectMissName: 'Missing a name for object member.',
  objectMissColon: 'Missing a colon after a name of object member.',
  objectMissCommaOrCurlyBracket: "Missing a comma or '}' after an object member.",
  arrayMissCommaOrSquareBracket: "Missing a comma or ']' after an array element.",
  stringUnicodeEscapeInvalidHex: 'Incorrect hex digit after \\u escape in string.',
  stringUnicodeSurrogateInvalid: 'The surrogate pair in string is invalid.',
  stringEscapeInvalid: 'Invalid escape character in string.',
  stringMissQuotationMark: 'Missing a closing quotation mark in string.',
  numberMissFraction: 'Miss fraction part in number.',
  numberMissExponent: 'Miss exponent in number.',
} as const;

class Stop extends Error {
  constructor(
    readonly reason: keyof typeof MESSAGES,
    readonly offset: number,
  ) {
    super(reason);
  }
}

/** rapidjson's error for `bytes` as `<message> at <offset>`, or undefined when rapidjson reads it. */
export function rapidjsonError(bytes: Uint8Array): string | undefined {
  let at = 0;
  // Past the end, rapidjson's stream reads '\0'.
  const peek = () => (at < bytes.length ? (bytes[at] as number) : 0);
  const consume = (c: number) => {
    if (peek() !== c) return false;
    at++;
    return true;
  };
  const skipWhitespace = () => {
    while (at < bytes.length && WHITESPACE.has(bytes[at] as number)) at++;
  };
  const word = (letters: string) => {
    for (const letter of letters) if (!consume(letter.charCodeAt(0))) throw new Stop('valueInvalid', at);
  };
  const hex4 = (escapeOffset: number) => {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const c = peek();
      if (!isHex(c)) throw new Stop('stringUnicodeEscapeInvalidHex', escapeOffset);
      value = value * 16 + Number.parseInt(String.fromCharCode(c), 16);
      at++;
    }
    return value;
  };
  const string = () => {
    at++; // the opening quote
    for (;;) {
      const c = peek();
      if (c === 0x5c) {
        const escapeOffset = at;
        at++;
        const e = peek();
        if (SIMPLE_ESCAPES.has(e)) at++;
        else if (e === 0x75) {
          at++;
          const unit = hex4(escapeOffset);
          if (unit >= 0xd800 && unit <= 0xdfff) {
            if (unit > 0xdbff || !consume(0x5c) || !consume(0x75)) throw new Stop('stringUnicodeSurrogateInvalid', escapeOffset);
            const low = hex4(escapeOffset);
            if (low < 0xdc00 || low > 0xdfff) throw new Stop('stringUnicodeSurrogateInvalid', escapeOffset);
          }
        } else throw new Stop('stringEscapeInvalid', escapeOffset);
      } else if (c === 0x22) {
        at++;
        return;
      } else if (c < 0x20) {
        // A control character: rapidjson calls it a bad escape, at the character.
        throw new Stop(c === 0 ? 'stringMissQuotationMark' : 'stringEscapeInvalid', at);
      } else at++;
    }
  };
  const number = () => {
    consume(0x2d);
    if (consume(0x30)) {
      // a leading zero is the whole integer part
    } else if (isDigit(peek())) {
      while (isDigit(peek())) at++;
    } else if (peek() === 0x4e) {
      at++;
      if (!(consume(0x61) && consume(0x4e))) throw new Stop('valueInvalid', at);
      return;
    } else if (peek() === 0x49) {
      at++;
      if (!(consume(0x6e) && consume(0x66))) throw new Stop('valueInvalid', at);
      if (peek() === 0x69) word('inity');
      return;
    } else throw new Stop('valueInvalid', at);
    if (consume(0x2e)) {
      if (!isDigit(peek())) throw new Stop('numberMissFraction', at);
      while (isDigit(peek())) at++;
    }
    if (consume(0x65) || consume(0x45)) {
      if (!consume(0x2b)) consume(0x2d);
      if (!isDigit(peek())) throw new Stop('numberMissExponent', at);
      while (isDigit(peek())) at++;
    }
  };

  /** The open containers; `first`: nothing read inside yet. */
  const stack: { kind: 'object' | 'array'; first: boolean }[] = [];
  /** One value: a scalar read whole, or a container opened (the loop below reads what is inside). */
  const value = () => {
    switch (peek()) {
      case 0x6e:
        at++;
        word('ull');
        return;
      case 0x74:
        at++;
        word('rue');
        return;
      case 0x66:
        at++;
        word('alse');
        return;
      case 0x22:
        string();
        return;
      case 0x7b:
      case 0x5b: {
        const kind = peek() === 0x7b ? 'object' : 'array';
        at++;
        skipWhitespace();
        if (!consume(kind === 'object' ? 0x7d : 0x5d)) stack.push({ kind, first: true });
        return;
      }
      default:
        number();
    }
  };
  /** An object member's name and colon, up to its value. */
  const memberName = () => {
    if (peek() !== 0x22) throw new Stop('objectMissName', at);
    string();
    skipWhitespace();
    if (!consume(0x3a)) throw new Stop('objectMissColon', at);
    skipWhitespace();
  };

  try {
    skipWhitespace();
    if (at >= bytes.length) throw new Stop('documentEmpty', at);
    value();
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { kind: 'object' | 'array'; first: boolean };
      if (top.first) {
        top.first = false;
        if (top.kind === 'object') memberName();
        value();
        continue;
      }
      // After a value inside a container: a separator and the next one, or the container's end.
      skipWhitespace();
      if (consume(0x2c)) {
        skipWhitespace();
        if (top.kind === 'object') memberName();
        value();
      } else if (consume(top.kind === 'object' ? 0x7d : 0x5d)) stack.pop();
      else throw new Stop(top.kind === 'object' ? 'objectMissCommaOrCurlyBracket' : 'arrayMissCommaOrSquareBracket', at);
    }
    skipWhitespace();
    if (at < bytes.length) throw new Stop('rootNotSingular', at);
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return `${MESSAGES[error.reason]} at ${error.offset}`;
    throw error;
  }
}
