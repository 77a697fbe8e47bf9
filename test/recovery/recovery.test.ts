// Account recovery end to end, on a real app with a real DNS server (dns2) as its resolver and a
// real SMTP server capturing its mail: the abandoned-domain attack (refused, logged, flagged,
// admins told, nothing else changed), single-use expiring links, no enumeration, recovery
// codes, MFA accounts, administrator recovery with its audit trail, and the periodic check.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { links, startSmtpServer, type CapturedMessage, type SmtpCapture } from '../helpers/smtp-server.js';
import { cookie, csrfOf, FORM, form, type Injected } from '../web/forms.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { LEAKED_PASSWORDS } from '../helpers/pwned-range-server.js';

const START = Date.parse('2026-03-01T12:00:10Z');
const ADMIN_ADDRESS = 'admin@bulwark.invalid';

class TestClock {
  ms = START;
  now = () => new Date(this.ms);
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

const ZONE = {
  'example.test': { mx: [{ exchange: 'mx.example.test', priority: 10 }], ns: ['ns1.example.test'] },
  'mx.example.test': { a: ['192.0.2.25'] },
  'ns1.example.test': { a: ['192.0.2.53'] },
  'nullmx.test': { mx: [{ exchange: '.', priority: 0 }], ns: ['ns1.example.test'] },
  // lapsed.test is absent: NXDOMAIN.
};

let dns: TestDnsServer;
let smtp: SmtpCapture;
let t: TestApp;
const clock = new TestClock();

async function eventsSince(id: number) {
  const rows = await t.app.db.selectFrom('events').selectAll().where('id', '>', id).orderBy('id', 'asc').execute();
  return rows.map((r) => ({ type: r.type, subject: r.subject, actor: r.actor_user_id, data: JSON.parse(r.data) as Record<string, unknown> }));
}

async function lastEventId(): Promise<number> {
  const row = await t.app.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
  return Number(row.id ?? 0);
}

async function count(table: 'recovery_links' | 'account_flags' | 'sessions' | 'mfa_factors'): Promise<number> {
  const row = await t.app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Opens a page with a form and returns its CSRF value and the cookie the form needs. */
async function openForm(url: string, cookies: Record<string, string> = {}): Promise<{ page: Injected; csrf: string; cookies: Record<string, string> }> {
  const page = await t.app.http.inject({ method: 'GET', url, cookies });
  assert.equal(page.statusCode, 200, page.body);
  const set = cookie(page, 'bulwark_recover_csrf');
  return { page, csrf: csrfOf(page.body), cookies: { ...cookies, ...(set ? { bulwark_recover_csrf: set.value } : {}) } };
}

async function requestRecovery(identifier: string, remoteAddress = '198.51.100.7'): Promise<Injected> {
  const { csrf, cookies } = await openForm('/account/recover');
  return t.app.http.inject({ method: 'POST', url: '/account/recover', headers: FORM, cookies, remoteAddress, payload: form({ _csrf: csrf, identifier }) });
}

async function createUser(name: string, email: string, password = `${name}-password-long`) {
  const user = await t.app.accounts.createUser({ name, email, password });
  return { id: user.id, name: user.name, password };
}

function resetPath(mail: CapturedMessage): string {
  const link = links(mail).find((l) => l.includes('/account/recover/reset'));
  assert.ok(link, mail.text);
  const url = new URL(link);
  assert.equal(url.pathname, '/account/recover/reset');
  return `${url.pathname}${url.search}`;
}

/** The next message to `to` whose subject matches (notifications may come in between). */
async function messageFor(to: string, subject: RegExp): Promise<CapturedMessage> {
  for (;;) {
    const message = await smtp.nextMessage({ to });
    if (subject.test(message.subject)) return message;
  }
}

const linkMail = (to: string) => messageFor(to, /^Recover your Bulwark account$/);

/** Posts the reset form of a link (its CSRF pair from the request page: the link may be dead). */
async function submitReset(path: string, fields: Record<string, string>): Promise<Injected> {
  const { csrf, cookies } = await openForm('/account/recover');
  const token = new URL(path, 'http://x').searchParams.get('token') ?? '';
  return t.app.http.inject({ method: 'POST', url: '/account/recover/reset', headers: FORM, cookies, payload: form({ _csrf: csrf, token, ...fields }) });
}

// Each storage pair gets the whole story: SQLite with files, PostgreSQL with S3.
for (const storage of storagePairs) {
  describe(`recovery on ${storage}`, () => {
    before(async () => {
      dns = await startDnsServer(ZONE);
      smtp = await startSmtpServer();
      t = await createTestApp({
        storage,
        clock,
        config: { smtpUrl: smtp.url, dnsServers: dns.address, dnsTimeoutMs: 300, domainCheckIntervalHours: 0 },
      });
    });

    after(async () => {
      await t.close();
      await smtp.close();
      await dns.close();
    });

    describe('account recovery', () => {
      test('attack: recovery to an NXDOMAIN email domain is refused, logged, flagged, told to the admins; nothing else changes', async () => {
        const victim = await createUser('victim', 'victim@lapsed.test');
        const session = await t.app.accounts.createSession(victim.id);
        const token = await t.tokenFor('victim');
        const rowsBefore = await t.rowCounts();
        const since = await lastEventId();

        const response = await requestRecovery('victim');
        assert.equal(response.statusCode, 200);
        assert.match(response.body, /Check your email/);
        await t.app.recovery.settled();

        const adminMail = await messageFor(ADMIN_ADDRESS, /victim flagged/);
        assert.match(adminMail.text, /victim@lapsed\.test/);
        assert.match(adminMail.text, /does not exist any more \(NXDOMAIN\)/);
        // Nothing about recovery reaches the lapsed domain, from recovery or from the notifications.
        await t.app.processPendingNotifications();
        const toLapsed = smtp.received.filter((m) => m.to.includes('victim@lapsed.test'));
        assert.deepEqual(toLapsed.filter((m) => /recover/i.test(m.subject + m.text)).map((m) => m.subject), []);

        const events = await eventsSince(since);
        assert.deepEqual(events.map((e) => e.type), ['recovery:request', 'recovery:refused', 'user:flag']);
        for (const event of events) {
          assert.equal(event.subject, 'user:victim');
          assert.equal(event.data.userId, victim.id);
        }
        assert.deepEqual(events[0]!.data, { userId: victim.id, sent: 0, refused: 1 });
        assert.equal(events[1]!.data.code, 'RECOVERY_EMAIL_DOMAIN_ABANDONED');
        assert.equal(events[1]!.data.domain, 'lapsed.test');
        assert.equal(events[1]!.data.reason, 'nxdomain');
        assert.equal(events[2]!.data.reason, 'email-domain-abandoned');
        assert.equal(events[2]!.data.source, 'recovery');
        assert.deepEqual(
          (await t.app.recovery.openFlags(victim.id)).map((f) => [f.reason, f.subject]),
          [['email-domain-abandoned', 'lapsed.test']],
        );

        // Nothing else changed: password, session, token, rows (but the three events).
        assert.ok(await t.app.accounts.verifyCredentials('victim', victim.password));
        assert.equal((await t.app.accounts.userForSession(session.sessionId))?.id, victim.id);
        const whoami = await t.app.http.inject({ method: 'GET', url: '/-/whoami', headers: { authorization: `Bearer ${token}` } });
        assert.equal(whoami.statusCode, 200);
        assert.equal(await count('recovery_links'), 0);
        const rowsAfter = await t.rowCounts();
        // verifyCredentials above succeeded, so it wrote no event; the difference is the three recovery events.
        assert.deepEqual({ ...rowsAfter, events: rowsAfter.events! - 3 }, rowsBefore);

        // A second attempt is refused again and told again, but the flag is not doubled.
        await requestRecovery('victim@LAPSED.test');
        await t.app.recovery.settled();
        await messageFor(ADMIN_ADDRESS, /victim flagged/);
        assert.equal((await t.app.recovery.openFlags(victim.id)).length, 1);
      });

      test('a null MX is no mail route either', async () => {
        await createUser('nullmx-user', 'someone@nullmx.test');
        const since = await lastEventId();
        await requestRecovery('nullmx-user');
        await t.app.recovery.settled();
        await messageFor(ADMIN_ADDRESS, /nullmx-user flagged/);
        const refused = (await eventsSince(since)).find((e) => e.type === 'recovery:refused');
        assert.equal(refused?.data.reason, 'null-mx');
      });

      test('unknown and known names get byte-identical answers', async () => {
        await createUser('alice', 'alice@example.test');
        const { csrf, cookies } = await openForm('/account/recover');
        const post = (identifier: string) =>
          t.app.http.inject({ method: 'POST', url: '/account/recover', headers: FORM, cookies, remoteAddress: '198.51.100.8', payload: form({ _csrf: csrf, identifier }) });
        await t.app.accounts.createUser({ name: 'unproven', email: 'unproven@example.test', password: 'unproven-password', emailVerified: false });
        const known = await post('alice');
        const unknown = await post('nobody-at-all');
        const unverified = await post('unproven');
        const knownEmail = await post('alice@example.test');
        const unknownEmail = await post('nobody@example.test');
        for (const response of [unknown, unverified, knownEmail, unknownEmail]) {
          assert.equal(response.statusCode, known.statusCode);
          assert.equal(response.body, known.body);
          assert.deepEqual(response.cookies, known.cookies);
        }
        await t.app.recovery.settled();
        // Only the known account got mail (two requests: the newest link replaced the first).
        await linkMail('alice@example.test');
        await linkMail('alice@example.test');
        assert.equal(smtp.pending().filter((m) => m.to.includes('nobody@example.test')).length, 0);
        assert.equal(smtp.received.filter((m) => m.to.includes('unproven@example.test')).length, 0, 'an unverified address never gets a link');
        assert.equal(await t.app.db.selectFrom('recovery_links').select('id_hash').where('used_at', 'is', null).execute().then((r) => r.length), 1);
      });

      test('requests at the same moment leave one set of links, not one per request', async () => {
        const dora = await createUser('dora', 'dora@example.test');
        const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => requestRecovery(i % 2 ? 'dora' : 'dora@example.test', `198.51.100.${40 + i}`)));
        for (const answer of answers) assert.equal(answer.statusCode, answers[0]!.statusCode);
        await t.app.recovery.settled();
        const unused = await t.app.db.selectFrom('recovery_links').select('id_hash').where('user_id', '=', dora.id).where('used_at', 'is', null).execute();
        assert.equal(unused.length, 1);
      });

      test('requests are rate limited per typed name alike for real and unknown accounts', async () => {
        const until429 = async (identifier: string) => {
          const { csrf, cookies } = await openForm('/account/recover');
          for (let i = 1; i <= 20; i++) {
            const response = await t.app.http.inject({
              method: 'POST',
              url: '/account/recover',
              headers: FORM,
              cookies,
              remoteAddress: `203.0.113.${identifier.length}`,
              payload: form({ _csrf: csrf, identifier }),
            });
            if (response.statusCode === 429) return { allowed: i - 1, response };
            assert.equal(response.statusCode, 200);
          }
          assert.fail('never limited');
        };
        await createUser('limited', 'limited@example.test');
        const known = await until429('limited');
        const unknown = await until429('limitless');
        assert.equal(known.allowed, unknown.allowed);
        assert.ok(known.allowed >= 3 && known.allowed <= 10, String(known.allowed));
        assert.equal(known.response.body, unknown.response.body);
        assert.match(known.response.body, /Too many/);
        await t.app.recovery.settled();
        for (let i = 0; i < known.allowed; i++) await linkMail('limited@example.test');
      });

      test('a recovery link works once, ends every session, and is refused after that', async () => {
        const bob = await createUser('bob', 'bob@example.test');
        const session = await t.app.accounts.createSession(bob.id);
        await requestRecovery('bob');
        await t.app.recovery.settled();
        const mail = await linkMail('bob@example.test');
        const path = resetPath(mail);

        // Opening the link (a mail scanner, say) spends nothing.
        const shown = await t.app.http.inject({ method: 'GET', url: path });
        assert.equal(shown.statusCode, 200);
        assert.equal(shown.headers['referrer-policy'], 'no-referrer');
        assert.match(shown.body, /For the account <strong>bob<\/strong>/);
        assert.doesNotMatch(shown.body, /name="code"/);

        const since = await lastEventId();
        const done = await submitReset(path, { password: 'bob-new-password-2026', confirm: 'bob-new-password-2026' });
        assert.equal(done.statusCode, 200, done.body);
        assert.match(done.body, /Password changed/);
        assert.equal(await t.app.accounts.userForSession(session.sessionId), null, 'sessions ended');
        assert.equal(await t.app.accounts.verifyCredentials('bob', bob.password), null);
        assert.ok(await t.app.accounts.verifyCredentials('bob', 'bob-new-password-2026'));
        const events = await eventsSince(since);
        const complete = events.find((e) => e.type === 'recovery:complete');
        assert.deepEqual(complete?.data, { userId: bob.id, method: 'email', secondFactor: null });
        // The owner is told by the notifications (recovery:complete, user:password-change).
        await t.app.processPendingNotifications();
        await messageFor('bob@example.test', /^Your Bulwark password was changed$/);
        await messageFor('bob@example.test', /^Your Bulwark account was recovered$/);

        const again = await submitReset(path, { password: 'bob-third-password-1', confirm: 'bob-third-password-1' });
        assert.equal(again.statusCode, 400);
        assert.match(again.body, /already used/);
      });

      test('a recovery link expires after 30 minutes; a refused new password spends nothing', async () => {
        const carol = await createUser('carol', 'carol@example.test');
        await requestRecovery('carol');
        await t.app.recovery.settled();
        const path = resetPath(await linkMail('carol@example.test'));

        const short = await submitReset(path, { password: 'short', confirm: 'short' });
        assert.equal(short.statusCode, 400);
        assert.match(short.body, /at least 12 characters/);
        const leaked = await submitReset(path, { password: LEAKED_PASSWORDS[0], confirm: LEAKED_PASSWORDS[0] });
        assert.equal(leaked.statusCode, 400);
        assert.match(leaked.body, /PASSWORD_LEAKED|leak|breach/i);
        assert.equal((await t.app.http.inject({ method: 'GET', url: path })).statusCode, 200, 'the link still works');

        clock.advance(31 * 60);
        try {
          const expired = await t.app.http.inject({ method: 'GET', url: path });
          assert.equal(expired.statusCode, 400);
          assert.match(expired.body, /expired/);
          const late = await submitReset(path, { password: 'carol-new-password', confirm: 'carol-new-password' });
          assert.equal(late.statusCode, 400);
          assert.match(late.body, /expired/);
          assert.ok(await t.app.accounts.verifyCredentials('carol', carol.password), 'password unchanged');
        } finally {
          clock.advance(-31 * 60);
        }
      });
    });

    describe('MFA accounts', () => {
      let dave: { id: number; name: string; password: string };
      let secret: string;
      let codes: string[];

      before(async () => {
        dave = await createUser('dave', 'dave@example.test');
        const started = await t.app.mfa.startTotp(dave.id);
        secret = started.secret;
        const confirmed = await t.app.mfa.confirmTotp(dave.id, started.factorId, await generate({ secret, epoch: Math.floor(clock.ms / 1000) }));
        codes = confirmed.recoveryCodes ?? (await t.app.mfa.regenerateRecoveryCodes(dave.id));
        assert.ok(codes.length > 0);
      });

      test('an email link alone does not recover an account with MFA', async () => {
        await requestRecovery('dave');
        await t.app.recovery.settled();
        const mail = await linkMail('dave@example.test');
        assert.match(mail.text, /recovery codes/);
        const path = resetPath(mail);
        const shown = await t.app.http.inject({ method: 'GET', url: path });
        assert.match(shown.body, /name="code"/);

        const without = await submitReset(path, { password: 'dave-new-password-1', confirm: 'dave-new-password-1' });
        assert.equal(without.statusCode, 401);
        assert.match(without.body, /two-factor authentication/);
        const wrong = await submitReset(path, { password: 'dave-new-password-1', confirm: 'dave-new-password-1', code: 'aaaa-bbbb-cccc' });
        assert.equal(wrong.statusCode, 401);
        assert.ok(await t.app.accounts.verifyCredentials('dave', dave.password), 'unchanged so far');

        clock.advance(30);
        const totp = await generate({ secret, epoch: Math.floor(clock.ms / 1000) });
        const done = await submitReset(path, { password: 'dave-new-password-1', confirm: 'dave-new-password-1', code: totp });
        assert.equal(done.statusCode, 200, done.body);
        assert.ok(await t.app.accounts.verifyCredentials('dave', 'dave-new-password-1'));
        assert.equal((await t.app.mfa.status(dave.id)).enabled, true, 'MFA stays');
        dave.password = 'dave-new-password-1';
      });

      test('recovery with a recovery code works once; unknown names and TOTP codes get the same answer', async () => {
        const code = codes[0]!;
        const post = async (name: string, recoveryCode: string, password = 'dave-password-by-code') => {
          const { csrf, cookies } = await openForm('/account/recover/code');
          return t.app.http.inject({
            method: 'POST',
            url: '/account/recover/code',
            headers: FORM,
            cookies,
            remoteAddress: '198.51.100.9',
            payload: form({ _csrf: csrf, name, code: recoveryCode, password, confirm: password }),
          });
        };
        const since = await lastEventId();
        const done = await post('dave', code);
        assert.equal(done.statusCode, 200, done.body);
        assert.ok(await t.app.accounts.verifyCredentials('dave', 'dave-password-by-code'));
        const complete = (await eventsSince(since)).find((e) => e.type === 'recovery:complete');
        assert.equal(complete?.data.method, 'recovery-code');

        const beforeRefusals = await lastEventId();
        const reused = await post('dave', code, 'dave-password-again-1');
        const unknown = await post('nobody-here', codes[1]!, 'dave-password-again-1');
        const totp = await post('dave', await generate({ secret, epoch: Math.floor(clock.ms / 1000) }), 'dave-password-again-1');
        const noMfa = await post('alice', 'aaaa-bbbb-cccc', 'dave-password-again-1');
        for (const refused of [reused, unknown, totp, noMfa]) {
          assert.equal(refused.statusCode, 401);
          assert.match(refused.body, /do not match an unused recovery code/);
        }
        assert.ok(await t.app.accounts.verifyCredentials('dave', 'dave-password-by-code'), 'unchanged by the refusals');
        const refusals = (await eventsSince(beforeRefusals)).filter((e) => e.type === 'recovery:refused');
        assert.deepEqual(
          refusals.map((e) => [e.subject, e.data.userId, e.data.code]),
          [
            ['user:dave', dave.id, 'RECOVERY_CODE_INVALID'],
            ['user:nobody-here', null, 'RECOVERY_CODE_INVALID'],
            ['user:dave', dave.id, 'RECOVERY_CODE_INVALID'],
            ['user:alice', (await t.app.accounts.getUserByName('alice'))!.id, 'RECOVERY_CODE_INVALID'],
          ],
        );
      });
    });

    describe('administrator recovery', () => {
      test('resets password, sessions and MFA, resolves flags, and writes the audit trail', async () => {
        const erin = await createUser('erin', 'erin@example.test');
        const started = await t.app.mfa.startTotp(erin.id);
        await t.app.mfa.confirmTotp(erin.id, started.factorId, await generate({ secret: started.secret, epoch: Math.floor(clock.ms / 1000) }));
        const session = await t.app.accounts.createSession(erin.id);
        const token = await t.tokenFor('erin');
        const since = await lastEventId();

        await assert.rejects(t.app.recovery.adminRecover({ name: 'erin', by: 'admin', reason: '  ' }), (e: unknown) => e instanceof BulwarkError && e.code === 'RECOVERY_REASON_REQUIRED');
        await assert.rejects(t.app.recovery.adminRecover({ name: 'erin', by: 'alice', reason: 'x' }), (e: unknown) => e instanceof BulwarkError && e.code === 'RECOVERY_ADMIN_REQUIRED');
        assert.equal((await eventsSince(since)).length, 0, 'refusals change nothing');

        const result = await t.app.recovery.adminRecover({ name: 'erin', by: 'admin', reason: 'ticket 4711: identity checked by video call', osUser: 'operator' });
        assert.deepEqual(result.reset, ['password', 'sessions', 'mfa (1 factor)']);
        assert.equal(await t.app.accounts.userForSession(session.sessionId), null);
        const signedIn = await t.app.accounts.verifyCredentials('erin', result.oneTimePassword);
        assert.equal(signedIn?.mustChangePassword, true);
        assert.equal(await t.app.accounts.verifyCredentials('erin', erin.password), null);
        assert.equal((await t.app.mfa.status(erin.id)).enabled, false);
        const whoami = await t.app.http.inject({ method: 'GET', url: '/-/whoami', headers: { authorization: `Bearer ${token}` } });
        assert.equal(whoami.statusCode, 200, 'tokens kept without --revoke-tokens');

        const events = await eventsSince(since);
        const audit = events.find((e) => e.type === 'recovery:admin');
        const admin = await t.app.accounts.getUserByName('admin');
        assert.equal(audit?.actor, admin!.id);
        assert.equal(audit?.subject, 'user:erin');
        assert.deepEqual(audit?.data, {
          userId: erin.id,
          byUserId: admin!.id,
          by: 'admin',
          reason: 'ticket 4711: identity checked by video call',
          via: 'cli',
          osUser: 'operator',
          reset: ['password', 'sessions', 'mfa (1 factor)'],
          flagsResolved: 0,
        });
        assert.ok(events.some((e) => e.type === 'mfa:reset'));
        const toAdmin = await messageFor(ADMIN_ADDRESS, /erin recovered by admin/);
        assert.match(toAdmin.text, /Reset: password, sessions, mfa \(1 factor\)/);
        await t.app.processPendingNotifications();
        await messageFor('erin@example.test', /^An administrator recovered your Bulwark account$/);
        assert.ok(!smtp.received.some((m) => m.text.includes(result.oneTimePassword)), 'the one-time password is never mailed');
      });

      test('the administrators\' page lists flags and recovers after the administrator\'s password', async () => {
        await createUser('heidi', 'heidi@example.test');
        const admin = await t.app.accounts.getUserByName('admin');
        const { sessionId } = await t.app.accounts.createSession(admin!.id);
        const cookies = { bulwark_session: sessionId };
        const page = await t.app.http.inject({ method: 'GET', url: '/admin/account-recovery', cookies });
        assert.equal(page.statusCode, 200);
        assert.match(page.body, /<tr data-user="victim">/, 'the flagged account is listed');
        const csrf = csrfOf(page.body);
        const post = (fields: Record<string, string>) =>
          t.app.http.inject({ method: 'POST', url: '/admin/account-recovery', headers: FORM, cookies, payload: form({ _csrf: csrf, name: 'heidi', ...fields }) });

        const since = await lastEventId();
        const wrong = await post({ reason: 'asked by phone', password: 'not-the-admin-password' });
        assert.equal(wrong.statusCode, 401);
        assert.equal((await eventsSince(since)).filter((e) => e.type === 'recovery:admin').length, 0);
        assert.ok(await t.app.accounts.verifyCredentials('heidi', 'heidi-password-long'), 'unchanged');

        const done = await post({ reason: 'ticket 42: identity checked in person', password: ADMIN_PASSWORD, keepMfa: 'on' });
        assert.equal(done.statusCode, 200, done.body);
        const otp = /<code id="one-time-password">([^<]+)<\/code>/.exec(done.body)?.[1];
        assert.ok(otp);
        assert.equal(done.headers['cache-control'], 'no-store');
        assert.equal((await t.app.accounts.verifyCredentials('heidi', otp))?.mustChangePassword, true);
        const audit = (await eventsSince(since)).find((e) => e.type === 'recovery:admin');
        assert.equal(audit?.data.via, 'web');
        assert.equal(audit?.data.reason, 'ticket 42: identity checked in person');
        await messageFor(ADMIN_ADDRESS, /heidi recovered by admin/);

        const stranger = await createUser('ivan', 'ivan@example.test');
        const session = await t.app.accounts.createSession(stranger.id);
        const refused = await t.app.http.inject({ method: 'GET', url: '/admin/account-recovery', cookies: { bulwark_session: session.sessionId } });
        assert.equal(refused.statusCode, 403);
      });

      test('--revoke-tokens revokes every token; recovery resolves open flags', async () => {
        const victim = await t.app.accounts.getUserByName('victim');
        const token = await t.tokenFor('victim');
        const result = await t.app.recovery.adminRecover({ name: 'victim', by: 'admin', reason: 'owner proved identity; lapsed domain', revokeTokens: true, keepMfa: true });
        assert.deepEqual(result.reset, ['password', 'sessions', 'tokens (2)']);
        const whoami = await t.app.http.inject({ method: 'GET', url: '/-/whoami', headers: { authorization: `Bearer ${token}` } });
        assert.equal(whoami.statusCode, 401);
        assert.deepEqual(await t.app.recovery.openFlags(victim!.id), []);
        await messageFor(ADMIN_ADDRESS, /victim recovered by admin/);
      });
    });

    describe('periodic domain check', () => {
      test('flags accounts on abandoned domains once, tells the admins once, and leaves the rest alone', async () => {
        const frank = await createUser('frank', 'frank@gone-away.test');
        const since = await lastEventId();
        const report = await t.app.recovery.checkEmailDomains();
        assert.ok(report.abandoned.some((a) => a.user === 'frank' && a.reason === 'nxdomain' && a.newlyFlagged));
        assert.ok(!report.abandoned.some((a) => a.user === 'alice'));
        const flagged = (await eventsSince(since)).filter((e) => e.type === 'user:flag');
        assert.ok(flagged.some((e) => e.data.userId === frank.id && e.data.source === 'job'));
        const mail = await messageFor(ADMIN_ADDRESS, /frank flagged/);
        assert.match(mail.text, /periodic check/);
        const cached = await t.app.db.selectFrom('email_domain_checks').selectAll().where('domain', '=', 'example.test').executeTakeFirst();
        assert.equal(cached?.status, 'ok');

        // The second run finds the same, but flags and mails nothing new.
        const mailsBefore = smtp.received.length;
        const again = await t.app.recovery.checkEmailDomains();
        assert.ok(again.abandoned.some((a) => a.user === 'frank' && !a.newlyFlagged));
        assert.equal((await eventsSince(since)).filter((e) => e.type === 'user:flag' && e.data.userId === frank.id).length, 1);
        assert.equal(smtp.received.length, mailsBefore);
        assert.ok(await t.app.accounts.verifyCredentials('frank', frank.password), 'the check changes no password');
      });
    });
  });
}
