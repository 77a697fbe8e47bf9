// A web session carries the second factor it was signed in with, and the MFA policy reads that
// factor, not the account's list: a session opened with an app code is no phishing-resistant
// proof because the account also has a passkey, and a session opened with the password alone
// (before the account had MFA) proves no second factor until one is proven in it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { cookie, csrfOf, form, FORM } from './forms.js';
import { buildWheel, uploadForm } from './wheel.js';

const PUBLIC_URL = 'https://registry.example.test';
const PROJECT = 'bw-factor-py';
const PASSWORD = 'olga-password-long';

class TestClock {
  ms = Date.parse('2026-05-01T08:00:05Z');
  now = () => new Date(this.ms);
}

describe('the session factor under the MFA policy', () => {
  const clock = new TestClock();
  let app: BulwarkApp;
  let dataDir: string;
  let userId: number;
  let totpSecret = '';

  const code = () => generate({ secret: totpSecret, epoch: Math.floor(clock.ms / 1000) });

  async function storedFactor(session: string): Promise<string | null> {
    return (await app.accounts.session(session))?.secondFactor ?? null;
  }

  /** Password, then (when the account has MFA) an app code: the session cookie. */
  async function signIn(): Promise<string> {
    const page = await app.http.inject({ method: 'GET', url: '/account/login' });
    const csrfCookie = cookie(page, 'bulwark_csrf')!.value;
    const csrf = csrfOf(page.body);
    const password = await app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrf, name: 'olga', password: PASSWORD }),
    });
    assert.equal(password.statusCode, 303);
    const session = cookie(password, 'bulwark_session')?.value;
    if (session) return session;
    const pending = cookie(password, 'bulwark_mfa')!.value;
    const second = await app.http.inject({
      method: 'POST',
      url: '/account/login/mfa',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}; bulwark_mfa=${pending}` },
      payload: form({ _csrf: csrf, code: await code() }),
    });
    assert.equal(second.statusCode, 303, second.body);
    return cookie(second, 'bulwark_session')!.value;
  }

  async function yank(session: string, version: string) {
    const page = await app.http.inject({ method: 'GET', url: `/project/${PROJECT}/`, cookies: { bulwark_session: session } });
    assert.equal(page.statusCode, 200);
    return app.http.inject({
      method: 'POST',
      url: `/project/${PROJECT}/${version}/yank`,
      headers: FORM,
      cookies: { bulwark_session: session },
      payload: form({ _csrf: csrfOf(page.body), reason: 'broken' }),
    });
  }

  async function yanked(version: string): Promise<boolean> {
    const json = await app.http.inject({ method: 'GET', url: `/pypi/${PROJECT}/${version}/json` });
    return (JSON.parse(json.body) as { info: { yanked: boolean } }).info.yanked;
  }

  async function enrolTotp(): Promise<void> {
    const started = await app.mfa.startTotp(userId);
    totpSecret = started.secret;
    await app.mfa.confirmTotp(userId, started.factorId, await code(), { label: 'phone' });
    clock.ms += 30_000; // the enrolment used this step's code
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-session-factor-'));
    app = await createApp({
      config: loadConfig({}, { port: 0, publicUrl: PUBLIC_URL, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', leakCheckDir: PWNED_FIXTURE_DIR }),
      clock,
    });
    ({ id: userId } = await app.accounts.createUser({ name: 'olga', email: 'olga@example.test', password: PASSWORD }));
    const { token } = await app.tokens.create({ userId, name: 'setup', scope: { permission: 'read-write', packages: null, scopes: null } });
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      const { contentType, body } = uploadForm(PROJECT, version, buildWheel(PROJECT, version, { summary: 'factor test', readme: '# factor test' }));
      const upload = await app.http.inject({
        method: 'POST',
        url: '/legacy/',
        headers: { 'content-type': contentType, authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` },
        payload: body,
      });
      assert.equal(upload.statusCode, 200, upload.body);
    }
  });

  after(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('a session opened with the password alone proves no factor, even once the account has one', async () => {
    const passwordOnly = await signIn();
    assert.equal(await storedFactor(passwordOnly), null);
    await enrolTotp();
    await app.mfaPolicy.setPolicy({ mode: 'all-maintainers', criticalNeedsPhishingResistant: false }, { userId: null });

    const refused = await yank(passwordOnly, '1.0.0');
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /sign in again with your second factor/);
    assert.equal(await yanked('1.0.0'), false);

    const withCode = await signIn();
    assert.equal(await storedFactor(withCode), 'totp');
    assert.equal((await yank(withCode, '1.0.0')).statusCode, 303);
    assert.equal(await yanked('1.0.0'), true);
  });

  test('an app-code session is no phishing-resistant proof, though the account also has a passkey', async () => {
    // The account's passkey (registered in a browser elsewhere; WebAuthn has its own browser tests).
    await app.db
      .insertInto('mfa_factors')
      .values({ id: 'passkey-olga', user_id: userId, kind: 'passkey', label: 'laptop', confirmed_at: clock.now().toISOString(), created_at: clock.now().toISOString(), credential_id: 'cred-olga', public_key: 'unused', sign_count: 0, transports: '[]', backed_up: 0 })
      .execute();
    assert.equal((await app.mfa.status(userId)).phishingResistant, true);
    const pkg = await app.mfaPolicy.critical.findPackage('pypi', PROJECT);
    await app.mfaPolicy.critical.setMarked(pkg!, true, null);
    await app.mfaPolicy.setPolicy({ mode: 'critical-maintainers', criticalNeedsPhishingResistant: true }, { userId: null });

    clock.ms += 30_000;
    const withCode = await signIn();
    assert.equal(await storedFactor(withCode), 'totp');
    const refused = await yank(withCode, '1.1.0');
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /security key or passkey/);
    assert.equal(await yanked('1.1.0'), false);

    // The same requirement without the phishing-resistant flag: the app code suffices.
    await app.mfaPolicy.setPolicy({ mode: 'critical-maintainers', criticalNeedsPhishingResistant: false }, { userId: null });
    assert.equal((await yank(withCode, '1.1.0')).statusCode, 303);
    assert.equal(await yanked('1.1.0'), true);
  });

  test('a code proven in a session raises its factor, never lowers it', async () => {
    clock.ms += 30_000;
    const session = await signIn();
    await app.accounts.raiseSessionFactor(session, 'passkey');
    assert.equal(await storedFactor(session), 'passkey');
    await app.accounts.raiseSessionFactor(session, 'totp');
    assert.equal(await storedFactor(session), 'passkey');
  });
});
