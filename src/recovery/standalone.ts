// The recovery service for admin commands (`bulwark user recover`, `bulwark accounts
// check-domains`), which run without a server: built from the configuration like app.ts builds
// it, with an in-memory attempt limiter (admin commands make no guessable attempts).
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Config } from '../platform/config.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/log.js';
import { loadOrCreateSetting } from '../platform/settings.js';
import { createMailer } from '../platform/mail/index.js';
import { createAttemptLimiter } from '../platform/rate-limit/index.js';
import { breachedPasswordsOptions, createAccountsService, createBreachedPasswords } from '../accounts/index.js';
import { createTokensService } from '../tokens/index.js';
import { createMfaService } from '../mfa/index.js';
import { createDomainChecker } from './email-domains.js';
import { createRecoveryService, type RecoveryService } from './service.js';

/** The domain checker the configuration describes (resolvers, timeout, RDAP). */
export function domainCheckerFor(config: Config, clock: Clock) {
  return createDomainChecker({ servers: config.dnsServers, timeoutMs: config.dnsTimeoutMs, rdapUrl: config.rdapUrl, clock });
}

export async function openRecoveryService(db: Kysely<Database>, config: Config, clock: Clock, log?: Logger): Promise<{ recovery: RecoveryService; close(): Promise<void> }> {
  const secret = config.sessionSecret ?? (await loadOrCreateSetting(db, 'session_secret'));
  const limiter = createAttemptLimiter({ store: { kind: 'memory' } });
  const publicUrl = new URL(config.publicUrl);
  const mailer = createMailer(config, log);
  const recovery = createRecoveryService({
    db,
    clock,
    accounts: createAccountsService({ db, clock, limiter, breached: createBreachedPasswords(breachedPasswordsOptions(config, log)), ...(log ? { log } : {}) }),
    tokens: createTokensService({ db, clock }),
    mailer,
    checker: domainCheckerFor(config, clock),
    limiter,
    mfa: createMfaService({ db, clock, secret, limiter, webauthn: { rpId: publicUrl.hostname, rpName: 'Bulwark', origin: publicUrl.origin } }),
    publicUrl: config.publicUrl,
    log,
  });
  return {
    recovery,
    async close() {
      await recovery.settled();
      await limiter.close();
      mailer.close();
    },
  };
}
