/**
 * A requirement line as PEP 508 defines it, read the way pip reads it (pip parses requirements with
 * the `packaging` library): a name, extras, then either version specifiers (each version checked
 * against PEP 440 for its operator) or `@ URL`, then environment markers after `;`. A fault is
 * reported at its column, with what was expected there. Where PEP 508's grammar and pip differ, the
 * stricter of the two is kept: `and`/`or`/`in` are whole words, marker chains of any length are
 * accepted (pip evaluates `a and b and c`), a URL needs a scheme and a host (or is a file:// URL).
 */

export interface Requirement {
  name: string;
  extras: string[];
  /** `>=1.0`, `<2`, as written (without spaces). */
  specifiers: string[];
  url?: string;
  /** The marker expression after `;`, as written. */
  marker?: string;
}

export class RequirementSyntaxError extends Error {
  /** 1-based column of the fault in the text given. */
  readonly column: number;
  constructor(column: number, expected: string, found: string) {
    super(`column ${column}: expected ${expected}, found ${found}`);
    this.column = column;
  }
}

export const MARKER_VARIABLES = [
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
] as const;

/** Longest first, so that `<=` is not read as `<`. */
const VERSION_OPERATORS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'] as const;
type VersionOperator = (typeof VERSION_OPERATORS)[number];

const IDENTIFIER = /[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/y;
/** PEP 508's version characters: letters, digits, `-_.*+!`. */
const VERSION_CHARACTERS = /[A-Za-z0-9_.*+!-]+/y;
/** PEP 508 python_str_c, less the quote that delimits the string. */
const STRING_CHARACTER = /[ \tA-Za-z0-9().{}\-_*#:;,/?[\]!~`@$%^&=+|<>'"]/;
const WORD_CHARACTER = /[A-Za-z0-9_]/;

// PEP 440, as a version specifier may spell it (any case, an optional leading v, separators between
// the parts, implicit numbers): epoch, release, then pre-, post- and dev-release.
const RELEASE = '[0-9]+(?:\\.[0-9]+)*';
const EPOCH = '(?:[0-9]+!)?';
const PRE = '(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?';
const POST = '(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?';
const DEV = '(?:[-_.]?dev[-_.]?[0-9]*)?';
const LOCAL = '(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?';
const PUBLIC = `v?${EPOCH}${RELEASE}${PRE}${POST}${DEV}`;
const VERSION_FOR: Record<Exclude<VersionOperator, '==='>, RegExp> = {
  // Exact matches may name a local version, or match a release prefix with .*.
  '==': new RegExp(`^v?${EPOCH}${RELEASE}(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})$`, 'i'),
  '!=': new RegExp(`^v?${EPOCH}${RELEASE}(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})$`, 'i'),
  // "Compatible release" needs at least two release numbers (~=1.4 means >=1.4, ==1.*).
  '~=': new RegExp(`^v?${EPOCH}[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV}$`, 'i'),
  '<=': new RegExp(`^${PUBLIC}$`, 'i'),
  '>=': new RegExp(`^${PUBLIC}$`, 'i'),
  '<': new RegExp(`^${PUBLIC}$`, 'i'),
  '>': new RegExp(`^${PUBLIC}$`, 'i'),
};

const EXPECTED_MARKER_VALUE = `a marker variable (${MARKER_VARIABLES.slice(0, 4).join(', ')}, ...) or a quoted string`;

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  /** Spaces and tabs; how many were skipped. */
  skipSpace(): number {
    const start = this.pos;
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
    return this.pos - start;
  }

  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text)?.[0];
    if (found !== undefined) this.pos += found.length;
    return found;
  }

  /** `word` as a whole word here (not the start of a longer name). */
  keyword(word: string): boolean {
    if (!this.peek(word) || WORD_CHARACTER.test(this.text[this.pos + word.length] ?? '')) return false;
    this.pos += word.length;
    return true;
  }

  /** What is at `at`, for a message: the word or the character there, or the end. */
  found(at = this.pos): string {
    if (at >= this.text.length) return 'the end';
    const word = /[A-Za-z0-9_.-]+/y;
    word.lastIndex = at;
    return JSON.stringify(word.exec(this.text)?.[0] ?? this.text[at]);
  }

  fail(expected: string, at = this.pos, found = this.found(at)): never {
    throw new RequirementSyntaxError(at + 1, expected, found);
  }
}

