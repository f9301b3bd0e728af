/**
 * Enough of Python's lexical rules for a static scan (python-scan.ts): comments, every string
 * literal form including nested f-strings, brackets, line continuations, and the indentation of
 * each logical line. Plain string literals are decoded; a lexical problem (unterminated string,
 * unbalanced bracket) stops the tokenizer with a ScanStop at its place, keeping what came before.
 */

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column, in code points. */
  column: number;
}

export interface Token extends SourcePosition {
  type: 'name' | 'string' | 'number' | 'op' | 'newline';
  text: string;
  /** Plain (non-f, non-bytes) string literals: the decoded value. */
  value?: string;
  /** For the first token of a logical line: its indentation (column - 1). */
  indent?: number;
}

export class ScanStop extends Error {
  constructor(
    readonly at: SourcePosition,
    message: string,
  ) {
    super(message);
  }
}

const STRING_PREFIX = /^(?:[rR][bBfFtT]?|[bBfFtT][rR]?|[uU])?$/;
export const OPEN = new Set(['(', '[', '{']);
export const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

export class Tokenizer {
  private index = 0;
  private line = 1;
  private lineStart = 0;
  private depth: string[] = [];
  readonly tokens: Token[] = [];
  private atLineStart = true;

  constructor(private readonly chars: string[]) {}

  private position(index = this.index): SourcePosition {
    return { line: this.line, column: index - this.lineStart + 1 };
  }

  private peek(offset = 0): string {
    return this.chars[this.index + offset] ?? '';
  }

  private newline(): void {
    this.line += 1;
    this.lineStart = this.index;
  }

  run(): void {
    while (this.index < this.chars.length) {
      const ch = this.peek();
      if (ch === '\n' || ch === '\r') {
        this.index += ch === '\r' && this.peek(1) === '\n' ? 2 : 1;
        if (this.depth.length === 0 && !this.atLineStart) {
          this.tokens.push({ type: 'newline', text: '\n', ...this.position(this.index - 1) });
          this.atLineStart = true;
        }
        this.newline();
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '\f') {
        this.index += 1;
        continue;
      }
      if (ch === '#') {
        while (this.index < this.chars.length && this.peek() !== '\n' && this.peek() !== '\r') this.index += 1;
        continue;
      }
      if (ch === '\\' && (this.peek(1) === '\n' || this.peek(1) === '\r')) {
        // Explicit line joining: the logical line goes on.
        this.index += this.peek(1) === '\r' && this.peek(2) === '\n' ? 3 : 2;
        this.newline();
        continue;
      }
      this.token();
    }
    if (!this.atLineStart) this.tokens.push({ type: 'newline', text: '\n', ...this.position() });
  }

  private push(token: Token): void {
    if (this.atLineStart && token.type !== 'newline') {
      token.indent = token.column - 1;
      this.atLineStart = false;
    }
    this.tokens.push(token);
  }

  private token(): void {
    const start = this.position();
    const ch = this.peek();
    if (/[\p{L}_]/u.test(ch)) {
      let end = this.index;
      while (end < this.chars.length && /[\p{L}\p{N}_]/u.test(this.chars[end] ?? '')) end += 1;
      const word = this.chars.slice(this.index, end).join('');
      const quote = this.chars[end];
      if ((quote === '"' || quote === "'") && STRING_PREFIX.test(word)) {
        this.index = end;
        this.push({ ...this.string(word, start), ...start });
        return;
      }
      this.index = end;
      this.push({ type: 'name', text: word, ...start });
      return;
    }
    if (ch === '"' || ch === "'") {
      this.push({ ...this.string('', start), ...start });
      return;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(this.peek(1)))) {
      let end = this.index + 1;
      while (end < this.chars.length && /[0-9A-Za-z_.]/.test(this.chars[end] ?? '')) {
        // An exponent sign belongs to the number: 1e-5.
        end += 1;
        if (/[eE]/.test(this.chars[end - 1] ?? '') && /[+-]/.test(this.chars[end] ?? '') && !/^0[xX]/.test(this.chars.slice(this.index, end).join(''))) end += 1;
      }
      this.push({ type: 'number', text: this.chars.slice(this.index, end).join(''), ...start });
      this.index = end;
      return;
    }
    if (OPEN.has(ch)) this.depth.push(ch);
    else if (ch in CLOSE) {
      if (this.depth.pop() !== CLOSE[ch]) throw new ScanStop(start, `unbalanced "${ch}"`);
    }
    // Multi-character operators matter only as "not a single = or ." here; keep the common ones whole.
    const three = this.chars.slice(this.index, this.index + 3).join('');
    const two = this.chars.slice(this.index, this.index + 2).join('');
    const op = ['**=', '//=', '>>=', '<<=', '...'].includes(three)
      ? three
      : ['==', '!=', '<=', '>=', '->', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', '**', '//', '<<', '>>'].includes(two)
        ? two
        : ch;
    this.index += op.length;
    this.push({ type: 'op', text: op, ...start });
  }

