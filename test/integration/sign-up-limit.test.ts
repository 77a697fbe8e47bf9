// Sign-ups are limited per IP address (BULWARK_SIGN_UPS_PER_HOUR): an address that made its
// allowance of sign-ups gets 429 with Retry-After on the form, whether the next sign-up is for a
// new address or one already registered (the same answer: no enumeration), and nothing is
// created or mailed. Other addresses are not affected, and neither are sign-ins.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp-server.js';
import { signIn } from '../helpers/sign-up.js';
import { cookie, csrfOf, form, FORM, type Injected } from '../web/forms.js';

const LIMIT = 3;

describe('sign-up limit per IP address', () => {
  let smtp: SmtpCapture;
  let t: TestApp;

  before(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ config: { smtpUrl: smtp.url, signUpsPerHour: LIMIT } });
  });
  after(async () => {
    await t?.close();
    await smtp?.close();
  });

  async function register(ip: string, name: string, email: string): Promise<Injected> {
    const page = await t.app.http.inject({ method: 'GET', url: '/account/register', remoteAddress: ip });
    const csrf = cookie(page, 'bulwark_csrf');
    assert.ok(csrf);
    const password = `${name}-password-long`;
    return t.app.http.inject({
      method: 'POST',
      url: '/account/register',
      remoteAddress: ip,
      headers: { ...FORM, cookie: `bulwark_csrf=${csrf.value}` },
      payload: form({ _csrf: csrfOf(page.body), name, email, password, confirm: password }),
    });
  }

  test(`after ${LIMIT} sign-ups an address is refused (429, Retry-After), new or taken email alike; nothing is created or mailed`, async () => {
    await t.app.accounts.createUser({ name: 'owner', email: 'owner@example.test', password: 'owner-password-long' });
    const ip = '203.0.113.7';
    // Each kind of outcome counts: a new account, an address already in use, a taken name.
    assert.equal((await register(ip, 'ann', 'ann@example.test')).statusCode, 200);
    await smtp.nextMessage({ to: 'ann@example.test' });
    assert.equal((await register(ip, 'ann2', 'owner@example.test')).statusCode, 200);
    await smtp.nextMessage({ to: 'owner@example.test' });
    assert.equal((await register(ip, 'owner', 'other@example.test')).statusCode, 409);

    const before = await t.rowCounts();
    const mails = smtp.received.length;
    const fresh = await register(ip, 'bob', 'bob@example.test');
    const taken = await register(ip, 'bob', 'owner@example.test');
    for (const response of [fresh, taken]) {
      assert.equal(response.statusCode, 429);
      const retry = Number(response.headers['retry-after']);
      assert.ok(retry > 0 && retry <= 3600, `Retry-After ${String(response.headers['retry-after'])}`);
      assert.match(response.body, /Too many sign-ups from your network\. Try again in 60 minutes\./);
      assert.match(response.body, /<form method="post" action="\/account\/register"/);
    }
    const strip = (body: string) => body.replace(/bob@example\.test|owner@example\.test/g, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, '');
    assert.equal(strip(taken.body), strip(fresh.body), 'the refusal does not tell a registered address from a new one');
    assert.deepEqual(await t.rowCounts(), before);
    assert.equal(smtp.received.length, mails);
    assert.equal(await t.app.accounts.getUserByName('bob'), null);

    // Another address may still sign up, and the limited one may still sign in.
    assert.equal((await register('198.51.100.9', 'bob', 'bob@example.test')).statusCode, 200);
    await smtp.nextMessage({ to: 'bob@example.test' });
    assert.ok(await signIn(t.app, 'ann', 'ann-password-long'));
  });
});
