// One error type for every refusal. `code` is stable (clients and docs rely on it), `kind`
// decides the status each protocol renders, `message` is safe to show, `cause` never is.

export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'mfa_required'
  | 'unavailable';

export class BulwarkError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly detail: Record<string, unknown> | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    options: { detail?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'BulwarkError';
    this.kind = kind;
    this.code = code;
    this.detail = options.detail;
  }
}

export function isBulwarkError(value: unknown): value is BulwarkError {
  return value instanceof BulwarkError;
}

/** The HTTP status a kind maps to when a protocol has no reason to differ. */
export const statusOfKind: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  mfa_required: 401,
  unavailable: 503,
};

export const invalid = (code: string, message: string, detail?: Record<string, unknown>) =>
  new BulwarkError('invalid', code, message, { detail });
export const forbidden = (code: string, message: string) => new BulwarkError('forbidden', code, message);
export const notFound = (code: string, message: string) => new BulwarkError('not_found', code, message);
export const conflict = (code: string, message: string) => new BulwarkError('conflict', code, message);
export const tooLarge = (code: string, message: string, detail?: Record<string, unknown>) =>
  new BulwarkError('too_large', code, message, { detail });
export const unauthenticated = (code: string, message: string) =>
  new BulwarkError('unauthenticated', code, message);
