// What the recovery feature is given by the composition root. The mailer and the MFA service
// are described by the few calls recovery makes (structural types), so this feature depends on
// the behaviour, not on another feature's internals.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/log.js';
import type { AttemptLimiter } from '../platform/rate-limit/index.js';
import type { AccountsService } from '../accounts/index.js';
import type { TokensService } from '../tokens/index.js';
import type { DomainChecker } from './email-domains.js';

export interface RecoveryMailer {
  send(message: { to: string; subject: string; text: string }): Promise<unknown>;
}

export interface RecoveryMfa {
  status(userId: number): Promise<{ enabled: boolean }>;
  /** Throws (401 OTP_INVALID, 429 TOO_MANY_ATTEMPTS…) unless the code is good; counts attempts itself. */
  verifyCode(userId: number, code: string, options: { ip?: string }): Promise<'totp' | 'recovery-code'>;
  resetAllFactors(userId: number, byUserId: number | null): Promise<{ removed: number }>;
}

export interface RecoveryDeps {
  db: Kysely<Database>;
  clock: Clock;
  accounts: AccountsService;
  tokens: TokensService;
  mailer: RecoveryMailer;
  checker: DomainChecker;
  limiter: AttemptLimiter;
  /** Absent until MFA is wired: every account then counts as without MFA. */
  mfa?: RecoveryMfa | undefined;
  publicUrl: string;
  log?: Logger | undefined;
}
