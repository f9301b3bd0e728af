/**
 * Errors that reach the user as one line and an exit code, never as a stack trace.
 * Exit codes (documented in --help and README): 0 ok, 1 invalid input or failed step,
 * 2 usage error, 130 interrupted (SIGINT), 143 terminated (SIGTERM).
 */

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  interrupted: 130,
  terminated: 143,
} as const;

/** A mistake in what the user asked for, or a step that failed for a reason we can explain. */
export class UserError extends Error {
  readonly exitCode: number;
  /** The field and the value the message is about, when it is about one (fieldError): --json reports them apart. */
  readonly about?: { field: string; value: unknown };
  constructor(message: string, exitCode: number = EXIT.failed, about?: { field: string; value: unknown }) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
    if (about) this.about = about;
  }
}

/** The user cancelled (Ctrl-C, ESC) or a signal arrived; the caller has already cleaned up. */
export class InterruptedError extends Error {
  readonly exitCode: number;
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(signal === 'SIGTERM' ? 'terminated' : 'cancelled');
    this.name = 'InterruptedError';
    this.exitCode = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  }
}

const MAX_SHOWN = 60;
const BIGINT_MARK = '\u0000bigint:';

/** JSON text of a value; a bigint (an integer beyond 2^53 read exactly from a spec file) is written with all its digits. */
function jsonWithBigints(value: unknown): string {
  const text = JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? `${BIGINT_MARK}${item}` : item)) ?? String(value);
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

/**
 * Quote a user-typed value for a one-line message: control characters, newlines and
 * bidi marks are escaped so the message stays one honest line; long values are cut.
 */
export function showValue(value: unknown): string {
  const text = typeof value === 'string' ? value : jsonWithBigints(value);
  const cut = [...text].length > MAX_SHOWN ? [...text].slice(0, MAX_SHOWN).join('') + '…' : text;
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"\\]/g, (ch) => {
    if (ch === '"') return '\\"';
    if (ch === '\\') return '\\\\';
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    if (ch === '\r') return '\\r';
    return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
  });
  return `"${escaped}"`;
}

/** `<field> "<value>": <problem>` — the one shape of every validation message. */
export function fieldError(field: string, value: unknown, problem: string): UserError {
  return new UserError(`${field} ${showValue(value)}: ${problem}`, EXIT.failed, { field, value });
}