function parseExtras(reader: Reader): string[] {
  reader.pos++; // [
  reader.skipSpace();
  const extras: string[] = [];
  if (reader.peek(']')) {
    reader.pos++;
    return extras;
  }
  for (;;) {
    const extra = reader.match(IDENTIFIER) ?? reader.fail('an extra name (letters, digits, ".", "-", "_")');
    extras.push(extra);
    reader.skipSpace();
    if (reader.peek(']')) {
      reader.pos++;
      return extras;
    }
    if (!reader.peek(',')) reader.fail('"," or "]"');
    reader.pos++;
    reader.skipSpace();
  }
}

function versionOperator(reader: Reader): VersionOperator | undefined {
  const operator = VERSION_OPERATORS.find((op) => reader.peek(op));
  if (operator) reader.pos += operator.length;
  return operator;
}

/** `op version (, op version)*`, PEP 440 versions checked for their operator. */
function parseSpecifiers(reader: Reader): string[] {
  const specifiers: string[] = [];
  for (;;) {
    reader.skipSpace();
    const operator = versionOperator(reader) ?? reader.fail('a version operator (==, !=, <=, >=, <, >, ~=, ===)');
    reader.skipSpace();
    const at = reader.pos;
    // pip takes everything up to a space, ";" or ")" as an arbitrary (===) version, commas included:
    // read as far, so that a line means the same here and there, and hold it to PEP 508's characters.
    const version = (operator === '===' ? reader.match(/[^ \t;)]+/y) : reader.match(VERSION_CHARACTERS)) ?? reader.fail(`a version after ${operator}`);
    if (operator === '===' && !/^[A-Za-z0-9_.*+!-]+$/.test(version)) reader.fail('an arbitrary version of letters, digits and "-_.*+!" after ===', at, JSON.stringify(version));
    if (operator !== '===' && !VERSION_FOR[operator].test(version)) {
      const hint = version.includes('*') ? ' (.* only ends an == or != version)' : version.includes('+') ? ' (a local version +... only with == or !=)' : '';
      reader.fail(`a PEP 440 version after ${operator}${hint}`, at, JSON.stringify(version));
    }
    specifiers.push(`${operator}${version}`);
    reader.skipSpace();
    if (!reader.peek(',')) return specifiers;
    reader.pos++;
  }
}

/** `scheme://host/...`, or a file:// URL; credentials are refused by the caller. */
function checkUrl(url: string, reader: Reader, at: number): void {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme) reader.fail('a URL with a scheme, e.g. https://host/pkg.whl', at, JSON.stringify(url));
  const host = url.slice(scheme[0].length);
  if (scheme[1]!.toLowerCase() === 'file') {
    // pip reads file:////x as another URL than the one written (file://x), and refuses it.
    if (host.startsWith('//')) reader.fail('a file URL as file:///absolute/path', at, JSON.stringify(url));
  } else if (host === '' || '/?#'.includes(host[0]!)) {
    reader.fail('a host after the scheme of the URL', at + scheme[0].length);
  }
}

function markerValue(reader: Reader): void {
  const quote = reader.text[reader.pos];
  if (quote === '"' || quote === "'") {
    const start = reader.pos;
    reader.pos++;
    while (!reader.peek(quote)) {
      if (reader.atEnd()) reader.fail(`the closing ${quote} of the string opened at column ${start + 1}`);
      if (!STRING_CHARACTER.test(reader.text[reader.pos]!)) reader.fail('a character PEP 508 allows in a marker string');
      reader.pos++;
    }
    reader.pos++;
    return;
  }
  const at = reader.pos;
  const word = reader.match(/[A-Za-z_][A-Za-z0-9_.]*/y);
  if (word === undefined || !(MARKER_VARIABLES as readonly string[]).includes(word)) reader.fail(EXPECTED_MARKER_VALUE, at);
}

