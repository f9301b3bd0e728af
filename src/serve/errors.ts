/**
 * Triton's error codes and the HTTP status its frontend answers for each (HttpCodeFromError in
 * triton-inference-server/server src/http_server.cc): INTERNAL 500, NOT_FOUND 404, UNAVAILABLE 503,
 * UNSUPPORTED 501, every other code 400. The body is always `{"error": "<message>"}`.
 */

export const TRITON_ERROR_CODES = ['UNKNOWN', 'INTERNAL', 'NOT_FOUND', 'INVALID_ARG', 'UNAVAILABLE', 'UNSUPPORTED', 'ALREADY_EXISTS', 'CANCELLED'] as const;
export type TritonErrorCode = (typeof TRITON_ERROR_CODES)[number];

export class TritonError extends Error {
  constructor(
    readonly code: TritonErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TritonError';
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }
}

export function httpStatusOf(code: TritonErrorCode): number {
  switch (code) {
    case 'INTERNAL':
      return 500;
    case 'NOT_FOUND':
      return 404;
    case 'UNAVAILABLE':
      return 503;
    case 'UNSUPPORTED':
      return 501;
    default:
      return 400;
  }
}

/** pb_utils.TritonError's code number (its enum value) -> the code's name; unknown numbers are INTERNAL. */
export function codeOfNumber(number: unknown): TritonErrorCode {
  return (typeof number === 'number' ? TRITON_ERROR_CODES[number] : undefined) ?? 'INTERNAL';
}
