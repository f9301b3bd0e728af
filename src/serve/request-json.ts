/**
 * Request bodies read as Triton's HTTP frontend reads JSON (rapidjson with kParseNanAndInfFlag):
 * bare NaN, Inf, Infinity and their negatives are numbers, a number a double cannot hold is refused,
 * and every failure is Triton's "failed to parse the request JSON buffer" message, with rapidjson's
 * reason and byte offset (json-syntax.ts).
 */

import { TritonError } from './errors.js';
import { rapidjsonError } from './json-syntax.js';

const jsonError = (detail: string) => new TritonError('INTERNAL', `failed to parse the request JSON buffer: ${detail}`);

/** The JSON bytes as Triton reads them; a TritonError (INTERNAL, HTTP 500) when it cannot. */
export function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const special = withSpecialNumbers(text);
    if (special === undefined) throw jsonError(rapidjsonError(bytes) ?? (error as Error).message);
    return special;
  }
  // JSON.parse takes a lone surrogate escape ("\uD800"); rapidjson refuses it.
  if (/\\u[dD][89a-fA-F]/.test(text)) {
    const refused = rapidjsonError(bytes);
    if (refused) throw jsonError(refused);
  }
  // JSON.parse reads 1e400 as Infinity; Triton's reader refuses a number a double cannot hold.
  if (/\d[eE][+-]?\d{3}|\d{309}/.test(text)) findNumberTooBig(text);
  return value;
}

/** A bare NaN / Infinity token (rapidjson's kParseNanAndInfFlag, which Triton's JSON reader uses), in its placeholder form. */
const SPECIAL_NUMBER = '\u0000special-number:';
const SPECIAL_VALUES: Record<string, number> = { NaN: NaN, '-NaN': NaN, Inf: Infinity, Infinity, '-Inf': -Infinity, '-Infinity': -Infinity };

/** Where each bare token outside strings starts and what it is, in one pass over the text. */
function* jsonTokens(text: string): Generator<{ at: number; token: string }> {
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (/[-0-9A-Za-z+.]/.test(c)) {
      const start = i;
      while (i < text.length && /[-0-9A-Za-z+.]/.test(text[i] as string)) i++;
      yield { at: start, token: text.slice(start, i) };
    } else i++;
  }
}

/** The request with NaN, Infinity and -Infinity read as numbers, as Triton reads them; undefined when it is not JSON that way either. */
function withSpecialNumbers(text: string): unknown {
  let rewritten = '';
  let from = 0;
  for (const { at, token } of jsonTokens(text)) {
    if (!Object.hasOwn(SPECIAL_VALUES, token)) continue;
    rewritten += `${text.slice(from, at)}${JSON.stringify(SPECIAL_NUMBER + token)}`;
    from = at + token.length;
  }
  if (from === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(rewritten + text.slice(from));
  } catch {
    return undefined;
  }
  const restore = (item: unknown): unknown => (typeof item === 'string' && item.startsWith(SPECIAL_NUMBER) ? SPECIAL_VALUES[item.slice(SPECIAL_NUMBER.length)] : item);
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const container = stack.pop();
    if (typeof container !== 'object' || container === null) continue;
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      record[key] = restore(record[key]);
      stack.push(record[key]);
    }
  }
  return restore(value);
}

function findNumberTooBig(text: string): void {
  for (const { at, token } of jsonTokens(text)) {
    const number = Number(token);
    if (/^-?\d/.test(token) && !Number.isFinite(number)) throw jsonError(`Number too big to be stored in double. at ${Buffer.byteLength(text.slice(0, at))}`);
  }
}
