// Sign-up and address verification over real SMTP: the link is read from the mail a real SMTP
// server received. Covers single use, expiry (injected clock), the unchanged answer for an
// address already registered, resending, the address change, and what an unverified account may
// not do (publish, create tokens), proving refusals changed nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import { startSmtpServer, links, type SmtpCapture } from '../helpers/smtp-server.js';
import { confirmLink, localPath, postRegistration, signIn, signUp, verifyLinkOf } from '../helpers/sign-up.js';
import { csrfOf, form, FORM } from '../web/forms.js';
import { npmPublish } from '../helpers/tarball.js';
import { createMailer } from '../../src/platform/mail/index.js';
import type { Clock } from '../../src/platform/clock.js';

class TestClock implements Clock {
  constructor(private at: number) {}
  now() {
    return new Date(this.at);
  }
  advance(ms: number) {
    this.at += ms;
  }
}

for (const storage of storagePairs) describe(`sign-up and email verification on ${storage}`, () => {
  let smtp: SmtpCapture;
  let t: TestApp;
  const clock = new TestClock(Date.now());

  before(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ storage, config: { smtpUrl: smtp.url, mailFrom: 'Bulwark <registry@example.test>' }, clock });
  });
  after(async () => {
    await t?.close();
    await smtp?.close();
  });

  test('register → mail over SMTP → link → verified; the link works once', async () => {
    const response = await postRegistration(t.app, { name: 'nora', email: 'nora@example.test', password: 'nora-password-long' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /Check your inbox/);
    const mail = await smtp.nextMessage({ to: 'nora@example.test' });
    assert.equal(mail.subject, 'Verify your email address for Bulwark');
    assert.match(mail.raw.toString(), /^From: Bulwark <registry@example\.test>/m);
    const link = verifyLinkOf(mail);
    assert.ok(link.startsWith(`${t.url}/account/verify-email?token=`));

    const user = await t.app.accounts.getUserByName('nora');
    assert.equal(user?.emailVerified, false);
    // The link's secret is not stored, only its digest.
    const token = new URL(link).searchParams.get('token')!;
    const stored = await t.app.db.selectFrom('email_tokens').selectAll().execute();
    assert.ok(stored.every((row) => row.id_hash !== token && !JSON.stringify(row).includes(token)));

    // Opening the link (as a mail scanner would) uses nothing.
    const page = await t.app.http.inject({ method: 'GET', url: localPath(link) });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Confirm nora@example\.test/);
    assert.equal((await t.app.accounts.getUserByName('nora'))?.emailVerified, false);

    const confirmed = await confirmLink(t.app, link);
    assert.equal(confirmed.statusCode, 200);
    assert.match(confirmed.body, /Email address verified/);
    assert.equal(await t.app.accounts.isEmailVerified(user!.id), true);
    const events = await t.events();
    assert.ok(events.some((e) => e.type === 'user:email-verify' && e.subject === 'user:nora'));

    const before = await t.rowCounts();
    const again = await confirmLink(t.app, link);
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /EMAIL_LINK_USED/);
    const direct = await t.app.http.inject({ method: 'POST', url: '/account/verify-email', headers: FORM, payload: form({ token }) });
    assert.equal(direct.statusCode, 400);
    assert.match(direct.body, /already used/);
    const bogus = await t.app.http.inject({ method: 'GET', url: '/account/verify-email?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(bogus.statusCode, 400);
    assert.match(bogus.body, /EMAIL_LINK_INVALID/);
    assert.deepEqual(await t.rowCounts(), before);
  });

  test('an expired link is refused, a resent one works', async () => {
    await postRegistration(t.app, { name: 'olaf', email: 'olaf@example.test', password: 'olaf-password-long' });
    const first = verifyLinkOf(await smtp.nextMessage({ to: 'olaf@example.test' }));
    clock.advance(24 * 60 * 60 * 1000 + 1000);
    const expired = await confirmLink(t.app, first);
    assert.equal(expired.statusCode, 400);
    assert.match(expired.body, /EMAIL_LINK_EXPIRED/);
    assert.equal((await t.app.accounts.getUserByName('olaf'))?.emailVerified, false);

    // Signed in (allowed before verifying), the user asks for a new link.
    const session = await signIn(t.app, 'olaf', 'olaf-password-long');
    const page = await t.app.http.inject({ method: 'GET', url: '/account/email', headers: { cookie: `bulwark_session=${session}` } });
    assert.match(page.body, /not verified/);
    const resend = () =>
      t.app.http.inject({ method: 'POST', url: '/account/email/resend', headers: { ...FORM, cookie: `bulwark_session=${session}` }, payload: form({ _csrf: csrfOf(page.body) }) });
    assert.equal((await resend()).statusCode, 200);
    const second = verifyLinkOf(await smtp.nextMessage({ to: 'olaf@example.test' }));
    assert.notEqual(second, first);
    const tooSoon = await resend();
    assert.equal(tooSoon.statusCode, 429);
    const confirmed = await confirmLink(t.app, second, session);
    assert.equal(confirmed.statusCode, 200);
    assert.equal((await t.app.accounts.getUserByName('olaf'))?.emailVerified, true);
  });

  test('an address already registered gets the same answer; its owner is mailed, nothing is created', async () => {
    await t.app.accounts.createUser({ name: 'pia', email: 'pia@example.test', password: 'pia-password-long' });
    const before = await t.rowCounts();
    const fresh = await postRegistration(t.app, { name: 'pia2', email: 'pia-new@example.test', password: 'pia-password-long' });
    await smtp.nextMessage({ to: 'pia-new@example.test' });
    const taken = await postRegistration(t.app, { name: 'pia3', email: 'PIA@example.test', password: 'pia-password-long' });
    assert.equal(taken.statusCode, fresh.statusCode);
    const strip = (body: string) => body.replace(/pia-new@example\.test|PIA@example\.test/g, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, '');
    assert.equal(strip(taken.body), strip(fresh.body));
    const warning = await smtp.nextMessage({ to: 'pia@example.test' });
    assert.equal(warning.subject, 'Someone tried to register with your email address');
    assert.deepEqual(links(warning).filter((l) => l.includes('verify-email')), []);
    assert.equal(await t.app.accounts.getUserByName('pia3'), null);
    const after = await t.rowCounts();
    assert.equal(after.users, before.users! + 1, 'only pia2 was created');
    // A taken user name is said so (names are public).
    const nameTaken = await postRegistration(t.app, { name: 'pia', email: 'someone@example.test', password: 'pia-password-long' });
    assert.equal(nameTaken.statusCode, 409);
  });

  test('an unverified account can sign in but not publish or create tokens', async () => {
    await postRegistration(t.app, { name: 'quinn', email: 'quinn@example.test', password: 'quinn-password-long' });
    const mail = await smtp.nextMessage({ to: 'quinn@example.test' });
    // npm login (couch) issues a token: refused.
    const login = await fetch(`${t.url}/-/user/org.couchdb.user:quinn`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'quinn', password: 'quinn-password-long' }),
    });
    assert.equal(login.status, 403);
    assert.match(await login.text(), /EMAIL_NOT_VERIFIED/);
    // A token that exists anyway (made through the service) cannot publish or mint tokens.
    const token = await t.tokenFor('quinn');
    const before = await t.rowCounts();
    const { body } = await npmPublish({ name: 'quinn-pkg', version: '1.0.0' });
    const publish = await fetch(`${t.url}/quinn-pkg`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(publish.status, 403);
    assert.match(await publish.text(), /EMAIL_NOT_VERIFIED/);
    const mint = await fetch(`${t.url}/-/npm/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'quinn-password-long' }),
    });
    assert.equal(mint.status, 403);
    assert.match(await mint.text(), /EMAIL_NOT_VERIFIED/);
    assert.deepEqual(await t.rowCounts(), before);
    // Web sign-in works before verification; approving an npm web login says what is missing.
    const session = await signIn(t.app, 'quinn', 'quinn-password-long');
    const started = (await (await fetch(`${t.url}/-/v1/login`, { method: 'POST' })).json()) as { loginUrl: string };
    const approve = await t.app.http.inject({ method: 'GET', url: localPath(started.loginUrl), headers: { cookie: `bulwark_session=${session}` } });
    assert.equal(approve.statusCode, 403);
    assert.match(approve.body, /Verify your email address first/);

    const profile = async () => ((await (await fetch(`${t.url}/-/npm/v1/user`, { headers: { authorization: `Bearer ${token}` } })).json()) as { email_verified: boolean }).email_verified;
    assert.equal(await profile(), false, 'npm profile get shows the address unverified');
    await confirmLink(t.app, verifyLinkOf(mail));
    assert.equal(await profile(), true);
    const published = await fetch(`${t.url}/quinn-pkg`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(published.status, 201, await published.text());
  });

  test('changing the address: the new one must follow its link', async () => {
    const id = await signUp(t.app, smtp, { name: 'rosa', email: 'rosa@example.test', password: 'rosa-password-long' });
    const session = await signIn(t.app, 'rosa', 'rosa-password-long');
    const headers = { cookie: `bulwark_session=${session}` };
    const page = await t.app.http.inject({ method: 'GET', url: '/account/email', headers });
    const csrf = csrfOf(page.body);
    const wrong = await t.app.http.inject({ method: 'POST', url: '/account/email', headers: { ...FORM, ...headers }, payload: form({ _csrf: csrf, email: 'rosa@new.example', password: 'not-her-password' }) });
    assert.equal(wrong.statusCode, 401);
    const asked = await t.app.http.inject({ method: 'POST', url: '/account/email', headers: { ...FORM, ...headers }, payload: form({ _csrf: csrf, email: 'rosa@new.example', password: 'rosa-password-long' }) });
    assert.equal(asked.statusCode, 200, asked.body);
    assert.equal((await t.app.accounts.getUserById(id))?.email, 'rosa@example.test', 'unchanged until the link is followed');
    const mail = await smtp.nextMessage({ to: 'rosa@new.example' });
    assert.equal(mail.subject, 'Confirm your new email address for Bulwark');
    const done = await confirmLink(t.app, verifyLinkOf(mail), session);
    assert.equal(done.statusCode, 200, done.body);
    const user = await t.app.accounts.getUserById(id);
    assert.equal(user?.email, 'rosa@new.example');
    assert.equal(user?.emailVerified, true);
    const events = await t.events();
    assert.ok(events.some((e) => e.type === 'user:email-change' && e.subject === 'user:rosa'));
  });

  test('hostile sign-up input is refused before anything is written or mailed', async () => {
    const before = await t.rowCounts();
    const mails = smtp.received.length;
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{ name: 'mallory', email: 'mallory@example.test\r\nBcc: victim@example.test', password: 'mallory-password-long' }, 400, /not a valid email address/],
      [{ name: 'mallory', email: 'mallory@example.test', password: 'short' }, 400, /at least 12 characters/],
      [{ name: '<script>x</script>', email: 'mallory@example.test', password: 'mallory-password-long' }, 400, /A user name is/],
      [{ name: 'mallory', email: 'mallory@example.test', password: 'mallory-password-long', confirm: 'something-else-entirely' }, 400, /differ/],
      [{ name: 'mallory', email: `${'a'.repeat(300)}@example.test`, password: 'mallory-password-long' }, 400, /not a valid email address/],
    ];
    for (const [fields, status, message] of cases) {
      const response = await postRegistration(t.app, fields as { name: string; email: string; password: string; confirm?: string });
      assert.equal(response.statusCode, status, JSON.stringify(fields));
      assert.match(response.body, message);
      assert.doesNotMatch(response.body, /<script>x/);
    }
    // Without the form's CSRF cookie: refused.
    const forged = await t.app.http.inject({ method: 'POST', url: '/account/register', headers: FORM, payload: form({ name: 'mallory', email: 'mallory@example.test', password: 'mallory-password-long', confirm: 'mallory-password-long' }) });
    assert.equal(forged.statusCode, 403);
    assert.deepEqual(await t.rowCounts(), before);
    assert.equal(smtp.received.length, mails);
  });

  test('registration can be closed', async () => {
    const closed = await createTestApp({ config: { smtpUrl: smtp.url, registration: 'closed' } });
    try {
      const page = await closed.app.http.inject({ method: 'GET', url: '/account/register' });
      assert.equal(page.statusCode, 403);
      const before = await closed.rowCounts();
      const post = await closed.app.http.inject({ method: 'POST', url: '/account/register', headers: FORM, payload: form({ name: 'x', email: 'x@example.test', password: 'x-password-long', confirm: 'x-password-long' }) });
      assert.equal(post.statusCode, 403);
      assert.deepEqual(await closed.rowCounts(), before);
    } finally {
      await closed.close();
    }
  });
});

describe('mailer without SMTP', () => {
  test('writes each message as an .eml file under <dataDir>/mail', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bulwark-mail-'));
    const lines: Array<Record<string, unknown>> = [];
    const log = { info: (fields: Record<string, unknown>) => lines.push(fields) } as unknown as Parameters<typeof createMailer>[1];
    try {
      const mailer = createMailer({ mailFrom: 'Bulwark <registry@example.test>', dataDir }, log);
      await mailer.send({ to: 'sam@example.test', subject: 'Hello\r\nBcc: evil@example.test', text: 'Open https://registry.example.test/secret-link' });
      const files = await readdir(join(dataDir, 'mail'));
      assert.equal(files.length, 1);
      assert.match(files[0]!, /\.eml$/);
      const raw = await readFile(join(dataDir, 'mail', files[0]!), 'utf8');
      assert.match(raw, /^To: sam@example\.test$/m);
      assert.match(raw, /^Subject: Hello Bcc: evil@example\.test$/m);
      assert.doesNotMatch(raw, /^Bcc:/m);
      assert.match(raw, /secret-link/);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!['mail.to'], 'sam@example.test');
      assert.doesNotMatch(JSON.stringify(lines), /secret-link/);
      mailer.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
