// MFA codes through the service on a real app, on SQLite and PostgreSQL: TOTP enrolment (codes computed with
// otplib from the secret shown, the clock injected), one use per time step, recovery codes that
// work once, removal and reset. Every refusal is logged and changes nothing else.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { storagePairs } from '../helpers/storage.js';

const START = Date.parse('2026-03-01T12:00:10Z');

class TestClock {
  ms = START;
  now = () => new Date(this.ms);
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

function codeAt(secret: string, ms: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(ms / 1000) });
}

async function refusedWith(promise: Promise<unknown>, code: string): Promise<BulwarkError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BulwarkError, `expected a BulwarkError, got ${String(error)}`);
    assert.equal(error.code, code);
    return error;
  }
  assert.fail(`expected ${code}`);
}

async function mfaRows(t: TestApp) {
  const counts: Record<string, number> = {};
  for (const table of ['mfa_factors', 'mfa_recovery_codes', 'mfa_pending_logins', 'webauthn_challenges'] as const) {
    const row = await t.app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return { ...(await t.rowCounts()), ...counts };
}

async function eventsSince(t: TestApp, id: number) {
  const rows = await t.app.db.selectFrom('events').selectAll().where('id', '>', id).orderBy('id', 'asc').execute();
  return rows.map((r) => ({ type: r.type, subject: r.subject, data: JSON.parse(r.data) as Record<string, unknown> }));
}

async function lastEventId(t: TestApp): Promise<number> {
  const row = await t.app.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
  return Number(row.id ?? 0);
}

for (const storage of storagePairs) {
  describe(`MFA: TOTP and recovery codes on ${storage}`, () => {
    const clock = new TestClock();
    let t: TestApp;
    let userId: number;
    let secret: string;
    let recoveryCodes: string[];

    before(async () => {
      t = await createTestApp({ clock, storage });
      ({ id: userId } = await t.createUser('mfa-alice'));
    });
    after(() => t.close());

    test('a new account has no factors', async () => {
      const status = await t.app.mfa.status(userId);
      assert.deepEqual(status, { enabled: false, phishingResistant: false, factors: [], recoveryCodesLeft: 0 });
      await refusedWith(t.app.mfa.verifyCode(userId, '123456'), 'OTP_INVALID');
      await refusedWith(t.app.mfa.regenerateRecoveryCodes(userId), 'MFA_NOT_ENABLED');
    });

    test('enrolling TOTP: the secret is shown once, stored encrypted, active only after a correct code', async () => {
      const started = await t.app.mfa.startTotp(userId);
      secret = started.secret;
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.match(started.uri, /^otpauth:\/\/totp\/Bulwark:mfa-alice\?/);
      assert.ok(started.uri.includes(`secret=${secret}`));

      const row = await t.app.db.selectFrom('mfa_factors').selectAll().where('id', '=', started.factorId).executeTakeFirstOrThrow();
      assert.equal(row.confirmed_at, null);
      assert.ok(row.totp_secret && !row.totp_secret.includes(secret), 'the secret is not stored in clear');
      assert.equal((await t.app.mfa.status(userId)).enabled, false, 'not active before confirmation');

      const before = await mfaRows(t);
      const mark = await lastEventId(t);
      const wrong = (await codeAt(secret, clock.ms)) === '000000' ? '111111' : '000000';
      await refusedWith(t.app.mfa.confirmTotp(userId, started.factorId, wrong), 'OTP_INVALID');
      assert.deepEqual(await mfaRows(t), { ...before, events: before.events! + 1 });
      const failed = await eventsSince(t, mark);
      assert.deepEqual(failed.map((e) => [e.type, e.subject, e.data.userId, e.data.reason]), [['mfa:failed', 'user:mfa-alice', userId, 'invalid']]);

      const confirmed = await t.app.mfa.confirmTotp(userId, started.factorId, await codeAt(secret, clock.ms), { label: 'Phone' });
      assert.ok(confirmed.recoveryCodes);
      recoveryCodes = confirmed.recoveryCodes;
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10);
      const status = await t.app.mfa.status(userId);
      assert.equal(status.enabled, true);
      assert.equal(status.phishingResistant, false);
      assert.equal(status.recoveryCodesLeft, 10);
      assert.deepEqual(status.factors.map((f) => [f.kind, f.label, f.phishingResistant]), [['totp', 'Phone', false]]);
      const added = await eventsSince(t, mark + 1);
      assert.deepEqual(added.map((e) => [e.type, e.subject, e.data.userId]), [
        ['mfa:add', 'user:mfa-alice', userId],
        ['mfa:recovery-codes', 'user:mfa-alice', userId],
      ]);
      assert.equal(added[0]!.data.phishingResistant, false);

      const stored = await t.app.db.selectFrom('mfa_recovery_codes').select('code_hash').where('user_id', '=', userId).execute();
      for (const code of recoveryCodes) assert.ok(!stored.some((r) => r.code_hash.includes(code.replace(/ /g, ''))));
      await refusedWith(t.app.mfa.startTotp(userId), 'TOTP_ALREADY_ENABLED');
    });

    test('a TOTP code is accepted once per time step; a replay is refused and logged, nothing else changes', async () => {
      // The enrolment used this step's code: the same code again is a replay.
      const sameStep = await codeAt(secret, clock.ms);
      const before = await mfaRows(t);
      const mark = await lastEventId(t);
      await refusedWith(t.app.mfa.verifyCode(userId, sameStep, { ip: '192.0.2.7' }), 'OTP_REPLAYED');
      assert.deepEqual(await mfaRows(t), { ...before, events: before.events! + 1 });
      const logged = await eventsSince(t, mark);
      assert.deepEqual(logged.map((e) => [e.type, e.data.kind, e.data.reason, e.data.ip]), [['mfa:failed', 'totp', 'replayed', '192.0.2.7']]);

      clock.advance(30);
      const next = await codeAt(secret, clock.ms);
      assert.equal(await t.app.mfa.verifyCode(userId, next, { ip: '192.0.2.7' }), 'totp');
      await refusedWith(t.app.mfa.verifyCode(userId, next), 'OTP_REPLAYED');
      // The previous step's code, still inside the ±1 window, is older than the last used one.
      await refusedWith(t.app.mfa.verifyCode(userId, sameStep), 'OTP_REPLAYED');
    });

    test('codes one step away count (clock drift); two steps away do not', async () => {
      clock.advance(60);
      const ahead = await codeAt(secret, clock.ms + 30_000);
      assert.equal(await t.app.mfa.verifyCode(userId, ahead), 'totp');
      clock.advance(90);
      const tooOld = await codeAt(secret, clock.ms - 60_000);
      const current = await codeAt(secret, clock.ms);
      if (tooOld !== current) await refusedWith(t.app.mfa.verifyCode(userId, tooOld), 'OTP_INVALID');
      const tooNew = await codeAt(secret, clock.ms + 60_000);
      if (tooNew !== current) await refusedWith(t.app.mfa.verifyCode(userId, tooNew), 'OTP_INVALID');
      assert.equal(await t.app.mfa.verifyCode(userId, ` ${current.slice(0, 3)} ${current.slice(3)} `), 'totp');
    });

    test('a recovery code works once (with or without spaces); reuse is refused and logged', async () => {
      const code = recoveryCodes[0]!;
      const mark = await lastEventId(t);
      assert.equal(await t.app.mfa.verifyCode(userId, code.replace(/ /g, '')), 'recovery-code');
      assert.equal((await t.app.mfa.status(userId)).recoveryCodesLeft, 9);
      const used = await eventsSince(t, mark);
      assert.deepEqual(used.map((e) => [e.type, e.data.action, e.data.left]), [['mfa:recovery-codes', 'used', 9]]);

      const before = await mfaRows(t);
      await refusedWith(t.app.mfa.verifyCode(userId, code, { ip: '192.0.2.8' }), 'OTP_INVALID');
      assert.deepEqual(await mfaRows(t), { ...before, events: before.events! + 1 });
      const logged = await eventsSince(t, mark + 1);
      assert.deepEqual(logged.map((e) => [e.type, e.data.kind, e.data.reason]), [['mfa:failed', 'recovery-code', 'invalid']]);
      await refusedWith(t.app.mfa.verifyCode(userId, 'not-a-code'), 'OTP_INVALID');

      // Another user's code does not work here.
      const other = await t.createUser('mfa-bob');
      await refusedWith(t.app.mfa.verifyCode(other.id, recoveryCodes[1]!), 'OTP_INVALID');
    });

    test('regenerating recovery codes voids the old ones', async () => {
      const mark = await lastEventId(t);
      const fresh = await t.app.mfa.regenerateRecoveryCodes(userId);
      assert.equal(fresh.length, 10);
      assert.equal((await t.app.mfa.status(userId)).recoveryCodesLeft, 10);
      await refusedWith(t.app.mfa.verifyCode(userId, recoveryCodes[2]!), 'OTP_INVALID');
      assert.equal(await t.app.mfa.verifyCode(userId, fresh[0]!), 'recovery-code');
      const events = await eventsSince(t, mark);
      assert.deepEqual(events[0] && [events[0].type, events[0].data.action, events[0].data.reason], ['mfa:recovery-codes', 'generated', 'regenerated']);
      recoveryCodes = fresh;
    });

    test('removing the last factor turns MFA off and voids the recovery codes', async () => {
      const [factor] = (await t.app.mfa.status(userId)).factors;
      await refusedWith(t.app.mfa.removeFactor(userId + 1000, factor!.id), 'MFA_FACTOR_NOT_FOUND');
      const mark = await lastEventId(t);
      assert.deepEqual(await t.app.mfa.removeFactor(userId, factor!.id), { mfaEnabled: false });
      assert.deepEqual(await t.app.mfa.status(userId), { enabled: false, phishingResistant: false, factors: [], recoveryCodesLeft: 0 });
      const events = await eventsSince(t, mark);
      assert.deepEqual(events.map((e) => [e.type, e.subject, e.data.userId, e.data.kind]), [['mfa:remove', 'user:mfa-alice', userId, 'totp']]);
      await refusedWith(t.app.mfa.verifyCode(userId, recoveryCodes[1]!), 'OTP_INVALID');
    });

    test('an admin reset removes every factor, code and pending sign-in', async () => {
      const started = await t.app.mfa.startTotp(userId);
      await t.app.mfa.confirmTotp(userId, started.factorId, await codeAt(started.secret, clock.ms));
      const pending = await t.app.mfa.startPendingSignIn(userId);
      assert.equal(await t.app.mfa.pendingSignInUser(pending.pendingId), userId);
      const admin = await t.app.accounts.getUserByName('admin');
      const mark = await lastEventId(t);
      assert.deepEqual(await t.app.mfa.resetAllFactors(userId, admin!.id), { removed: 1 });
      assert.equal((await t.app.mfa.status(userId)).enabled, false);
      assert.equal(await t.app.mfa.pendingSignInUser(pending.pendingId), null);
      const events = await eventsSince(t, mark);
      assert.deepEqual(events.map((e) => [e.type, e.data.userId, e.data.byUserId]), [['mfa:reset', userId, admin!.id]]);
    });

    test('a pending sign-in is single use and expires', async () => {
      const pending = await t.app.mfa.startPendingSignIn(userId);
      assert.equal(await t.app.mfa.finishPendingSignIn(pending.pendingId), true);
      assert.equal(await t.app.mfa.finishPendingSignIn(pending.pendingId), false);
      const late = await t.app.mfa.startPendingSignIn(userId);
      clock.advance(11 * 60);
      assert.equal(await t.app.mfa.pendingSignInUser(late.pendingId), null);
      assert.equal(await t.app.mfa.finishPendingSignIn(late.pendingId), false);
    });
  });

  describe(`MFA: brute force on TOTP codes on ${storage}`, () => {
    const clock = new TestClock();
    let t: TestApp;

    before(async () => {
      t = await createTestApp({ clock, storage });
    });
    after(() => t.close());

    test('20 wrong TOTP codes: refused, then locked out (429) even for the right code, all logged, nothing else changes', async () => {
      const { id: userId } = await t.createUser('mfa-target');
      const started = await t.app.mfa.startTotp(userId);
      await t.app.mfa.confirmTotp(userId, started.factorId, await codeAt(started.secret, clock.ms));
      clock.advance(30);
      const right = await codeAt(started.secret, clock.ms);
      const wrongCodes = Array.from({ length: 20 }, (_, i) => String((Number(right) + 1 + i * 7919) % 1_000_000).padStart(6, '0'));
      // None of them may be valid in the ±1 window.
      const window = await Promise.all([-30_000, 0, 30_000].map((d) => codeAt(started.secret, clock.ms + d)));
      const wrong = wrongCodes.filter((c) => !window.includes(c));

      const before = await mfaRows(t);
      const mark = await lastEventId(t);
      const outcomes: string[] = [];
      for (const code of wrong) {
        try {
          await t.app.mfa.verifyCode(userId, code, { ip: '198.51.100.9' });
          outcomes.push('accepted');
        } catch (error) {
          assert.ok(error instanceof BulwarkError);
          outcomes.push(error.code);
        }
      }
      assert.ok(!outcomes.includes('accepted'));
      assert.equal(outcomes[0], 'OTP_INVALID');
      assert.equal(outcomes.at(-1), 'TOO_MANY_ATTEMPTS');
      const locked = await refusedWith(t.app.mfa.verifyCode(userId, right, { ip: '198.51.100.9' }), 'TOO_MANY_ATTEMPTS');
      assert.equal(locked.kind, 'rate_limited');
      // Locked per account: another address gets no further either.
      await refusedWith(t.app.mfa.verifyCode(userId, right, { ip: '198.51.100.10' }), 'TOO_MANY_ATTEMPTS');

      const events = await eventsSince(t, mark);
      assert.equal(events.length, wrong.length + 2, 'every attempt is logged');
      assert.ok(events.every((e) => e.type === 'mfa:failed' && e.subject === 'user:mfa-target' && e.data.userId === userId));
      assert.ok(events.some((e) => typeof e.data.accountLockedForSeconds === 'number'), 'the failure that locked says so');
      assert.ok(events.some((e) => e.data.reason === 'locked'));
      const after = await mfaRows(t);
      assert.deepEqual({ ...after, events: 0 }, { ...before, events: 0 }, 'nothing but events changed');
      const factor = await t.app.db.selectFrom('mfa_factors').select('totp_last_step').where('id', '=', started.factorId).executeTakeFirstOrThrow();
      assert.notEqual(factor.totp_last_step, Math.floor(clock.ms / 30_000), 'the right code was never taken');
    });
  });
}