function markerOperator(reader: Reader): void {
  if (versionOperator(reader)) return;
  if (reader.keyword('in')) return;
  if (reader.keyword('not')) {
    if (reader.skipSpace() === 0) reader.fail('a space after "not"');
    if (!reader.keyword('in')) reader.fail('"in" after "not"');
    return;
  }
  reader.fail('a marker operator (==, !=, <=, >=, <, >, ~=, ===, in, not in)');
}

function markerExpression(reader: Reader): void {
  reader.skipSpace();
  if (reader.peek('(')) {
    reader.pos++;
    markerOr(reader);
    reader.skipSpace();
    if (!reader.peek(')')) reader.fail('")", "and" or "or"');
    reader.pos++;
    return;
  }
  markerValue(reader);
  reader.skipSpace();
  markerOperator(reader);
  reader.skipSpace();
  markerValue(reader);
}

function markerAnd(reader: Reader): void {
  markerExpression(reader);
  for (;;) {
    const before = reader.pos;
    reader.skipSpace();
    if (!reader.keyword('and')) {
      reader.pos = before;
      return;
    }
    markerExpression(reader);
  }
}

function markerOr(reader: Reader): void {
  markerAnd(reader);
  for (;;) {
    const before = reader.pos;
    reader.skipSpace();
    if (!reader.keyword('or')) {
      reader.pos = before;
      return;
    }
    markerAnd(reader);
  }
}

/** `; marker` to the end of the text. */
function parseMarker(reader: Reader): string {
  reader.pos++; // ;
  const start = reader.pos;
  markerOr(reader);
  const marker = reader.text.slice(start, reader.pos).trim();
  reader.skipSpace();
  if (!reader.atEnd()) reader.fail('"and", "or" or the end of the marker');
  return marker;
}

export function parsePep508(text: string): Requirement {
  const reader = new Reader(text);
  reader.skipSpace();
  const name = reader.match(IDENTIFIER) ?? reader.fail('a distribution name (letters, digits, ".", "-", "_", starting and ending with a letter or digit)');
  const requirement: Requirement = { name, extras: [], specifiers: [] };
  reader.skipSpace();
  if (reader.peek('[')) {
    requirement.extras = parseExtras(reader);
    reader.skipSpace();
  }
  if (reader.peek('@')) {
    reader.pos++;
    reader.skipSpace();
    const at = reader.pos;
    const url = reader.match(/[^ \t]+/y) ?? reader.fail('a URL after "@"');
    checkUrl(url, reader, at);
    requirement.url = url;
    // After a URL, `;` would read as part of it: PEP 508 wants a space before the marker.
    const spaced = reader.skipSpace() > 0;
    if (reader.atEnd()) return requirement;
    // A ";" right after the URL is read as part of it, as pip reads it.
    const hint = url.endsWith(';') ? ' (the ";" touching the URL is read as part of it: put a space before it)' : '';
    if (!spaced || !reader.peek(';')) reader.fail(`a space, then ";" and a marker, or the end (after the URL)${hint}`);
    requirement.marker = parseMarker(reader);
    return requirement;
  }
  const specifierExpected = requirement.extras.length === 0 ? '"[", a version specifier, "@", ";" or the end' : 'a version specifier, "@", ";" or the end';
  if (reader.peek('(')) {
    reader.pos++;
    requirement.specifiers = parseSpecifiers(reader);
    if (!reader.peek(')')) reader.fail('"," or ")"');
    reader.pos++;
  } else if (VERSION_OPERATORS.some((op) => reader.peek(op))) {
    requirement.specifiers = parseSpecifiers(reader);
  } else if (!reader.atEnd() && !reader.peek(';')) {
    reader.fail(specifierExpected);
  }
  reader.skipSpace();
  if (reader.atEnd()) return requirement;
  if (!reader.peek(';')) reader.fail(requirement.specifiers.length > 0 ? '",", ";" or the end' : specifierExpected);
  requirement.marker = parseMarker(reader);
  return requirement;
}
