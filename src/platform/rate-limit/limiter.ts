// Progressive lockout on rate-limiter-flexible counters. Per attempt kind and per key scope
// (account, IP) two counters: failures in the current window, and the lockout level (how many
// lockouts the key had recently). Reaching `maxFailures` locks the key for
// firstLockSeconds × 2^(level) (capped); a lock is the failures counter set to `maxFailures`
// with the lock's lifetime, so "locked" is simply "failures ≥ maxFailures" on every store.
import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { BulwarkError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  DEFAULT_POLICIES,
  KIND_POLICIES,
  type AttemptKeys,
  type AttemptKind,
  type AttemptLimiter,
  type FailureOutcome,
  type LockoutPolicy,
  type PolicyOverrides,
} from './types.js';

type Scope = 'account' | 'ip';

/** Makes a rate-limiter-flexible limiter on the chosen store. */
export type CounterFactory = (options: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract;

export interface LockoutLimiterOptions {
  counters: CounterFactory;
  /** Overrides for every kind (except what KIND_POLICIES sets for a kind). */
  policies?: PolicyOverrides;
  /** Overrides for one kind, over everything else. */
  kindPolicies?: Partial<Record<AttemptKind, PolicyOverrides>>;
  log?: Logger;
  /** Awaited before each operation (the Redis store's first connection). */
  ready?: () => Promise<void>;
  onClose?: () => Promise<void>;
}

const KINDS: readonly AttemptKind[] = ['password', 'totp', 'recovery-code', 'webauthn', 'email-recovery', 'sign-up', 'passkey-start'];
const LEVEL_POINTS = 1_000_000;

export function createLockoutLimiter(options: LockoutLimiterOptions): AttemptLimiter {
  // Most specific last: the defaults, the caller's general overrides, the kind's own policy,
  // the caller's overrides for that kind.
  const policies = new Map<string, LockoutPolicy>();
  const policyOf = (kind: AttemptKind, scope: Scope): LockoutPolicy => {
    const found = policies.get(`${kind}:${scope}`);
    if (!found) throw new Error(`unknown attempt kind ${String(kind)}`);
    return found;
  };
  const counters = new Map<string, { failures: RateLimiterAbstract; levels: RateLimiterAbstract }>();
  for (const kind of KINDS) {
    for (const scope of ['account', 'ip'] as const) {
      const policy: LockoutPolicy = {
        ...DEFAULT_POLICIES[scope],
        ...options.policies?.[scope],
        ...KIND_POLICIES[kind]?.[scope],
        ...options.kindPolicies?.[kind]?.[scope],
      };
      policies.set(`${kind}:${scope}`, policy);
      counters.set(`${kind}:${scope}`, {
        failures: options.counters({ keyPrefix: `bulwark:${kind}:${scope}:f`, points: LEVEL_POINTS, duration: policy.windowSeconds }),
        levels: options.counters({ keyPrefix: `bulwark:${kind}:${scope}:l`, points: LEVEL_POINTS, duration: policy.memorySeconds }),
      });
    }
  }
  const counter = (kind: AttemptKind, scope: Scope) => {
    const found = counters.get(`${kind}:${scope}`);
    if (!found) throw new Error(`unknown attempt kind ${String(kind)}`);
    return found;
  };

  function scopedKeys(keys: AttemptKeys): Array<[Scope, string]> {
    const out: Array<[Scope, string]> = [];
    if (keys.account !== undefined && keys.account !== '') out.push(['account', keyOf(keys.account)]);
    if (keys.ip) out.push(['ip', keyOf(keys.ip)]);
    return out;
  }

  async function lock(kind: AttemptKind, scope: Scope, key: string): Promise<number> {
    const policy = policyOf(kind, scope);
    const { failures, levels } = counter(kind, scope);
    const level = (await levels.get(key))?.consumedPoints ?? 0;
    const seconds = Math.min(policy.firstLockSeconds * 2 ** Math.min(level, 30), policy.maxLockSeconds);
    await failures.set(key, policy.maxFailures, seconds);
    await levels.set(key, level + 1, seconds + policy.memorySeconds);
    options.log?.warn({ 'attempt.kind': kind, 'attempt.scope': scope, 'lock.seconds': seconds, 'lock.level': level + 1 }, 'attempt lockout started');
    return seconds;
  }

  return {
    async assertAllowed(kind, keys) {
      await options.ready?.();
      let retryMs = 0;
      for (const [scope, key] of scopedKeys(keys)) {
        const res = await counter(kind, scope).failures.get(key);
        if (res && res.consumedPoints >= policyOf(kind, scope).maxFailures) retryMs = Math.max(retryMs, res.msBeforeNext);
      }
      if (retryMs > 0) throw tooManyAttempts(Math.ceil(retryMs / 1000), kind);
    },

    async recordFailure(kind, keys) {
      await options.ready?.();
      const outcome: FailureOutcome = { accountLockedForSeconds: null, ipLockedForSeconds: null };
      for (const [scope, key] of scopedKeys(keys)) {
        const res = await counter(kind, scope).failures.penalty(key, 1);
        // Exactly the failure that reaches the limit starts the lockout; attempts already in
        // flight when it started count on (above the limit) without locking again.
        if (res.consumedPoints === policyOf(kind, scope).maxFailures) {
          const seconds = await lock(kind, scope, key);
          if (scope === 'account') outcome.accountLockedForSeconds = seconds;
          else outcome.ipLockedForSeconds = seconds;
        }
      }
      return outcome;
    },

    async recordSuccess(kind, keys) {
      if (keys.account === undefined || keys.account === '') return;
      await options.ready?.();
      const key = keyOf(keys.account);
      const { failures, levels } = counter(kind, 'account');
      await failures.delete(key);
      await levels.delete(key);
    },

    async close() {
      await options.onClose?.();
    },
  };
}

// What was too many, for the kinds that count actions rather than failures.
const TOO_MANY: Partial<Record<AttemptKind, string>> = {
  'sign-up': 'Too many sign-ups from your network.',
  'passkey-start': 'Too many passkey sign-ins from your network.',
};

export function tooManyAttempts(retryAfterSeconds: number, kind?: AttemptKind): BulwarkError {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return new BulwarkError(
    'rate_limited',
    'TOO_MANY_ATTEMPTS',
    `${(kind && TOO_MANY[kind]) ?? 'Too many failed attempts.'} Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`,
    { detail: { retryAfterSeconds } },
  );
}

// Names are compared case-insensitively; long values (a hostile "user name") are hashed so a
// key's size is bounded in every store.
function keyOf(value: string | number): string {
  const text = String(value).toLowerCase();
  return text.length <= 128 ? text : `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
