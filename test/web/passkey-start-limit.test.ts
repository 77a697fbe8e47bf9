// Starting a passkey sign-in (POST /account/login/passkey) stores a WebAuthn challenge and needs
// no account, so starts are counted per IP address (attempt kind `passkey-start`, 30 in 15
// minutes): the next one gets the sign-in form with 429 + Retry-After and stores nothing;
// another address is not affected.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { KIND_POLICIES } from '../../src/platform/rate-limit/index.js';
import { cookie, csrfOf, form, FORM, type Injected } from './forms.js';

const LIMIT = KIND_POLICIES['passkey-start']?.ip?.maxFailures ?? 0;

describe('passkey sign-in start limit', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t?.close();
  });

  async function startPasskey(ip: string): Promise<Injected> {
    const page = await t.app.http.inject({ method: 'GET', url: '/account/login', remoteAddress: ip });
    const csrf = cookie(page, 'bulwark_csrf');
    assert.ok(csrf);
    return t.app.http.inject({
      method: 'POST',
      url: '/account/login/passkey',
      remoteAddress: ip,
      headers: { ...FORM, cookie: `bulwark_csrf=${csrf.value}` },
      payload: form({ _csrf: csrfOf(page.body) }),
    });
  }

  const challenges = async () =>
    Number((await t.app.db.selectFrom('webauthn_challenges').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  test(`after ${LIMIT} starts from one address the next is refused (429, Retry-After) and stores no challenge`, async () => {
    assert.ok(LIMIT >= 10, 'a limit a person does not reach');
    const ip = '203.0.113.20';
    for (let i = 0; i < LIMIT; i++) {
      const started = await startPasskey(ip);
      assert.equal(started.statusCode, 200, `start ${i + 1}`);
      assert.ok(cookie(started, 'bulwark_webauthn'), 'a challenge handle');
    }
    assert.equal(await challenges(), LIMIT);

    const before = await t.rowCounts();
    const refused = await startPasskey(ip);
    assert.equal(refused.statusCode, 429);
    const retry = Number(refused.headers['retry-after']);
    assert.ok(retry > 0 && retry <= 15 * 60, `Retry-After ${String(refused.headers['retry-after'])}`);
    assert.match(refused.body, /Too many passkey sign-ins from your network\. Try again in 15 minutes\./);
    assert.match(refused.body, /<form method="post" action="\/account\/login"/, 'the sign-in form again');
    assert.equal(cookie(refused, 'bulwark_webauthn'), undefined);
    assert.equal(await challenges(), LIMIT);
    assert.deepEqual(await t.rowCounts(), before);

    // Another address still starts one.
    const other = await startPasskey('198.51.100.20');
    assert.equal(other.statusCode, 200);
    assert.equal(await challenges(), LIMIT + 1);
  });
});