  /** A string literal starting at the quote (the prefix already consumed). */
  private string(prefix: string, start: SourcePosition): Pick<Token, 'type' | 'text' | 'value'> {
    const lower = prefix.toLowerCase();
    const raw = lower.includes('r');
    const formatted = lower.includes('f') || lower.includes('t');
    const bytes = lower.includes('b');
    const quote = this.peek();
    const triple = this.peek(1) === quote && this.peek(2) === quote;
    const delimiter = triple ? quote.repeat(3) : quote;
    const from = this.index;
    this.index += delimiter.length;
    let value = '';
    for (;;) {
      if (this.index >= this.chars.length) throw new ScanStop(start, 'unterminated string');
      const ch = this.peek();
      if (this.chars.slice(this.index, this.index + delimiter.length).join('') === delimiter) {
        this.index += delimiter.length;
        break;
      }
      if (ch === '\n' || ch === '\r') {
        if (!triple) throw new ScanStop(start, 'unterminated string');
        this.index += ch === '\r' && this.peek(1) === '\n' ? 2 : 1;
        this.newline();
        value += '\n';
        continue;
      }
      if (ch === '\\') {
        const next = this.peek(1);
        if (next === '\n' || next === '\r') {
          this.index += next === '\r' && this.peek(2) === '\n' ? 3 : 2;
          this.newline();
          if (raw) value += '\\\n';
          continue;
        }
        if (raw) {
          value += ch + next;
          this.index += 2;
        } else {
          const escape = decodeEscape(this.chars, this.index + 1);
          value += escape.text;
          this.index += 1 + escape.length;
        }
        continue;
      }
      if (formatted && ch === '{') {
        if (this.peek(1) === '{') {
          value += '{';
          this.index += 2;
          continue;
        }
        this.replacementField();
        continue;
      }
      if (formatted && ch === '}' && this.peek(1) === '}') {
        value += '}';
        this.index += 2;
        continue;
      }
      value += ch;
      this.index += 1;
    }
    const text = this.chars.slice(from, this.index).join('');
    return formatted || bytes ? { type: 'string', text: prefix + text } : { type: 'string', text: prefix + text, value };
  }

  /** An f-string `{expression}`: tokens are skipped, nested strings scanned (Python 3.12 allows the same quotes inside). */
  private replacementField(): void {
    const start = this.position();
    this.index += 1;
    let depth = 0;
    for (;;) {
      if (this.index >= this.chars.length) throw new ScanStop(start, 'unterminated f-string expression');
      const ch = this.peek();
      if (ch === '}' && depth === 0) {
        this.index += 1;
        return;
      }
      if (OPEN.has(ch)) depth += 1;
      else if (ch in CLOSE) depth -= 1;
      if (ch === '"' || ch === "'") {
        this.string('', this.position());
        continue;
      }
      if (/[\p{L}_]/u.test(ch)) {
        let end = this.index;
        while (end < this.chars.length && /[\p{L}\p{N}_]/u.test(this.chars[end] ?? '')) end += 1;
        const word = this.chars.slice(this.index, end).join('');
        if ((this.chars[end] === '"' || this.chars[end] === "'") && STRING_PREFIX.test(word)) {
          this.index = end;
          this.string(word, this.position());
          continue;
        }
        this.index = end;
        continue;
      }
      if (ch === '\n') {
        this.index += 1;
        this.newline();
        continue;
      }
      this.index += 1;
    }
  }
}

/** The escape sequence after a backslash at chars[at]: what it stands for and how many characters it takes. */
function decodeEscape(chars: string[], at: number): { text: string; length: number } {
  const ch = chars[at] ?? '';
  if (ch in SIMPLE_ESCAPES) return { text: SIMPLE_ESCAPES[ch] as string, length: 1 };
  const digits = { x: 2, u: 4, U: 8 }[ch];
  if (digits !== undefined) {
    const hex = chars.slice(at + 1, at + 1 + digits).join('');
    if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === digits && parseInt(hex, 16) <= 0x10ffff) return { text: String.fromCodePoint(parseInt(hex, 16)), length: 1 + digits };
  }
  if (/[0-7]/.test(ch)) {
    const octal = /^[0-7]{1,3}/.exec(chars.slice(at, at + 3).join(''))?.[0] ?? ch;
    return { text: String.fromCodePoint(parseInt(octal, 8)), length: octal.length };
  }
  // Unknown escapes (and \N{...}) stay as written, as Python keeps unknown ones.
  return { text: `\\${ch}`, length: 1 };
}

