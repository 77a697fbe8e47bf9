// The attempt limiter on each store it supports: memory, the database (SQLite and PostgreSQL,
// table rate_limits) and Redis (127.0.0.1:6379). Time moves with node:test's mocked Date, which
// both rate-limiter-flexible and our database store read; Redis keeps its own clock, so its
// runs check locking, not expiry.
import { after, afterEach, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openDatabase, migrateToLatest, type Db } from '../../src/platform/db/index.js';
import { createAttemptLimiter, type AttemptLimiter, type AttemptStore } from '../../src/platform/rate-limit/index.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { prepareStorage, type PreparedStorage } from '../helpers/storage.js';

const REDIS_URL = process.env.BULWARK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;

async function lockedFor(limiter: AttemptLimiter, keys: { account?: string | number; ip?: string }, kind: 'password' | 'totp' = 'password'): Promise<number | null> {
  try {
    await limiter.assertAllowed(kind, keys);
    return null;
  } catch (error) {
    assert.ok(error instanceof BulwarkError);
    assert.equal(error.code, 'TOO_MANY_ATTEMPTS');
    assert.equal(error.kind, 'rate_limited');
    const seconds = error.detail?.retryAfterSeconds;
    assert.equal(typeof seconds, 'number');
    return seconds as number;
  }
}

async function fail(limiter: AttemptLimiter, times: number, keys: { account?: string | number; ip?: string }) {
  const outcomes = [];
  for (let i = 0; i < times; i++) outcomes.push(await limiter.recordFailure('password', keys));
  return outcomes;
}

// Unique names per run: the Redis server is shared with other tests.
const unique = () => randomBytes(6).toString('hex');

interface StoreCase {
  name: string;
  timeTravel: boolean;
  open(): Promise<{ store: AttemptStore; cleanup(): Promise<void> }>;
}

const cases: StoreCase[] = [
  { name: 'memory', timeTravel: true, open: async () => ({ store: { kind: 'memory' }, cleanup: async () => {} }) },
  {
    name: 'SQLite',
    timeTravel: true,
    async open() {
      const storage = await prepareStorage('sqlite+files');
      const db = openDatabase({ dataDir: storage.dataDir });
      await migrateToLatest(db);
      return { store: { kind: 'database', db }, cleanup: async () => { await db.destroy(); await storage.cleanup(); } };
    },
  },
  {
    name: 'PostgreSQL',
    timeTravel: true,
    async open() {
      const storage: PreparedStorage = await prepareStorage('postgres+s3');
      const db: Db = openDatabase({ dataDir: storage.dataDir, databaseUrl: storage.overrides.databaseUrl as string });
      await migrateToLatest(db);
      return { store: { kind: 'database', db }, cleanup: async () => { await db.destroy(); await storage.cleanup(); } };
    },
  },
  { name: 'Redis', timeTravel: false, open: async () => ({ store: { kind: 'redis', url: REDIS_URL }, cleanup: async () => {} }) },
];

