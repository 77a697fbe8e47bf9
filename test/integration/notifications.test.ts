// Security notifications through the outbox, over real SMTP: each critical change this registry
// can make today mails the affected people (password change, address change, new token, new
// device, owner added/removed, trusted publisher added), the outbox sends each event once, and
// unverified addresses get nothing. The security log page shows the same events, escaped, to
// their user only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp-server.js';
import { signIn } from '../helpers/sign-up.js';
import { npmPublish } from '../helpers/tarball.js';
import { appendEvent } from '../../src/events/index.js';
import type { UserActor } from '../../src/auth/index.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

function actor(id: number, name: string): UserActor {
  return { kind: 'user', userId: id, name, isAdmin: false, via: 'session', tokenId: null, readonly: false, scope: null, emailVerified: true };
}

for (const storage of storagePairs) describe(`security notifications on ${storage}`, () => {
  let smtp: SmtpCapture;
  let t: TestApp;
  let alice: { id: number; name: string; token: string };
  let bob: { id: number; name: string; token: string };

  /** Mails received for `to` with this subject so far. */
  const received = (to: string, subject: string | RegExp) =>
    smtp.received.filter((m) => m.to.includes(to) && (typeof subject === 'string' ? m.subject === subject : subject.test(m.subject)));

  before(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ storage, config: { smtpUrl: smtp.url } });
    alice = await t.createUser('alice');
    bob = await t.createUser('bob');
    await t.app.processPendingNotifications();
  });
  after(async () => {
    await t?.close();
    await smtp?.close();
  });

  test('password change', async () => {
    await t.app.accounts.changePassword(alice.id, 'alice-new-password-long');
    await t.app.processPendingNotifications();
    const mail = await smtp.nextMessage({ to: 'alice@example.test', subject: 'Your Bulwark password was changed' });
    assert.match(mail.text, /password of your account was changed/);
    assert.match(mail.text, new RegExp(`${t.url}/account/security`));
    assert.equal(received('bob@example.test', /password/).length, 0);
    // Sent once: a second pass finds nothing new.
    assert.equal(await t.app.processPendingNotifications(), 0);
    assert.equal(received('alice@example.test', 'Your Bulwark password was changed').length, 1);
    const events = await t.events();
    assert.ok(events.some((e) => e.type === 'user:password-change' && e.subject === 'user:alice'));
  });

  test('new API token', async () => {
    await t.app.tokens.create({ userId: bob.id, name: 'ci' });
    await t.app.processPendingNotifications();
    const mail = await smtp.nextMessage({ to: 'bob@example.test', subject: 'A new API token was created for your Bulwark account' });
    assert.match(mail.text, /read-write API token/);
  });

  test('sign-in from a new device (the first device is not news)', async () => {
    const carol = await t.createUser('carol');
    await t.app.processPendingNotifications();
    await smtp.nextMessage({ to: 'carol@example.test', subject: /API token/ });
    await signIn(t.app, 'carol', 'carol-password-long', { 'user-agent': CHROME });
    await signIn(t.app, 'carol', 'carol-password-long', { 'user-agent': CHROME });
    await t.app.processPendingNotifications();
    assert.equal(received('carol@example.test', 'New sign-in to your Bulwark account').length, 0);
    await signIn(t.app, 'carol', 'carol-password-long', { 'user-agent': FIREFOX });
    await t.app.processPendingNotifications();
    const mail = await smtp.nextMessage({ to: 'carol@example.test', subject: 'New sign-in to your Bulwark account' });
    assert.match(mail.text, /Firefox on Windows, 127\.0\.0\.0\/24/);
    await signIn(t.app, 'carol', 'carol-password-long', { 'user-agent': FIREFOX });
    await t.app.processPendingNotifications();
    assert.equal(received('carol@example.test', 'New sign-in to your Bulwark account').length, 1);
    const events = (await t.events()).filter((e) => e.type === 'session:new-device');
    assert.deepEqual(events.map((e) => e.subject), ['user:carol']);
    assert.equal(carol.name, 'carol');
  });

  test('a CLI login token from a new device is notified too', async () => {
    const fred = await t.createUser('fred');
    await signIn(t.app, 'fred', 'fred-password-long', { 'user-agent': CHROME });
    const login = await fetch(`${t.url}/-/user/org.couchdb.user:fred`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'user-agent': 'npm/10.9.2 node/v20.20.2 linux x64 workspaces/false' },
      body: JSON.stringify({ name: 'fred', password: 'fred-password-long' }),
    });
    assert.equal(login.status, 201);
    await t.app.processPendingNotifications();
    const mail = await smtp.nextMessage({ to: 'fred@example.test', subject: 'New sign-in to your Bulwark account' });
    assert.match(mail.text, /npm on Linux, 127\.0\.0\.0\/24 \(a command-line login token\)/);
    assert.equal(fred.name, 'fred');
  });

  test('owner added and removed: the package owners and the user concerned are told', async () => {
    const { body } = await npmPublish({ name: 'notify-demo', version: '1.0.0' });
    const published = await fetch(`${t.url}/notify-demo`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(published.status, 201);
    const npm = t.app.ecosystems.find((e) => e.id === 'npm')!;
    await t.app.registry.setOwners(npm.rules, 'notify-demo', ['alice', 'bob'], actor(alice.id, 'alice'));
    await t.app.processPendingNotifications();
    for (const to of ['alice@example.test', 'bob@example.test']) {
      const mail = await smtp.nextMessage({ to, subject: 'Owner added to notify-demo (npm)' });
      assert.match(mail.text, /bob was added as an owner of notify-demo \(npm\)/);
      assert.match(mail.text, /By: alice/);
    }
    await t.app.registry.setOwners(npm.rules, 'notify-demo', ['alice'], actor(alice.id, 'alice'));
    await t.app.processPendingNotifications();
    await smtp.nextMessage({ to: 'alice@example.test', subject: 'Owner removed from notify-demo (npm)' });
    await smtp.nextMessage({ to: 'bob@example.test', subject: 'Owner removed from notify-demo (npm)' });
  });

  test('trusted publisher added: the package owners are told', async () => {
    const head = await t.app.db.selectFrom('packages').select(['id']).where('name', '=', 'notify-demo').executeTakeFirstOrThrow();
    await t.app.trust.addPublisher(
      { package: { id: head.id, ecosystem: 'npm', name: 'notify-demo', access: 'public', ownerIds: [alice.id] }, provider: 'github', claims: { repository: 'octo-org/octo-repo', workflow: 'release.yml' } },
      actor(alice.id, 'alice'),
    );
    await t.app.processPendingNotifications();
    const mail = await smtp.nextMessage({ to: 'alice@example.test', subject: 'Trusted publisher added to notify-demo (npm)' });
    assert.match(mail.text, /octo-org\/octo-repo/);
    assert.equal(received('bob@example.test', /Trusted publisher/).length, 0, 'bob is no longer an owner');
  });

  test('address change: the old address is told', async () => {
    const dora = await t.createUser('dora');
    await t.app.emailVerification.requestEmailChange(dora.id, 'dora@new.example');
    const link = (await smtp.nextMessage({ to: 'dora@new.example' })).text.match(/https?:\/\/\S+verify-email\?token=\S+/)![0];
    await t.app.emailVerification.confirmLink(new URL(link).searchParams.get('token')!);
    await t.app.processPendingNotifications();
    const mail = await smtp.nextMessage({ to: 'dora@example.test', subject: 'The email address of your Bulwark account was changed' });
    assert.match(mail.text, /from dora@example\.test to dora@new\.example/);
  });

  test('unverified addresses get no notifications', async () => {
    const eve = await t.app.accounts.createUser({ name: 'eve', email: 'eve@example.test', password: 'eve-password-long', emailVerified: false });
    await t.app.accounts.changePassword(eve.id, 'eve-new-password-long');
    await t.app.processPendingNotifications();
    assert.equal(received('eve@example.test', /password/).length, 0);
  });

  test('events of the other parts (MFA) are mailed once written', async () => {
    await appendEvent(t.app.db, t.app.clock, { type: 'mfa:add', actor: { userId: bob.id }, subject: 'user:bob', data: { userId: bob.id, kind: 'totp', label: 'phone', phishingResistant: false } });
    await t.app.processPendingNotifications();
    const mail = await smtp.nextMessage({ to: 'bob@example.test', subject: 'A two-factor method was added to your Bulwark account' });
    assert.match(mail.text, /totp "phone"/);
  });

  test('the security log shows the user their events, escaped, and no one else’s', async () => {
    await appendEvent(t.app.db, t.app.clock, { type: 'mfa:add', actor: { userId: alice.id }, subject: 'user:alice', data: { userId: alice.id, kind: 'security-key', label: '<script>alert(1)</script>' } });
    const session = await signIn(t.app, 'alice', 'alice-new-password-long');
    const page = await t.app.http.inject({ method: 'GET', url: '/account/security', headers: { cookie: `bulwark_session=${session}` } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Password changed/);
    assert.match(page.body, /Two-factor method added/);
    assert.match(page.body, /Package owner added/);
    assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.doesNotMatch(page.body, /totp/, 'bob’s MFA event is not in alice’s log');
    const order = [...page.body.matchAll(/<tr data-type="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(order[0], 'session:create', 'newest first');
    const anonymous = await t.app.http.inject({ method: 'GET', url: '/account/security' });
    assert.equal(anonymous.statusCode, 303);
    assert.match(String(anonymous.headers.location), /^\/account\/login/);
  });

  test('the security log pages by event id', async () => {
    for (let i = 0; i < 55; i++) await appendEvent(t.app.db, t.app.clock, { type: 'user:login-failed', actor: { userId: null }, subject: 'user:bob' });
    const session = await signIn(t.app, 'bob', 'bob-password-long');
    const first = await t.app.http.inject({ method: 'GET', url: '/account/security', headers: { cookie: `bulwark_session=${session}` } });
    assert.equal([...first.body.matchAll(/<tr data-type=/g)].length, 50);
    const older = /href="\/account\/security\?before=(\d+)"/.exec(first.body);
    assert.ok(older);
    const second = await t.app.http.inject({ method: 'GET', url: `/account/security?before=${older[1]}`, headers: { cookie: `bulwark_session=${session}` } });
    assert.ok([...second.body.matchAll(/<tr data-type=/g)].length > 0);
    assert.match(second.body, /API token created/);
  });
});
