// /account/tokens over HTTP (in-process): list, create (the secret shown once, and it works),
// revoke; CSRF and other users' tokens refused with nothing changed; an unverified address
// refused; and under the MFA policy the page is how twine users get a token: a password-only
// session is refused, a session signed in with an app code makes a token recorded as
// two-factor, which then uploads a wheel with Basic `__token__` where an older token is refused.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { simpleParser } from 'mailparser';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import type { TokenScope } from '../../src/tokens/index.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { cookie, csrfOf, form, FORM, type Injected } from './forms.js';
import { buildWheel, uploadForm } from './wheel.js';

const PUBLIC_URL = 'https://registry.example.test';
const PROJECT = 'bw-tokens-py';

class TestClock {
  ms = Date.parse('2026-06-01T08:00:05Z');
  now = () => new Date(this.ms);
}

describe('the API tokens page', () => {
  const clock = new TestClock();
  let app: BulwarkApp;
  let dataDir: string;
  const ids: Record<string, number> = {};
  let totpSecret = '';
  let setupToken = '';

  const password = (name: string) => `${name}-password-long-enough`;
  const code = () => generate({ secret: totpSecret, epoch: Math.floor(clock.ms / 1000) });

  /** Password, then (when the account has MFA) an app code: the session cookie. */
  async function signIn(name: string): Promise<string> {
    const page = await app.http.inject({ method: 'GET', url: '/account/login' });
    const csrfCookie = cookie(page, 'bulwark_csrf')!.value;
    const csrf = csrfOf(page.body);
    const first = await app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrf, name, password: password(name) }),
    });
    assert.equal(first.statusCode, 303, first.body);
    const session = cookie(first, 'bulwark_session')?.value;
    if (session) return session;
    const second = await app.http.inject({
      method: 'POST',
      url: '/account/login/mfa',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}; bulwark_mfa=${cookie(first, 'bulwark_mfa')!.value}` },
      payload: form({ _csrf: csrf, code: await code() }),
    });
    assert.equal(second.statusCode, 303, second.body);
    clock.ms += 30_000; // each time step's code is accepted once
    return cookie(second, 'bulwark_session')!.value;
  }

  const tokensPage = (session: string) => app.http.inject({ method: 'GET', url: '/account/tokens', cookies: { bulwark_session: session } });

  async function post(session: string, path: string, fields: Record<string, string>, csrf?: string): Promise<Injected> {
    const token = csrf ?? csrfOf((await tokensPage(session)).body);
    return app.http.inject({ method: 'POST', url: path, headers: FORM, cookies: { bulwark_session: session }, payload: form({ _csrf: token, ...fields }) });
  }

  const create = (session: string, fields: Record<string, string>, csrf?: string) =>
    post(session, '/account/tokens', { permission: 'read-write', packages: '', ecosystem: '', expires: '', ...fields }, csrf);

  function secretOf(page: Injected): string {
    const match = /<code id="new-token">([^<]+)<\/code>/.exec(page.body);
    assert.ok(match, 'the page shows the new token');
    return match[1]!;
  }

  const whoami = (token: string) => app.http.inject({ method: 'GET', url: '/-/whoami', headers: { authorization: `Bearer ${token}` } });

  function upload(token: string, version: string) {
    const { contentType, body } = uploadForm(PROJECT, version, buildWheel(PROJECT, version, { summary: 'tokens page', readme: '# tokens page' }));
    return app.http.inject({
      method: 'POST',
      url: '/legacy/',
      headers: { 'content-type': contentType, authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` },
      payload: body,
    });
  }

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of ['tokens', 'second_factor_tokens', 'events', 'versions'] as const) {
      const row = await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out[table] = Number(row.n);
    }
    return out;
  }

  /** The text of the mails written to `to` with this subject. */
  async function mailsTo(to: string, subject: string): Promise<string[]> {
    const dir = join(dataDir, 'mail');
    const texts: string[] = [];
    for (const file of await readdir(dir)) {
      const mail = await simpleParser(await readFile(join(dir, file)));
      if (mail.subject === subject && JSON.stringify(mail.to).includes(to)) texts.push(mail.text ?? '');
    }
    return texts;
  }

  const liveTokens = async (user: string) =>
    app.db.selectFrom('tokens').selectAll().where('user_id', '=', ids[user]!).where('revoked_at', 'is', null).where('name', '!=', 'setup').execute();

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-tokens-page-'));
    app = await createApp({
      config: loadConfig({}, { port: 0, publicUrl: PUBLIC_URL, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', leakCheckDir: PWNED_FIXTURE_DIR }),
      clock,
    });
    for (const name of ['olga', 'mallory', 'una']) {
      ({ id: ids[name] } = await app.accounts.createUser({ name, email: `${name}@example.test`, password: password(name), emailVerified: name !== 'una' }));
    }
    ({ token: setupToken } = await app.tokens.create({ userId: ids.olga!, name: 'setup' }));
    assert.equal((await upload(setupToken, '1.0.0')).statusCode, 200);
  });

  after(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('signed out, the page sends the browser to sign in', async () => {
    const page = await app.http.inject({ method: 'GET', url: '/account/tokens' });
    assert.equal(page.statusCode, 303);
    assert.match(String(page.headers.location), /^\/account\/login\?next=%2Faccount%2Ftokens/);
  });

  test('create shows the secret once, it works, the list shows only its prefix; revoke ends it', async () => {
    const session = await signIn('olga');
    const first = await tokensPage(session);
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /<td>setup<\/td>/, 'the token made before is listed');
    assert.match(first.body, /href="\/account\/tokens"/, 'the header links the page');

    const created = await create(session, { name: 'laptop twine', permission: 'publish', packages: `${PROJECT}, @acme`, ecosystem: 'pypi', expires: '30' });
    assert.equal(created.statusCode, 201, created.body);
    assert.match(created.body, /shown only this once/);
    const secret = secretOf(created);
    const who = await whoami(secret);
    assert.equal(who.statusCode, 200);
    assert.equal(JSON.parse(who.body).username, 'olga');

    const [row] = await liveTokens('olga');
    assert.ok(row);
    assert.deepEqual(JSON.parse(row.scopes) as TokenScope, { permission: 'publish', packages: [PROJECT], scopes: ['@acme'], ecosystem: 'pypi' });
    assert.equal(row.expires_at, new Date(clock.ms + 30 * 86_400_000).toISOString());
    // A password-only session proves no second factor: not recorded.
    assert.equal(await app.db.selectFrom('second_factor_tokens').select('token_id').where('token_id', '=', row.id).executeTakeFirst(), undefined);

    const listed = await tokensPage(session);
    assert.ok(!listed.body.includes(secret), 'the list never shows the secret');
    assert.ok(listed.body.includes(`${row.token_prefix}…`));
    assert.match(listed.body, /laptop twine/);
    assert.match(listed.body, /PyPI only/);
    assert.match(listed.body, new RegExp(`data-token-key="${row.id}"`));

    const event = await app.db.selectFrom('events').selectAll().where('type', '=', 'token:create').where('subject', '=', `token:${row.id}`).executeTakeFirst();
    assert.ok(event, 'token:create is logged');
    // The owner is mailed (written as .eml files without SMTP), with the token's name and permission.
    clock.ms += 5_000;
    await app.processPendingNotifications();
    const notices = (await mailsTo('olga@example.test', 'A new API token was created for your Bulwark account')).filter((text) => text.includes(row.id));
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, new RegExp(`A new publish API token "laptop twine" \\(${row.id}\\) was created, expiring`));
    assert.ok(!notices[0]!.includes(secret), 'the mail never carries the secret');

    const revoked = await post(session, '/account/tokens/revoke', { key: row.id });
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, '/account/tokens?revoked=1');
    assert.equal((await whoami(secret)).statusCode, 401);
    assert.equal((await liveTokens('olga')).length, 0);
    assert.ok(await app.db.selectFrom('events').select('id').where('type', '=', 'token:revoke').where('subject', '=', `token:${row.id}`).executeTakeFirst());
    const after = await app.http.inject({ method: 'GET', url: '/account/tokens?revoked=1', cookies: { bulwark_session: session } });
    assert.match(after.body, /Token revoked/);
    assert.ok(!after.body.includes(row.id), 'a revoked token leaves the list');
  });

  test('a form without the session CSRF token creates and revokes nothing', async () => {
    const session = await signIn('olga');
    const beforeCounts = await counts();
    const forged = await create(session, { name: 'forged' }, 'not-the-token');
    assert.equal(forged.statusCode, 403);
    assert.doesNotMatch(forged.body, /id="new-token"/);
    assert.deepEqual(await counts(), beforeCounts);

    const forgedRevoke = await post(session, '/account/tokens/revoke', { key: (await app.db.selectFrom('tokens').select('id').where('name', '=', 'setup').executeTakeFirstOrThrow()).id }, '');
    assert.equal(forgedRevoke.statusCode, 403);
    assert.deepEqual(await counts(), beforeCounts);
    assert.equal((await whoami(setupToken)).statusCode, 200);
  });

  test("another user's token cannot be revoked, nor is it listed", async () => {
    const { token, info } = await app.tokens.create({ userId: ids.mallory!, name: 'mallory-ci' });
    const session = await signIn('olga');
    assert.ok(!(await tokensPage(session)).body.includes(info.key));
    const beforeCounts = await counts();
    for (const key of [info.key, token]) {
      const refused = await post(session, '/account/tokens/revoke', { key });
      assert.equal(refused.statusCode, 404);
      assert.match(refused.body, /No such token/);
    }
    assert.deepEqual(await counts(), beforeCounts);
    assert.equal((await whoami(token)).statusCode, 200);
  });

  test('bad input is refused on the page, keeping what was typed', async () => {
    const session = await signIn('olga');
    const beforeCounts = await counts();
    for (const [fields, message] of [
      [{ name: 'x', expires: '400' }, /1 to 365/],
      [{ name: 'x', expires: 'soon' }, /1 to 365/],
      [{ name: 'x', permission: 'admin' }, /Choose a permission/],
      [{ name: 'x', ecosystem: 'cargo' }, /listed ecosystems/],
    ] as const) {
      const refused = await create(session, fields);
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.body, message);
      assert.match(refused.body, /name="name" maxlength="128" required value="x"/);
    }
    assert.deepEqual(await counts(), beforeCounts);
  });

  test('an unverified email address cannot create tokens', async () => {
    const session = await signIn('una');
    const beforeCounts = await counts();
    const refused = await create(session, { name: 'una' });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /Verify your email address first/);
    assert.deepEqual(await counts(), beforeCounts);
  });

  test('under the MFA policy: refused without a session factor; a TOTP session makes a token twine can publish with', async () => {
    const passwordOnly = await signIn('olga');
    const malloryPasswordOnly = await signIn('mallory');
    const started = await app.mfa.startTotp(ids.olga!);
    totpSecret = started.secret;
    await app.mfa.confirmTotp(ids.olga!, started.factorId, await code(), { label: 'phone' });
    clock.ms += 30_000;
    await app.mfaPolicy.setPolicy({ mode: 'all-maintainers', criticalNeedsPhishingResistant: false }, { userId: null });

    const beforeCounts = await counts();
    const refused = await create(passwordOnly, { name: 'no factor' });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /sign in again with your second factor/);
    const notEnrolled = await create(malloryPasswordOnly, { name: 'no factor' });
    assert.equal(notEnrolled.statusCode, 403);
    assert.match(notEnrolled.body, /Set it up at https:\/\/registry\.example\.test\/account\/mfa/);
    assert.deepEqual(await counts(), beforeCounts);

    // The token made outside a second factor does not satisfy the policy for twine.
    const older = await upload(setupToken, '1.1.0');
    assert.equal(older.statusCode, 403);
    assert.match(older.body, /created with a second factor/);

    const withCode = await signIn('olga');
    const created = await create(withCode, { name: 'twine', permission: 'publish', packages: PROJECT, ecosystem: 'pypi', expires: '7' });
    assert.equal(created.statusCode, 201, created.body);
    assert.match(created.body, /id="token-second-factor"/);
    const secret = secretOf(created);
    const row = (await liveTokens('olga')).find((t) => t.name === 'twine');
    assert.ok(row, JSON.stringify(await liveTokens('olga')));
    const recorded = await app.db.selectFrom('second_factor_tokens').selectAll().where('token_id', '=', row.id).executeTakeFirst();
    assert.ok(recorded, 'recorded as made with a second factor');
    assert.equal(recorded.phishing_resistant, 0);

    const published = await upload(secret, '1.1.0');
    assert.equal(published.statusCode, 200, published.body);

    // Revocation is a token change under the policy too.
    const revokeRefused = await post(passwordOnly, '/account/tokens/revoke', { key: row.id });
    assert.equal(revokeRefused.statusCode, 403);
    assert.equal((await whoami(secret)).statusCode, 200);
    assert.equal((await post(withCode, '/account/tokens/revoke', { key: row.id })).statusCode, 303);
    assert.equal((await whoami(secret)).statusCode, 401);
  });

  test('a critical package that needs a phishing-resistant factor takes only a token made in a passkey session', async () => {
    // Made under the previous test's policy (any factor), in an app-code session.
    const withCode = await signIn('olga');
    const appCodeToken = secretOf(await create(withCode, { name: 'app-code' }));

    // The account's passkey (WebAuthn has its own browser tests); a session signed in with it.
    const now = clock.now().toISOString();
    await app.db
      .insertInto('mfa_factors')
      .values({ id: 'passkey-olga', user_id: ids.olga!, kind: 'passkey', label: 'laptop', confirmed_at: now, created_at: now, credential_id: 'cred-olga', public_key: 'unused', sign_count: 0, transports: '[]', backed_up: 0 })
      .execute();
    const withPasskey = await signIn('olga');
    await app.accounts.raiseSessionFactor(withPasskey, 'passkey');
    const pkg = await app.mfaPolicy.critical.findPackage('pypi', PROJECT);
    await app.mfaPolicy.critical.setMarked(pkg!, true, null);
    await app.mfaPolicy.setPolicy({ mode: 'critical-maintainers', criticalNeedsPhishingResistant: true }, { userId: null });

    const beforeCounts = await counts();
    const refused = await create(withCode, { name: 'not enough' });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /security key or passkey/);
    assert.deepEqual(await counts(), beforeCounts);
    const appCodeUpload = await upload(appCodeToken, '1.2.0');
    assert.equal(appCodeUpload.statusCode, 403);
    assert.match(appCodeUpload.body, /phishing-resistant second factor/);

    const created = await create(withPasskey, { name: 'twine-key', permission: 'publish', packages: PROJECT, ecosystem: 'pypi', expires: '7' });
    assert.equal(created.statusCode, 201, created.body);
    const secret = secretOf(created);
    const row = (await liveTokens('olga')).find((t) => t.name === 'twine-key');
    const recorded = await app.db.selectFrom('second_factor_tokens').selectAll().where('token_id', '=', row!.id).executeTakeFirst();
    assert.equal(recorded?.phishing_resistant, 1);
    const published = await upload(secret, '1.2.0');
    assert.equal(published.statusCode, 200, published.body);
  });
});
