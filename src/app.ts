// The composition root: the only file that wires platform, features, ecosystems and the web
// together. Everything else receives its dependencies as arguments.
import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Config } from './platform/config.js';
import { openDatabase, migrateToLatest, type Db } from './platform/db/index.js';
import { openBlobStore, type BlobStore } from './platform/blobs/index.js';
import { createHttpServer } from './platform/http/index.js';
import { createLogger, type Logger } from './platform/log.js';
import { systemClock, type Clock } from './platform/clock.js';
import { loadOrCreateSetting } from './platform/settings.js';
import { createAttemptLimiter, type AttemptLimiter } from './platform/rate-limit/index.js';
import { breachedPasswordsOptions, createAccountsService, createBreachedPasswords, createEmailVerificationService, ensureAdmin, type AccountsService, type EmailVerificationService } from './accounts/index.js';
import { createMailer, type Mailer } from './platform/mail/index.js';
import { createNotifier } from './notifications/index.js';
import { createSecurityLog } from './events/index.js';
import { createTokensService, type TokensService } from './tokens/index.js';
import { createRegistryService, type RegistryService } from './registry/index.js';
import { createTrustService, type TrustService } from './trust/index.js';
import { createAttestationsService } from './attestations/index.js';
import { createDownloadCounter, type DownloadCounter } from './downloads/index.js';
import { createMfaPolicyService, type MfaPolicyService } from './mfa-policy/index.js';
import { createEcosystems, type Ecosystem } from './ecosystems/index.js';
import { createAuthenticator } from './api/authenticate.js';
import { isRouteAction, requireUser, routeNeedsUser } from './auth/index.js';
import { registerWeb } from './web/index.js';
import { createMfaService, type MfaService } from './mfa/index.js';
import { createRecoveryService, domainCheckerFor, scheduleDomainChecks, type RecoveryService } from './recovery/index.js';

// The notification outbox runs every few seconds, leaving events younger than two seconds for the
// next pass (see notifications/outbox.ts).
const NOTIFY_INTERVAL_MS = 5_000;
const NOTIFY_SETTLE_MS = 2_000;

export interface AppOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
}

export interface BulwarkApp {
  config: Config;
  http: FastifyInstance;
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  accounts: AccountsService;
  /** Failed-attempt counters and lockouts for every secret check. */
  limiter: AttemptLimiter;
  mailer: Mailer;
  /** Mails the notices of every event not yet handled (the outbox also runs on a timer); the number sent. */
  processPendingNotifications(): Promise<number>;
  emailVerification: EmailVerificationService;
  tokens: TokensService;
  registry: RegistryService;
  trust: TrustService;
  mfa: MfaService;
  downloads: DownloadCounter;
  mfaPolicy: MfaPolicyService;
  recovery: RecoveryService;
  ecosystems: Ecosystem[];
  /** Set when this start created the admin account with a generated password. */
  generatedAdminPassword: string | null;
  close(): Promise<void>;
}

