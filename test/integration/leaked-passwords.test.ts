// Leaked passwords (issue 4, item 6), against a real Pwned Passwords range server on 127.0.0.1:
// refused for new accounts and at password change (nothing written), and a sign-in with a
// leaked password succeeds only into a forced password change, logged as user:password-leaked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccountsService } from '../../src/accounts/index.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { LEAKED_PASSWORDS, startPwnedRangeServer, type PwnedRangeServer } from '../helpers/pwned-range-server.js';
import { cookie, csrfOf, FORM, form, type Injected } from '../web/forms.js';
import { postRegistration } from '../helpers/sign-up.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

describe('leaked passwords', () => {
  let t: TestApp;
  let range: PwnedRangeServer;
  before(async () => {
    range = await startPwnedRangeServer();
    t = await createTestApp({ config: { leakCheckUrl: range.url } });
    await t.createUser('alice', 'alice-password-long');
  });
  after(async () => {
    await t?.close();
    await range?.close();
  });

  async function signIn(name: string, password: string): Promise<Injected> {
    const page = await t.app.http.inject({ method: 'GET', url: '/account/login' });
    const csrfCookie = cookie(page, 'bulwark_csrf')!;
    return t.app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie.value}` },
      payload: form({ _csrf: csrfOf(page.body), name, password }),
    });
  }

  const couchLogin = (name: string, password: string) =>
    fetch(`${t.url}/-/user/org.couchdb.user:${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, password }),
    });

  test('a new account with a leaked password is refused (PASSWORD_LEAKED); nothing is written; only a prefix left', async () => {
    const rows = await t.rowCounts();
    range.requests.length = 0;
    await assert.rejects(
      t.app.accounts.createUser({ name: 'newbie', email: 'newbie@example.test', password: LEAKED_PASSWORDS[0] }),
      (error) => error instanceof BulwarkError && error.code === 'PASSWORD_LEAKED' && /leaked/.test(error.message),
    );
    assert.deepEqual(await t.rowCounts(), rows);
    assert.equal(range.requests.length, 1);
    assert.match(range.requests[0]!.path, /^\/range\/[0-9A-F]{5}$/);
    assert.equal(range.requests[0]!.headers['add-padding'], 'true');
  });

  test('sign-up on /account/register with a leaked password is refused with the reason; nothing is written or mailed', async () => {
    const rows = await t.rowCounts();
    const events = (await t.events()).length;
    const mailDir = join(t.app.config.dataDir, 'mail');
    const mails = async () => (await readdir(mailDir).catch(() => [])).length;
    const mailed = await mails();
    const response = await postRegistration(t.app, { name: 'leaky', email: 'leaky@example.test', password: LEAKED_PASSWORDS[3] });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /appears in a public list of passwords leaked/);
    assert.deepEqual(await t.rowCounts(), rows);
    assert.equal((await t.events()).length, events);
    assert.equal(await mails(), mailed);
    assert.equal(await t.app.accounts.getUserByName('leaky'), null);
    // The same address with a fresh password is taken.
    const ok = await postRegistration(t.app, { name: 'leaky', email: 'leaky@example.test', password: 'leaky-fresh-passphrase' });
    assert.equal(ok.statusCode, 200);
  });

  test('a password change to a leaked password is refused with the reason; the old password still works', async () => {
    const session = cookie(await signIn('alice', 'alice-password-long'), 'bulwark_session')!.value;
    const page = await t.app.http.inject({ method: 'GET', url: '/account/password', cookies: { bulwark_session: session } });
    const rows = await t.rowCounts();
    const events = (await t.events()).length;
    const response = await t.app.http.inject({
      method: 'POST',
      url: '/account/password',
      headers: FORM,
      cookies: { bulwark_session: session },
      payload: form({ _csrf: csrfOf(page.body), current: 'alice-password-long', password: LEAKED_PASSWORDS[1], confirm: LEAKED_PASSWORDS[1] }),
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /appears in a public list of passwords leaked/);
    assert.deepEqual(await t.rowCounts(), rows);
    assert.equal((await t.events()).length, events);
    assert.equal((await couchLogin('alice', 'alice-password-long')).status, 201);
  });

  test('signing in with a leaked password forces a change first, says why, and is logged', async () => {
    // An account from before the check (made without it) whose password is now known leaked.
    const unchecked = createAccountsService({ db: t.app.db, clock: t.app.clock });
    const dave = await unchecked.createUser({ name: 'dave', email: 'dave@example.test', password: LEAKED_PASSWORDS[2] });

    const signedIn = await signIn('dave', LEAKED_PASSWORDS[2]);
    assert.equal(signedIn.statusCode, 303);
    assert.match(String(signedIn.headers.location), /^\/account\/password/);
    const session = cookie(signedIn, 'bulwark_session')!.value;
    const events = await t.app.db.selectFrom('events').select(['type', 'subject', 'data']).where('type', '=', 'user:password-leaked').execute();
    assert.deepEqual(events.map((e) => [e.subject, JSON.parse(e.data)]), [['user:dave', { userId: dave.id }]]);

    // Elsewhere the account is stopped until the change.
    const couch = await couchLogin('dave', LEAKED_PASSWORDS[2]);
    assert.equal(couch.status, 403);
    assert.equal((await couch.json()).code, 'PASSWORD_CHANGE_REQUIRED');

    const page = await t.app.http.inject({ method: 'GET', url: '/account/password', cookies: { bulwark_session: session } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your password appears in a public list of passwords leaked from other sites/);
    // Another leaked one is refused; a fresh one is taken and clears the flag.
    const again = await t.app.http.inject({
      method: 'POST',
      url: '/account/password',
      headers: FORM,
      cookies: { bulwark_session: session },
      payload: form({ _csrf: csrfOf(page.body), password: LEAKED_PASSWORDS[3], confirm: LEAKED_PASSWORDS[3] }),
    });
    assert.equal(again.statusCode, 400);
    const changed = await t.app.http.inject({
      method: 'POST',
      url: '/account/password',
      headers: FORM,
      cookies: { bulwark_session: session },
      payload: form({ _csrf: csrfOf(page.body), password: 'dave-fresh-passphrase', confirm: 'dave-fresh-passphrase' }),
    });
    assert.equal(changed.statusCode, 303);
    const user = await t.app.accounts.getUserByName('dave');
    assert.equal(user?.mustChangePassword, false);
    assert.equal(user?.passwordLeaked, false);
    assert.equal((await couchLogin('dave', 'dave-fresh-passphrase')).status, 201);
  });

  test('when the range API is down, new passwords are accepted (fail open) and sign-in goes on', async () => {
    range.mode = 'error';
    try {
      const user = await t.app.accounts.createUser({ name: 'erin', email: 'erin@example.test', password: LEAKED_PASSWORDS[0] });
      assert.equal(user.name, 'erin');
      assert.equal((await couchLogin('erin', LEAKED_PASSWORDS[0])).status, 201);
    } finally {
      range.mode = 'ok';
    }
  });
});