for (const storeCase of cases) {
  describe(`attempt limiter on ${storeCase.name}`, () => {
    let store: AttemptStore;
    let cleanup: () => Promise<void>;
    let limiter: AttemptLimiter;
    before(async () => {
      ({ store, cleanup } = await storeCase.open());
    });
    after(async () => cleanup());
    afterEach(async () => {
      mock.timers.reset();
      await limiter?.close();
    });
    const open = () => (limiter = createAttemptLimiter({ store }));

    test('10 failures on an account lock it, with a retry time; the IP counter is looser', async () => {
      open();
      const account = `user-${unique()}`;
      const ip = `10.0.${unique()}`;
      const outcomes = await fail(limiter, 9, { account, ip });
      assert.ok(outcomes.every((o) => o.accountLockedForSeconds === null && o.ipLockedForSeconds === null));
      assert.equal(await lockedFor(limiter, { account, ip }), null);
      const [tenth] = await fail(limiter, 1, { account, ip });
      assert.deepEqual(tenth, { accountLockedForSeconds: 60, ipLockedForSeconds: null });
      const seconds = await lockedFor(limiter, { account, ip });
      assert.ok(seconds !== null && seconds > 0 && seconds <= 60, `retry after ${seconds}`);
      // The name is case-insensitive; the IP alone (another account) is not locked.
      assert.notEqual(await lockedFor(limiter, { account: account.toUpperCase() }), null);
      assert.equal(await lockedFor(limiter, { account: `other-${unique()}`, ip }), null);
      // Kinds count apart: a password lockout does not lock TOTP.
      assert.equal(await lockedFor(limiter, { account }, 'totp'), null);
    });

    test('a success clears the account failures, not the IP failures', async () => {
      open();
      const account = `user-${unique()}`;
      const ip = `10.1.${unique()}`;
      await fail(limiter, 9, { account, ip });
      await limiter.recordSuccess('password', { account, ip });
      const outcomes = await fail(limiter, 9, { account, ip });
      assert.ok(outcomes.every((o) => o.accountLockedForSeconds === null));
      assert.equal(await lockedFor(limiter, { account }), null);
    });

    test('100 failures from one IP over many accounts lock the IP for 15 minutes', async () => {
      open();
      const ip = `10.2.${unique()}`;
      let ipLock: number | null = null;
      for (let i = 0; i < 100; i++) {
        const outcome = await limiter.recordFailure('password', { account: `name-${i}-${unique()}`, ip });
        if (outcome.ipLockedForSeconds !== null) ipLock = outcome.ipLockedForSeconds;
        if (i < 99) assert.equal(outcome.ipLockedForSeconds, null);
      }
      assert.equal(ipLock, 15 * 60);
      const seconds = await lockedFor(limiter, { account: `fresh-${unique()}`, ip });
      assert.ok(seconds !== null && seconds > 14 * 60);
    });

    if (storeCase.timeTravel) {
      test('lockouts double (1, 2, 4 minutes …) and end on their own', async () => {
        mock.timers.enable({ apis: ['Date'], now: Date.now() });
        open();
        const account = `user-${unique()}`;
        for (const expected of [60, 120, 240, 480]) {
          const outcomes = await fail(limiter, 10, { account });
          assert.equal(outcomes.at(-1)?.accountLockedForSeconds, expected);
          assert.equal(await lockedFor(limiter, { account }), expected);
          mock.timers.tick(expected * 1000 - 1000);
          assert.equal(await lockedFor(limiter, { account }), 1);
          mock.timers.tick(1000);
          assert.equal(await lockedFor(limiter, { account }), null);
        }
        // A success forgets the lockout history: the next lockout is 1 minute again.
        await limiter.recordSuccess('password', { account });
        const outcomes = await fail(limiter, 10, { account });
        assert.equal(outcomes.at(-1)?.accountLockedForSeconds, 60);
      });

      test('failures older than the 15-minute window no longer count', async () => {
        mock.timers.enable({ apis: ['Date'], now: Date.now() });
        open();
        const account = `user-${unique()}`;
        await fail(limiter, 9, { account });
        mock.timers.tick(15 * MINUTE);
        const outcomes = await fail(limiter, 9, { account });
        assert.ok(outcomes.every((o) => o.accountLockedForSeconds === null));
        assert.equal(await lockedFor(limiter, { account }), null);
      });

      test('the lockout never exceeds 24 hours', async () => {
        mock.timers.enable({ apis: ['Date'], now: Date.now() });
        open();
        const account = `user-${unique()}`;
        let last = 0;
        for (let i = 0; i < 13; i++) {
          const outcomes = await fail(limiter, 10, { account });
          last = outcomes.at(-1)?.accountLockedForSeconds ?? 0;
          mock.timers.tick(last * 1000);
        }
        assert.equal(last, 24 * 3600);
      });
    }

    test('a hostile, very long account key is bounded and still counted', async () => {
      open();
      const account = `x${'y'.repeat(10_000)}${unique()}`;
      await fail(limiter, 10, { account });
      assert.notEqual(await lockedFor(limiter, { account }), null);
    });
  });
}

test('the database store keeps counters in rate_limits and shares them between limiters', async () => {
  const storage = await prepareStorage('sqlite+files');
  const db = openDatabase({ dataDir: storage.dataDir });
  try {
    await migrateToLatest(db);
    const first = createAttemptLimiter({ store: { kind: 'database', db } });
    const second = createAttemptLimiter({ store: { kind: 'database', db } });
    await fail(first, 5, { account: 'alice' });
    await fail(second, 5, { account: 'alice' });
    assert.notEqual(await lockedFor(first, { account: 'alice' }), null);
    const rows = await db.selectFrom('rate_limits').selectAll().execute();
    assert.ok(rows.some((row) => row.key.includes('password:account') && row.key.endsWith('alice')));
    await first.close();
    await second.close();
  } finally {
    await db.destroy();
    await storage.cleanup();
  }
});

test('with Redis unreachable, counting goes on in memory: attempts are still limited, nothing hangs', async () => {
  // Port 1 on loopback refuses connections.
  const limiter = createAttemptLimiter({ store: { kind: 'redis', url: 'redis://127.0.0.1:1' } });
  try {
    const outcomes = await fail(limiter, 10, { account: 'alice', ip: '10.9.9.9' });
    assert.equal(outcomes.at(-1)?.accountLockedForSeconds, 60);
    assert.notEqual(await lockedFor(limiter, { account: 'alice' }), null);
  } finally {
    await limiter.close();
  }
});