export async function createApp({ config, clock = systemClock, log = createLogger(config.logLevel) }: AppOptions): Promise<BulwarkApp> {
  const db = openDatabase(config);
  await migrateToLatest(db);
  const blobs = openBlobStore(config);

  const limiter = createAttemptLimiter({
    store: config.redisUrl ? { kind: 'redis', url: config.redisUrl } : { kind: 'database', db },
    kindPolicies: { 'sign-up': { ip: { maxFailures: config.signUpsPerHour } } },
    log,
  });
  const breached = createBreachedPasswords(breachedPasswordsOptions(config, log));
  const accounts = createAccountsService({ db, clock, limiter, breached, log });
  const mailer = createMailer(config, log);
  const emailVerification = createEmailVerificationService({ db, clock, accounts, mailer, publicUrl: config.publicUrl, registration: config.registration, limiter });
  const tokens = createTokensService({ db, clock });
  const downloads = createDownloadCounter({ db, clock, log, flushIntervalMs: config.downloadsFlushSeconds * 1000 });
  const registry = createRegistryService({
    db,
    blobs,
    clock,
    policy: {
      maxArtifactBytes: config.maxArtifactBytes,
      unpublishWindowHours: config.unpublishWindowHours,
      unpublishWithDependents: config.unpublishWithDependents,
    },
    downloads,
    // The MFA policy (built below, once the MFA service exists) checks publish, unpublish, yank and owner changes.
    stepUp: (actor, _action, target) => mfaPolicy.enforce(actor, { packageId: target.packageId }, target.stepUp),
  });
  const trust = createTrustService({ db, clock, tokens, issuers: config.oidcIssuers });
  const attestations = createAttestationsService({
    trust,
    trustedRoot: config.sigstoreTrustedRoot ? (JSON.parse(readFileSync(config.sigstoreTrustedRoot, 'utf8')) as unknown) : null,
  });
  const ecosystems = createEcosystems({
    maxEntries: config.maxArchiveEntries,
    maxUnpackedBytes: config.maxUnpackedBytes,
    maxCompressionRatio: config.maxCompressionRatio,
  });
  const secret = config.sessionSecret ?? (await loadOrCreateSetting(db, 'session_secret'));
  const { generatedPassword } = await ensureAdmin(accounts, config.adminPassword);
  // WebAuthn credentials are scoped to the public host name and checked against its origin.
  const publicUrl = new URL(config.publicUrl);
  const mfa = createMfaService({
    db,
    clock,
    secret,
    limiter,
    webauthn: { rpId: publicUrl.hostname, rpName: 'Bulwark', origin: publicUrl.origin },
  });
  const mfaPolicy = createMfaPolicyService({
    db,
    clock,
    mfa,
    publicUrl: config.publicUrl,
    criticalRefreshMs: config.criticalRefreshSeconds * 1000,
  });
  // Account recovery (docs/security/account-recovery.md) and the periodic email-domain check.
  const recovery = createRecoveryService({
    db,
    clock,
    accounts,
    tokens,
    mailer,
    checker: domainCheckerFor(config, clock),
    limiter,
    mfa,
    publicUrl: config.publicUrl,
    log,
  });
  const notifier = createNotifier({
    db,
    clock,
    mailer,
    accounts,
    packageOwners: (id) => registry.ownerIdsOf(id),
    publicUrl: config.publicUrl,
    isAbandonedAddress: (address) => recovery.isAbandonedAddress(address),
    log,
  });
  notifier.start(NOTIFY_INTERVAL_MS, NOTIFY_SETTLE_MS);
  const domainChecks = scheduleDomainChecks(() => recovery.checkEmailDomains(), config.domainCheckIntervalHours, log);

  const http = createHttpServer({ log, maxBodyBytes: config.maxBodyBytes, maxJsonDepth: config.maxJsonDepth });
  await http.register(cookie);
  await http.register(formbody, { bodyLimit: 64 * 1024 });
  const authenticator = createAuthenticator({ accounts, tokens, secret, mfa });
  http.decorateRequest('actor', null as never);
  http.addHook('onRoute', (route) => {
    if (!isRouteAction(route.config?.action)) {
      throw new Error(`route ${route.method} ${route.url} declares an unknown action ${String(route.config?.action)}`);
    }
  });
  http.addHook('preHandler', async (request) => {
    request.actor = await authenticator.authenticate(request);
    if (routeNeedsUser(request.routeOptions.config.action ?? 'user')) requireUser(request.actor);
  });

  const context = {
    registry,
    accounts,
    tokens,
    trust,
    attestations,
    mfa,
    mfaPolicy,
    log,
    settings: { publicUrl: config.publicUrl, packumentMaxAge: config.packumentMaxAge, maxArtifactBytes: config.maxArtifactBytes },
  };
  await registerWeb(http, {
    registry,
    accounts,
    emailVerification,
    mfa,
    securityLog: createSecurityLog(db),
    mfaPolicy,
    ecosystems,
    recovery,
    tokens,
    secret,
    publicUrl: config.publicUrl,
    secureCookies: config.secureCookies,
    securityContact: config.securityContact,
  });
  for (const ecosystem of ecosystems) await ecosystem.routes(http, context);

  return {
    config,
    http,
    db,
    blobs,
    clock,
    accounts,
    mailer,
    processPendingNotifications: () => notifier.processPending(),
    emailVerification,
    tokens,
    registry,
    trust,
    limiter,
    mfa,
    downloads,
    mfaPolicy,
    recovery,
    ecosystems,
    generatedAdminPassword: generatedPassword,
    async close() {
      await http.close();
      await domainChecks.stop();
      await recovery.settled();
      await notifier.stop();
      await limiter.close();
      mailer.close();
      // Counted downloads reach the database before it closes.
      await downloads.close();
      await db.destroy();
      await blobs.close();
    },
  };
}
