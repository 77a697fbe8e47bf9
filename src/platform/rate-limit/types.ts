// The attempt limiter's contract: every place that checks a secret (password, TOTP code,
// recovery code, WebAuthn assertion, email-recovery link) asks before checking and reports
// the outcome after. Keys are an account (user id or the name tried, so unknown names lock
// exactly like real ones) and the client's IP address.
// Two kinds count actions that are not secret checks but must not be repeated without bound
// from one address: `sign-up` (each creates an account or mails an address's owner) and
// `passkey-start` (each stores a sign-in challenge). Their callers count every action as a
// "failure", so the per-kind policy below is simply "so many per window per IP".

export type AttemptKind = 'password' | 'totp' | 'recovery-code' | 'webauthn' | 'email-recovery' | 'sign-up' | 'passkey-start';

export interface AttemptKeys {
  account?: string | number;
  ip?: string;
}

/** What a failure did: the lockouts it started (null when none started with it). */
export interface FailureOutcome {
  accountLockedForSeconds: number | null;
  ipLockedForSeconds: number | null;
}

export interface AttemptLimiter {
  /** Throws BulwarkError('rate_limited', 'TOO_MANY_ATTEMPTS') with `detail.retryAfterSeconds` when a key is locked. */
  assertAllowed(kind: AttemptKind, keys: AttemptKeys): Promise<void>;
  /** Counts a failed attempt; callers that only need the contract may ignore the outcome. */
  recordFailure(kind: AttemptKind, keys: AttemptKeys): Promise<FailureOutcome>;
  /** A success clears the account's failures (never the IP's: an attacker's own account must not reset them). */
  recordSuccess(kind: AttemptKind, keys: AttemptKeys): Promise<void>;
  close(): Promise<void>;
}

/** How many failures a key may have in a window before it is locked, and for how long. */
export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  /** The first lockout; each further one doubles, up to `maxLockSeconds`. */
  firstLockSeconds: number;
  maxLockSeconds: number;
  /** How long after a lockout ends the next one still counts as "further" (doubles). */
  memorySeconds: number;
}

export const DEFAULT_POLICIES: Record<'account' | 'ip', LockoutPolicy> = {
  // 10 failures on one account in 15 minutes lock it for 1 minute, then 2, 4, … up to 24 hours.
  account: { maxFailures: 10, windowSeconds: 15 * 60, firstLockSeconds: 60, maxLockSeconds: 24 * 3600, memorySeconds: 24 * 3600 },
  // One address may try many accounts (an office behind NAT): looser, but longer locks.
  ip: { maxFailures: 100, windowSeconds: 15 * 60, firstLockSeconds: 15 * 60, maxLockSeconds: 24 * 3600, memorySeconds: 24 * 3600 },
};

export type PolicyOverrides = Partial<Record<'account' | 'ip', Partial<LockoutPolicy>>>;

/** Kinds whose policy differs from DEFAULT_POLICIES (merged over it, scope by scope). */
export const KIND_POLICIES: Partial<Record<AttemptKind, PolicyOverrides>> = {
  // 10 sign-ups per hour from one address; then none for an hour, doubling up to a day.
  'sign-up': { ip: { maxFailures: 10, windowSeconds: 3600, firstLockSeconds: 3600 } },
  // Opening the passkey sign-in 30 times in 15 minutes is no person: 15 minutes' pause.
  'passkey-start': { ip: { maxFailures: 30, windowSeconds: 15 * 60, firstLockSeconds: 15 * 60 } },
};
