// Pieces the TOTP, recovery-code and WebAuthn parts share: the subject of a user's events, the
// factor row → Factor mapping, and the "refused and logged" path of a failed attempt.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import { BulwarkError, invalid } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';
import type { MfaAttemptKind, MfaAttemptLimiter } from './limiter.js';
import { PHISHING_RESISTANT, type Factor, type FactorKind } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

/** `user:<name>`, the subject every account event carries (the notifier finds the owner by data.userId). */
export async function userSubject(db: Db, userId: number): Promise<string> {
  const row = await db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst();
  return `user:${row?.name ?? userId}`;
}

export function isFactorKind(value: string): value is FactorKind {
  return value === 'totp' || value === 'security-key' || value === 'passkey';
}

export function toFactor(row: { id: string; kind: string; label: string; created_at: string; last_used_at: string | null }): Factor {
  const kind = isFactorKind(row.kind) ? row.kind : 'totp';
  return { id: row.id, kind, label: row.label, phishingResistant: PHISHING_RESISTANT[kind], createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

export function otpInvalid(): BulwarkError {
  return new BulwarkError('unauthenticated', 'OTP_INVALID', 'The one-time code is not valid.');
}

export interface AttemptGuard {
  /** Refuses (and logs) while the account or address is locked out for this kind. */
  allowed(kind: MfaAttemptKind, userId: number, ip: string | undefined): Promise<void>;
  /** Counts and logs a failure, then returns the error to throw. */
  failed(kind: MfaAttemptKind, userId: number, ip: string | undefined, reason: string, error: BulwarkError): Promise<BulwarkError>;
  succeeded(kind: MfaAttemptKind, userId: number, ip: string | undefined): Promise<void>;
  /** Before the account is known (passkey sign-in): limits by address only. */
  allowedFromIp(kind: MfaAttemptKind, ip: string | undefined): Promise<void>;
  /** A failure that names no account (an unknown passkey): counted against the address. */
  failedFromIp(kind: MfaAttemptKind, ip: string | undefined, error: BulwarkError): Promise<BulwarkError>;
  /** An action limited per address whatever its outcome: refuses while locked, else counts it. */
  countFromIp(kind: MfaAttemptKind, ip: string | undefined): Promise<void>;
}

export function createAttemptGuard(db: Kysely<Database>, clock: Clock, limiter: MfaAttemptLimiter): AttemptGuard {
  const keys = (userId: number, ip: string | undefined) => (ip ? { account: userId, ip } : { account: userId });
  async function log(kind: MfaAttemptKind, userId: number, ip: string | undefined, reason: string, extra: Record<string, unknown> = {}) {
    await appendEvent(db, clock, {
      type: 'mfa:failed',
      actor: { userId: null },
      subject: await userSubject(db, userId),
      data: { userId, kind, reason, ...(ip ? { ip } : {}), ...extra },
    });
  }
  return {
    async allowed(kind, userId, ip) {
      try {
        await limiter.assertAllowed(kind, keys(userId, ip));
      } catch (error) {
        await log(kind, userId, ip, 'locked', error instanceof BulwarkError && error.detail ? { retryAfterSeconds: error.detail.retryAfterSeconds } : {});
        throw error;
      }
    },
    async failed(kind, userId, ip, reason, error) {
      const outcome = (await limiter.recordFailure(kind, keys(userId, ip))) as { accountLockedForSeconds?: unknown; ipLockedForSeconds?: unknown } | undefined;
      // The failure that starts a lockout says so in the log.
      const locked = {
        ...(typeof outcome?.accountLockedForSeconds === 'number' ? { accountLockedForSeconds: outcome.accountLockedForSeconds } : {}),
        ...(typeof outcome?.ipLockedForSeconds === 'number' ? { ipLockedForSeconds: outcome.ipLockedForSeconds } : {}),
      };
      await log(kind, userId, ip, reason, locked);
      return error;
    },
    async succeeded(kind, userId, ip) {
      await limiter.recordSuccess(kind, keys(userId, ip));
    },
    async allowedFromIp(kind, ip) {
      if (ip) await limiter.assertAllowed(kind, { ip });
    },
    async failedFromIp(kind, ip, error) {
      if (ip) await limiter.recordFailure(kind, { ip });
      return error;
    },
    async countFromIp(kind, ip) {
      if (!ip) return;
      await limiter.assertAllowed(kind, { ip });
      await limiter.recordFailure(kind, { ip });
    },
  };
}

const MAX_LABEL_LENGTH = 64;

/** A factor's name as the user typed it, or the kind's name when left empty. */
export function checkLabel(label: string | undefined, fallback: string): string {
  const trimmed = (label ?? '').trim();
  if (trimmed === '') return fallback;
  if ([...trimmed].length > MAX_LABEL_LENGTH || /[\p{Cc}]/u.test(trimmed)) {
    throw invalid('MFA_LABEL_INVALID', `A factor's name has at most ${MAX_LABEL_LENGTH} characters and no control characters.`);
  }
  return trimmed;
}

