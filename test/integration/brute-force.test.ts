// Attacks on passwords (issue 4, items 5): 50 wrong passwords for one account are refused,
// locked (429 with Retry-After) and logged, and nothing else changes — the right password too
// is refused while locked; an unknown name locks the same way; user enumeration through web
// sign-in, npm's couch login and HTTP Basic finds nothing (same status and bytes, one argon2
// verification on both paths).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { passwordVerifications } from '../../src/accounts/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import { cookie, csrfOf, FORM, form } from '../web/forms.js';

// On both storage pairs: the lockout counters live in the database (SQLite or PostgreSQL).
for (const storage of storagePairs) describe(`brute force and enumeration (${storage})`, () => {
  let t: TestApp;
  let dora: { id: number; token: string };
  before(async () => {
    t = await createTestApp({ storage });
    await t.createUser('alice', 'alice-password-long');
    await t.createUser('bob', 'bob-password-long');
    await t.createUser('carol', 'carol-password-long');
    dora = await t.createUser('dora', 'dora-password-long');
  });
  after(async () => t?.close());

  const couchLogin = (name: string, password: string) =>
    fetch(`${t.url}/-/user/org.couchdb.user:${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] }),
    });
  const basic = (name: string, password: string) =>
    fetch(`${t.url}/-/whoami`, { headers: { authorization: `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}` } });

  test('50 wrong passwords: 10 refusals, then locked (429, Retry-After) even for the right password; logged; nothing else changes', async () => {
    const rowsBefore = await t.rowCounts();
    const eventsBefore = (await t.events()).length;
    const statuses: number[] = [];
    let locked: Response | undefined;
    for (let i = 0; i < 50; i++) {
      const response = await couchLogin('alice', `wrong-password-${i}`);
      statuses.push(response.status);
      if (response.status === 429) locked = response;
      else await response.body?.cancel();
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), ...Array(40).fill(429)]);
    assert.ok(locked);
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = await locked.json();
    assert.equal(body.code, 'TOO_MANY_ATTEMPTS');
    assert.match(body.error, /Too many failed attempts\. Try again in/);

    const right = await couchLogin('alice', 'alice-password-long');
    assert.equal(right.status, 429);
    assert.equal((await right.json()).code, 'TOO_MANY_ATTEMPTS');
    const viaBasic = await basic('alice', 'alice-password-long');
    assert.equal(viaBasic.status, 429);
    assert.ok(Number(viaBasic.headers.get('retry-after')) > 0);

    // Logged: one failure event per checked attempt and the lockout; nothing else written.
    const events = (await t.events()).slice(eventsBefore);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.subject}`),
      [...Array(10).fill('user:login-failed user:alice'), 'user:locked user:alice'],
    );
    const lockedEvent = await t.app.db.selectFrom('events').select('data').where('type', '=', 'user:locked').executeTakeFirstOrThrow();
    const alice = await t.app.accounts.getUserByName('alice');
    assert.deepEqual(JSON.parse(lockedEvent.data), { userId: alice!.id, kind: 'password', seconds: 60 });
    const rowsAfter = await t.rowCounts();
    assert.deepEqual({ ...rowsAfter, events: 0 }, { ...rowsBefore, events: 0 });
  });

  test('an unknown name is refused and locked exactly like a real one (no user:locked event: nobody to tell)', async () => {
    const eventsBefore = (await t.events()).length;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await couchLogin('mallory', `wrong-password-${i}`);
      statuses.push(response.status);
      if (i === 11) {
        const lockedBody = await response.json();
        assert.equal(lockedBody.code, 'TOO_MANY_ATTEMPTS');
        assert.ok(Number(response.headers.get('retry-after')) > 0);
      } else await response.body?.cancel();
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    const events = (await t.events()).slice(eventsBefore);
    assert.deepEqual([...new Set(events.map((e) => `${e.type} ${e.subject}`))], ['user:login-failed user:mallory']);
    assert.equal(events.length, 10);
  });

  test('web sign-in: locked shows the form again with 429, Retry-After and the reason', async () => {
    const page = await t.app.http.inject({ method: 'GET', url: '/account/login' });
    const csrf = csrfOf(page.body);
    const csrfCookie = cookie(page, 'bulwark_csrf')!;
    const post = (password: string) =>
      t.app.http.inject({
        method: 'POST',
        url: '/account/login',
        headers: { ...FORM, cookie: `${csrfCookie.name}=${csrfCookie.value}` },
        payload: form({ _csrf: csrf, name: 'carol', password }),
      });
    for (let i = 0; i < 10; i++) assert.equal((await post(`wrong-password-${i}`)).statusCode, 401);
    const locked = await post('carol-password-long');
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.match(locked.body, /Too many failed attempts/);
    assert.equal(cookie(locked, 'bulwark_session'), undefined);
  });

  test('every password site shares the count: token creation and the password-change page lock Basic too', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${t.url}/-/npm/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dora.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ password: `wrong-password-${i}` }),
      });
      assert.equal(response.status, 401);
    }
    const page = await t.app.http.inject({ method: 'GET', url: '/account/login' });
    const signedIn = await t.app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${cookie(page, 'bulwark_csrf')!.value}` },
      payload: form({ _csrf: csrfOf(page.body), name: 'dora', password: 'dora-password-long' }),
    });
    const session = cookie(signedIn, 'bulwark_session')!.value;
    // That success cleared the count: five more here and five on the password page lock.
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${t.url}/-/npm/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dora.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ password: `wrong-password-${i}` }),
      });
      assert.equal(response.status, 401);
    }
    const passwordPage = await t.app.http.inject({ method: 'GET', url: '/account/password', cookies: { bulwark_session: session } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await t.app.http.inject({
        method: 'POST',
        url: '/account/password',
        headers: FORM,
        cookies: { bulwark_session: session },
        payload: form({ _csrf: csrfOf(passwordPage.body), current: `wrong-password-${i}`, password: 'dora-new-passphrase', confirm: 'dora-new-passphrase' }),
      });
      statuses.push(response.statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    assert.equal((await basic('dora', 'dora-password-long')).status, 429);
    const tokenWhileLocked = await fetch(`${t.url}/-/npm/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dora.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'dora-password-long' }),
    });
    assert.equal(tokenWhileLocked.status, 429);
    assert.ok(Number(tokenWhileLocked.headers.get('retry-after')) > 0);
  });

  describe('no user enumeration', () => {
    // Each probe: its response, and how many argon2 verifications it cost.
    async function probe(send: () => Promise<{ status: number; body: string }>) {
      const before = passwordVerifications();
      const result = await send();
      return { ...result, verifications: passwordVerifications() - before };
    }

    test('npm couch login: same status and bytes, one argon2 verification each', async () => {
      const wrong = await probe(async () => {
        const r = await couchLogin('bob', 'not-bobs-password');
        return { status: r.status, body: await r.text() };
      });
      const unknown = await probe(async () => {
        const r = await couchLogin('zed', 'not-zeds-password');
        return { status: r.status, body: await r.text() };
      });
      assert.equal(wrong.status, 401);
      assert.deepEqual(unknown, wrong);
      assert.equal(wrong.verifications, 1);
    });

    test('HTTP Basic: same status, headers and bytes, one argon2 verification each', async () => {
      const send = (name: string) => async () => {
        const r = await basic(name, 'not-the-password');
        return { status: r.status, body: `${r.headers.get('www-authenticate')} ${await r.text()}` };
      };
      const wrong = await probe(send('bob'));
      const unknown = await probe(send('zed'));
      assert.equal(wrong.status, 401);
      assert.deepEqual(unknown, wrong);
      assert.equal(wrong.verifications, 1);
    });

    test('web sign-in: same status and bytes (but for the echoed name), one argon2 verification each', async () => {
      const page = await t.app.http.inject({ method: 'GET', url: '/account/login' });
      const csrf = csrfOf(page.body);
      const cookies = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const send = (name: string) => async () => {
        const r = await t.app.http.inject({
          method: 'POST',
          url: '/account/login',
          headers: { ...FORM, cookie: cookies },
          payload: form({ _csrf: csrf, name, password: 'not-the-password' }),
        });
        return { status: r.statusCode, body: r.body.replaceAll(`value="${name}"`, 'value="NAME"') };
      };
      const wrong = await probe(send('bob'));
      const unknown = await probe(send('zed'));
      assert.equal(wrong.status, 401);
      assert.match(wrong.body, /Incorrect user name or password/);
      assert.deepEqual(unknown, wrong);
      assert.equal(wrong.verifications, 1);
    });
  });
});
