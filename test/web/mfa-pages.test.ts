// The two-factor pages over HTTP (in-process, no browser; WebAuthn has its own browser test):
// a password alone no longer signs an MFA account in, the second step takes a TOTP code or a
// recovery code, each once; enrolment, removal (with re-authentication) and recovery codes on
// /account/mfa. Refusals create no session and change nothing but the log.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { cookie, csrfOf, form, FORM, type Injected } from './forms.js';

const PUBLIC_URL = 'https://registry.example.test';
const PASSWORD = 'frank-password-long';

class TestClock {
  ms = Date.parse('2026-04-01T08:00:05Z');
  now = () => new Date(this.ms);
}

describe('two-factor pages', () => {
  const clock = new TestClock();
  let app: BulwarkApp;
  let dataDir: string;
  let userId: number;
  let totpSecret: string;

  const code = (offsetSeconds = 0) => generate({ secret: totpSecret, epoch: Math.floor(clock.ms / 1000) + offsetSeconds });

  async function openLogin(): Promise<{ csrfCookie: string; csrf: string }> {
    const page = await app.http.inject({ method: 'GET', url: '/account/login' });
    assert.equal(page.statusCode, 200);
    return { csrfCookie: cookie(page, 'bulwark_csrf')!.value, csrf: csrfOf(page.body) };
  }

  /** Password step: returns the pending cookie and the CSRF pair for the second step. */
  async function passwordStep(next?: string) {
    const { csrfCookie, csrf } = await openLogin();
    const response = await app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrf, name: 'frank', password: PASSWORD, ...(next ? { next } : {}) }),
    });
    return { response, csrfCookie, csrf, pending: cookie(response, 'bulwark_mfa')?.value };
  }

  async function secondStep(step: { csrfCookie: string; csrf: string; pending?: string | undefined }, fields: Record<string, string>): Promise<Injected> {
    return app.http.inject({
      method: 'POST',
      url: '/account/login/mfa',
      headers: { ...FORM, cookie: `bulwark_csrf=${step.csrfCookie}; bulwark_mfa=${step.pending ?? ''}` },
      payload: form({ _csrf: step.csrf, ...fields }),
    });
  }

  async function sessionCount(): Promise<number> {
    const row = await app.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-mfa-pages-'));
    app = await createApp({
      config: loadConfig({}, { port: 0, publicUrl: PUBLIC_URL, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', leakCheckDir: PWNED_FIXTURE_DIR }),
      clock,
    });
    ({ id: userId } = await app.accounts.createUser({ name: 'frank', email: 'frank@example.test', password: PASSWORD }));
  });

  after(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let session: string;
  let sessionCsrf: string;
  let recoveryCodes: string[];

  test('without MFA the password signs in; /account/mfa sets up an authenticator app and shows recovery codes once', async () => {
    const { response } = await passwordStep();
    assert.equal(response.statusCode, 303);
    session = cookie(response, 'bulwark_session')!.value;

    const page = await app.http.inject({ method: 'GET', url: '/account/mfa', headers: { cookie: `bulwark_session=${session}` } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Off: your password alone signs you in/);
    assert.doesNotMatch(page.headers['content-security-policy'] as string, /script-src/, 'no scripts where none are needed');
    sessionCsrf = csrfOf(page.body);

    const started = await app.http.inject({
      method: 'POST',
      url: '/account/mfa/totp',
      headers: { ...FORM, cookie: `bulwark_session=${session}` },
      payload: form({ _csrf: sessionCsrf }),
    });
    assert.equal(started.statusCode, 200);
    totpSecret = /id="totp-secret">([A-Z2-7]+)</.exec(started.body)![1]!;
    assert.match(started.body, /otpauth:\/\/totp\/Bulwark:frank\?/);
    const factor = /name="factor" value="([^"]+)"/.exec(started.body)![1]!;

    const wrong = await app.http.inject({
      method: 'POST',
      url: '/account/mfa/totp/confirm',
      headers: { ...FORM, cookie: `bulwark_session=${session}` },
      payload: form({ _csrf: sessionCsrf, factor, code: (await code()) === '123456' ? '654321' : '123456' }),
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal((await app.mfa.status(userId)).enabled, false);

    const confirmed = await app.http.inject({
      method: 'POST',
      url: '/account/mfa/totp/confirm',
      headers: { ...FORM, cookie: `bulwark_session=${session}` },
      payload: form({ _csrf: sessionCsrf, factor, code: await code(), label: 'Work phone' }),
    });
    assert.equal(confirmed.statusCode, 200);
    recoveryCodes = [...confirmed.body.matchAll(/<li><code>(\d{5} \d{5} \d{5} \d{5})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(recoveryCodes.length, 10);

    const overview = await app.http.inject({ method: 'GET', url: '/account/mfa', headers: { cookie: `bulwark_session=${session}` } });
    assert.match(overview.body, /Work phone/);
    assert.match(overview.body, /Not phishing-resistant/);
    assert.match(overview.body, /10 of 10 unused/);
    assert.doesNotMatch(overview.body, new RegExp(recoveryCodes[0]!), 'codes are not shown again');
  });

  test('with MFA on, a correct password gives no session, only a pending second step', async () => {
    clock.ms += 30_000;
    const before = await sessionCount();
    const step = await passwordStep('/account/mfa');
    assert.equal(step.response.statusCode, 303);
    assert.equal(step.response.headers.location, '/account/login/mfa?next=%2Faccount%2Fmfa');
    assert.equal(cookie(step.response, 'bulwark_session'), undefined);
    const pendingCookie = cookie(step.response, 'bulwark_mfa')!;
    assert.equal(pendingCookie.httpOnly, true);
    assert.equal(pendingCookie.sameSite, 'Strict');
    assert.equal(await sessionCount(), before);

    // The pending cookie opens nothing but the second step.
    const mfaPage = await app.http.inject({ method: 'GET', url: '/account/mfa', headers: { cookie: `bulwark_mfa=${step.pending}` } });
    assert.equal(mfaPage.statusCode, 303);
    const page = await app.http.inject({ method: 'GET', url: '/account/login/mfa', headers: { cookie: `bulwark_mfa=${step.pending}` } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Signing in as <strong>frank<\/strong>/);
    assert.doesNotMatch(page.body, /data-webauthn=/, 'no security key to offer');

    const wrong = await secondStep(step, { code: (await code()) === '000000' ? '111111' : '000000', next: '/account/mfa' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(cookie(wrong, 'bulwark_session'), undefined);
    const noPending = await secondStep({ ...step, pending: 'forged' }, { code: await code() });
    assert.equal(noPending.statusCode, 401);
    assert.equal(cookie(noPending, 'bulwark_session'), undefined);
    const noCsrf = await secondStep({ ...step, csrf: 'x'.repeat(43) }, { code: await code() });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(await sessionCount(), before);

    const right = await secondStep(step, { code: await code(), next: '/account/mfa' });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, '/account/mfa');
    assert.ok(cookie(right, 'bulwark_session')?.value);
    assert.equal(await sessionCount(), before + 1);
    assert.equal(cookie(right, 'bulwark_mfa')?.value, '', 'the pending sign-in cookie is cleared');
    // The pending sign-in is spent.
    const again = await secondStep(step, { code: await code(1) });
    assert.equal(again.statusCode, 401);
  });

  test('the same TOTP code cannot sign in twice; a recovery code signs in once', async () => {
    const first = await passwordStep();
    const ok = await secondStep(first, { code: await code(30) });
    assert.equal(ok.statusCode, 303);
    const second = await passwordStep();
    const replay = await secondStep(second, { code: await code(30) });
    assert.equal(replay.statusCode, 401);
    assert.match(replay.body, /already used/);
    assert.equal(cookie(replay, 'bulwark_session'), undefined);

    const viaRecovery = await secondStep(second, { code: recoveryCodes[0]! });
    assert.equal(viaRecovery.statusCode, 303);
    const third = await passwordStep();
    const reused = await secondStep(third, { code: recoveryCodes[0]! });
    assert.equal(reused.statusCode, 401);
    assert.equal(cookie(reused, 'bulwark_session'), undefined);
  });

  test('removing a factor needs the current password or a code', async () => {
    const step = await passwordStep();
    const signedIn = await secondStep(step, { code: recoveryCodes[1]! });
    session = cookie(signedIn, 'bulwark_session')!.value;
    const page = await app.http.inject({ method: 'GET', url: '/account/mfa', headers: { cookie: `bulwark_session=${session}` } });
    sessionCsrf = csrfOf(page.body);
    const factor = /name="factor" value="([^"]+)"/.exec(page.body)![1]!;

    const refused = await app.http.inject({
      method: 'POST',
      url: '/account/mfa/remove',
      headers: { ...FORM, cookie: `bulwark_session=${session}` },
      payload: form({ _csrf: sessionCsrf, factor, password: 'not-the-password' }),
    });
    assert.equal(refused.statusCode, 401);
    assert.equal((await app.mfa.status(userId)).enabled, true);
    const noCsrf = await app.http.inject({
      method: 'POST',
      url: '/account/mfa/remove',
      headers: { ...FORM, cookie: `bulwark_session=${session}` },
      payload: form({ _csrf: 'forged', factor, password: PASSWORD }),
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal((await app.mfa.status(userId)).enabled, true);

    const removed = await app.http.inject({
      method: 'POST',
      url: '/account/mfa/remove',
      headers: { ...FORM, cookie: `bulwark_session=${session}` },
      payload: form({ _csrf: sessionCsrf, factor, password: PASSWORD }),
    });
    assert.equal(removed.statusCode, 200);
    assert.match(removed.body, /Two-factor authentication is now off/);
    assert.equal((await app.mfa.status(userId)).enabled, false);
    const events = await app.db.selectFrom('events').select('type').where('type', 'like', 'mfa:%').orderBy('id').execute();
    assert.ok(events.some((e) => e.type === 'mfa:remove'));
    // Password alone signs in again.
    const plain = await passwordStep();
    assert.ok(cookie(plain.response, 'bulwark_session')?.value);
  });

  test('20 wrong codes at the second step: refused, then locked out (429 with Retry-After), never a session, each logged', async () => {
    const { id: gina } = await app.accounts.createUser({ name: 'gina', email: 'gina@example.test', password: 'gina-password-long' });
    const started = await app.mfa.startTotp(gina);
    await app.mfa.confirmTotp(gina, started.factorId, await generate({ secret: started.secret, epoch: Math.floor(clock.ms / 1000) }));
    const { csrfCookie, csrf } = await openLogin();
    const login = await app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrf, name: 'gina', password: 'gina-password-long' }),
    });
    const step = { csrfCookie, csrf, pending: cookie(login, 'bulwark_mfa')?.value };
    const window = await Promise.all([-30, 0, 30].map((d) => generate({ secret: started.secret, epoch: Math.floor(clock.ms / 1000) + d })));
    const sessionsBefore = await app.db.selectFrom('sessions').select('id_hash').where('user_id', '=', gina).execute();
    const failedBefore = (await app.db.selectFrom('events').select('id').where('type', '=', 'mfa:failed').execute()).length;
    const statuses: number[] = [];
    for (let i = 0; statuses.length < 20; i++) {
      const wrong = String(100_000 + i * 7_919);
      if (window.includes(wrong)) continue;
      const response = await secondStep(step, { code: wrong });
      statuses.push(response.statusCode);
      assert.equal(cookie(response, 'bulwark_session'), undefined);
      if (response.statusCode === 429) assert.ok(Number(response.headers['retry-after']) > 0);
    }
    assert.equal(statuses[0], 401);
    assert.equal(statuses.at(-1), 429);
    const right = await secondStep(step, { code: window[1]! });
    assert.equal(right.statusCode, 429, 'locked: even the right code is refused');
    assert.deepEqual(await app.db.selectFrom('sessions').select('id_hash').where('user_id', '=', gina).execute(), sessionsBefore);
    const failedAfter = (await app.db.selectFrom('events').select('id').where('type', '=', 'mfa:failed').execute()).length;
    assert.equal(failedAfter - failedBefore, 21, 'every refused attempt is logged');
  });

  test('the WebAuthn scripts are served from /static/ with hashed URLs, and only WebAuthn pages allow them', async () => {
    const { csrfCookie, csrf } = await openLogin();
    const passkey = await app.http.inject({
      method: 'POST',
      url: '/account/login/passkey',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrf }),
    });
    assert.equal(passkey.statusCode, 200);
    assert.match(passkey.headers['content-security-policy'] as string, /script-src 'self'(;|$)/);
    assert.doesNotMatch(passkey.headers['content-security-policy'] as string, /unsafe-inline/);
    assert.doesNotMatch(passkey.body, /<script>/, 'no inline script');
    const srcs = [...passkey.body.matchAll(/<script src="([^"]+)" defer><\/script>/g)].map((m) => m[1]!);
    assert.equal(srcs.length, 2);
    for (const src of srcs) {
      assert.match(src, /^\/static\/[a-z-]+\.js\?v=[\w-]{12}$/);
      const script = await app.http.inject({ method: 'GET', url: src });
      assert.equal(script.statusCode, 200);
      assert.match(script.headers['content-type'] as string, /^text\/javascript/);
      assert.match(script.headers['cache-control'] as string, /immutable/);
    }
    const challenge = cookie(passkey, 'bulwark_webauthn')!;
    assert.equal(challenge.httpOnly, true);
    assert.equal(challenge.sameSite, 'Strict');
    const options = JSON.parse(/data-options="([^"]+)"/.exec(passkey.body)![1]!.replace(/&quot;/g, '"')) as { rpId: string; userVerification: string };
    assert.equal(options.rpId, 'registry.example.test');
    assert.equal(options.userVerification, 'required');

    // A forged assertion is refused; no session.
    const forged = await app.http.inject({
      method: 'POST',
      url: '/account/login/passkey/verify',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}; bulwark_webauthn=${challenge.value}` },
      payload: form({ _csrf: csrf, credential: JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} }) }),
    });
    assert.equal(forged.statusCode, 401);
    assert.equal(cookie(forged, 'bulwark_session'), undefined);
  });
});
