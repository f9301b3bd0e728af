/** Python source helpers: literals that mean exactly the text given, whatever it holds; the line length the generated Python keeps to. */

/** pycodestyle's --max-line-length for the generated Python: long enough for Triton's messages and typed signatures on one line. */
export const PYTHON_LINE_LENGTH = 140;

/** A double-quoted Python str literal. Control, non-ASCII-printable format and bidi characters are escaped so the source shows what the string holds. */
export function pyString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += '\\x' + code.toString(16).padStart(2, '0');
    else if ((code >= 0x200b && code <= 0x200f) || (code >= 0x2028 && code <= 0x202e) || (code >= 0x2060 && code <= 0x2069) || code === 0xfeff || (code >= 0xd800 && code <= 0xdfff)) {
      out += '\\u' + code.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** A Python bytes literal holding the UTF-8 encoding of `text`. */
export function pyBytes(text: string): string {
  let out = 'b"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x22) out += '\\"';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += '\\x' + byte.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** A Python tuple literal of shape entries (numbers or expressions). */
export function pyTuple(items: (number | string)[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}
