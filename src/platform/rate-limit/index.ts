// Attempt limits for secret checks (see types.ts): progressive lockout per account and per IP
// on rate-limiter-flexible, stored in memory, in the application database (SQLite or
// PostgreSQL, table `rate_limits`) or in Redis.
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../log.js';
import { RateLimiterKysely } from './kysely-store.js';
import { createLockoutLimiter } from './limiter.js';
import type { AttemptKind, AttemptLimiter, PolicyOverrides } from './types.js';

export type { AttemptKind, AttemptKeys, AttemptLimiter, FailureOutcome, LockoutPolicy, PolicyOverrides } from './types.js';
export { DEFAULT_POLICIES, KIND_POLICIES } from './types.js';
export { tooManyAttempts } from './limiter.js';

export type AttemptStore =
  | { kind: 'memory' }
  /** The application's database (SQLite or PostgreSQL), migrated to 008 or later. */
  | { kind: 'database'; db: Kysely<any> }
  | { kind: 'redis'; url: string };

export interface AttemptLimiterOptions {
  store: AttemptStore;
  policies?: PolicyOverrides;
  kindPolicies?: Partial<Record<AttemptKind, PolicyOverrides>>;
  log?: Logger;
}

const CLEAR_EXPIRED_MS = 5 * 60 * 1000;

export function createAttemptLimiter(options: AttemptLimiterOptions): AttemptLimiter {
  const { store, log } = options;
  const base = {
    ...(options.policies ? { policies: options.policies } : {}),
    ...(options.kindPolicies ? { kindPolicies: options.kindPolicies } : {}),
    ...(log ? { log } : {}),
  };
  if (store.kind === 'memory') {
    return createLockoutLimiter({ ...base, counters: (o) => new RateLimiterMemory(o) });
  }
  // If the store fails, counting goes on in this process's memory (the insurance limiter)
  // rather than letting every attempt through unlimited or refusing every sign-in.
  if (store.kind === 'database') {
    const stores: RateLimiterKysely[] = [];
    const timer = setInterval(() => {
      stores[0]?.clearExpired().catch((error: unknown) => log?.warn({ err: error }, 'could not clear expired attempt counters'));
    }, CLEAR_EXPIRED_MS);
    timer.unref();
    return createLockoutLimiter({
      ...base,
      counters: (o) => {
        const limiter = new RateLimiterKysely({ ...o, db: store.db, insuranceLimiter: new RateLimiterMemory(o) });
        stores.push(limiter);
        return limiter;
      },
      onClose: async () => clearInterval(timer),
    });
  }
  // No offline queue: while Redis is away a command fails at once and the insurance limiter
  // answers, instead of a sign-in waiting for reconnections. Only the first use waits (up to
  // a second) for the first connection, so counting starts in Redis.
  const client = new Redis(store.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let lastWarning = 0;
  client.on('error', (error: Error) => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    log?.warn({ err: error }, 'redis (attempt limits) unavailable; counting in memory');
  });
  const connected = new Promise<void>((resolve) => {
    client.once('ready', () => resolve());
    setTimeout(resolve, 1000).unref();
  });
  return createLockoutLimiter({
    ...base,
    ready: () => connected,
    counters: (o) => new RateLimiterRedis({ ...o, storeClient: client, insuranceLimiter: new RateLimiterMemory(o) }),
    onClose: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  });
}
