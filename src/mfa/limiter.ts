// The part of the platform's attempt limiter (src/platform/rate-limit/) MFA uses. Declared here
// as a structural type so the feature needs nothing but the three calls.
/** `passkey-start` counts starts of a passkey sign-in (each stores a challenge), not failures. */
export type MfaAttemptKind = 'totp' | 'recovery-code' | 'webauthn' | 'passkey-start';

export interface MfaAttemptKeys {
  account?: string | number;
  ip?: string;
}

export interface MfaAttemptLimiter {
  /** Throws (TOO_MANY_ATTEMPTS, 429) while the account or the address is locked out. */
  assertAllowed(kind: MfaAttemptKind, keys: MfaAttemptKeys): Promise<void>;
  /** May say which lockouts the failure started (`accountLockedForSeconds`, `ipLockedForSeconds`). */
  recordFailure(kind: MfaAttemptKind, keys: MfaAttemptKeys): Promise<unknown>;
  recordSuccess(kind: MfaAttemptKind, keys: MfaAttemptKeys): Promise<void>;
}

