// The web-auth OTP grants on a real database with an injected clock: a request belongs to one
// user, is approved once, yields its grant to one poll, and the grant is used once, by its user,
// within five minutes; requests expire after ten.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('web-auth OTP grants', () => {
  let ms = Date.parse('2026-04-01T08:00:00Z');
  const clock = { now: () => new Date(ms) };
  let t: TestApp;
  let ann: number;
  let ben: number;

  before(async () => {
    t = await createTestApp({ clock });
    ann = (await t.createUser('ann')).id;
    ben = (await t.createUser('ben')).id;
  });
  after(async () => t?.close());

  const refused = (promise: Promise<unknown>) => assert.rejects(promise, { code: 'OTP_REQUEST_UNKNOWN' });

  test('one user, one approval, one poll, one use', async () => {
    const grants = t.app.mfaPolicy.grants;
    const { id, doneSecret } = await grants.start(ann);
    assert.deepEqual(await grants.poll(doneSecret), { state: 'pending' });
    await refused(grants.pending(id, ben));
    await refused(grants.approve(id, ben, { phishingResistant: true, kind: 'passkey' }));
    await grants.approve(id, ann, { phishingResistant: true, kind: 'passkey' });
    await refused(grants.approve(id, ann, { phishingResistant: true, kind: 'passkey' }));
    const polled = await grants.poll(doneSecret);
    assert.equal(polled.state, 'granted');
    const grant = polled.state === 'granted' ? polled.grant : '';
    assert.match(grant, /^bwo_[A-Za-z0-9_-]{43}$/);
    await refused(grants.poll(doneSecret));
    assert.equal(await grants.consume(ben, grant), null, "another user's grant is worthless");
    assert.deepEqual(await grants.consume(ann, grant), { phishingResistant: true });
    assert.equal(await grants.consume(ann, grant), null, 'used once');
    const events = (await t.events()).filter((e) => e.type === 'otp:grant');
    assert.deepEqual(events.map((e) => e.subject), ['user:ann']);
    // Only digests are stored.
    const row = await t.app.db.selectFrom('otp_grants').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(doneSecret) && !JSON.stringify(row).includes(grant.slice(4)));
  });

  test('requests expire after ten minutes, grants five minutes after the poll', async () => {
    const grants = t.app.mfaPolicy.grants;
    const stale = await grants.start(ann);
    ms += 10 * 60_000;
    await refused(grants.poll(stale.doneSecret));
    await refused(grants.approve(stale.id, ann, { phishingResistant: true, kind: 'passkey' }));

    const fresh = await grants.start(ann);
    await grants.approve(fresh.id, ann, { phishingResistant: false, kind: 'totp' });
    const polled = await grants.poll(fresh.doneSecret);
    ms += 5 * 60_000;
    assert.equal(await grants.consume(ann, polled.state === 'granted' ? polled.grant : ''), null);
  });
});
