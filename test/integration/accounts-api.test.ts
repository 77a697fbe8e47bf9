// The npm account endpoints over plain HTTP: legacy login, no user enumeration, token rules.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });

describe('npm account API', () => {
  let t: TestApp;
  let alice: { id: number; token: string };

  before(async () => {
    t = await createTestApp();
    alice = await t.createUser('alice', 'alice-password-long');
  });
  after(async () => t?.close());

  const couchLogin = (name: string, password: string) =>
    fetch(`${t.url}/-/user/org.couchdb.user:${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] }),
    });

  test('legacy login returns a token that works', async () => {
    const response = await couchLogin('alice', 'alice-password-long');
    assert.equal(response.status, 201);
    const body = await response.json();
    assert.equal(body.ok, true);
    assert.match(body.token, /^bwk_[0-9A-Za-z]{49}$/);
    const who = await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${body.token}` } });
    assert.deepEqual(await who.json(), { username: 'alice' });
  });

  test('unknown user and wrong password are indistinguishable, and both are logged', async () => {
    const before = (await t.events()).filter((e) => e.type === 'user:login-failed').length;
    const wrong = await couchLogin('alice', 'not-alices-password');
    const unknown = await couchLogin('mallory', 'whatever-password');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), unknown.headers.get('www-authenticate'));
    assert.deepEqual(await wrong.json(), await unknown.json());
    const after = (await t.events()).filter((e) => e.type === 'user:login-failed').length;
    assert.equal(after, before + 2);
  });

  test('basic credentials authenticate; bad ones are refused, not treated as anonymous', async () => {
    const good = Buffer.from('alice:alice-password-long').toString('base64');
    const ok = await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Basic ${good}` } });
    assert.deepEqual(await ok.json(), { username: 'alice' });
    const bad = Buffer.from('alice:wrong-password-here').toString('base64');
    const refused = await fetch(`${t.url}/-/ping`, { headers: { authorization: `Basic ${bad}` } });
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).code, 'CREDENTIALS_INVALID');
  });

  test('anonymous whoami and a malformed token are refused with distinct codes', async () => {
    const anonymous = await fetch(`${t.url}/-/whoami`);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).code, 'AUTH_REQUIRED');
    const forged = await fetch(`${t.url}/-/whoami`, { headers: { authorization: 'Bearer bwk_forged' } });
    assert.equal(forged.status, 401);
    assert.equal(forged.headers.get('www-authenticate'), 'Bearer realm="bulwark"');
    assert.equal((await forged.json()).code, 'TOKEN_INVALID');
  });

  test('creating a token needs the password, and a read-only token cannot create any', async () => {
    const auth = { authorization: `Bearer ${alice.token}` };
    const noPassword = await fetch(`${t.url}/-/npm/v1/tokens`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'nope' }) });
    assert.equal(noPassword.status, 401);
    const readonlyToken = await t.tokenFor('alice', { readonly: true });
    const fromReadonly = await fetch(`${t.url}/-/npm/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readonlyToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'alice-password-long' }),
    });
    assert.equal(fromReadonly.status, 403);
    assert.equal((await fromReadonly.json()).code, 'TOKEN_READ_ONLY');
    const orgs = await fetch(`${t.url}/-/npm/v1/tokens`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'alice-password-long', orgs: ['acme'] }),
    });
    assert.equal((await orgs.json()).code, 'TOKEN_ORGS_UNSUPPORTED');
  });

  test('a token limited to another address range is refused from here', async () => {
    const response = await fetch(`${t.url}/-/npm/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, ...{ 'content-type': 'application/json' } },
      body: JSON.stringify({ password: 'alice-password-long', cidr_whitelist: ['10.0.0.0/8'] }),
    });
    assert.equal(response.status, 200);
    const { token, cidr_whitelist } = await response.json();
    assert.deepEqual(cidr_whitelist, ['10.0.0.0/8']);
    const elsewhere = await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(elsewhere.status, 401);
  });

  test('the web login poll yields a token once, and only after approval', async () => {
    const start = await (await fetch(`${t.url}/-/v1/login`, { method: 'POST', ...json({}) })).json();
    assert.match(start.loginUrl, /\/account\/cli-login\/[A-Za-z0-9_-]+$/);
    const pending = await fetch(start.doneUrl);
    assert.equal(pending.status, 202);
    assert.equal(pending.headers.get('retry-after'), '1');
    const id = start.loginUrl.split('/').pop();
    await t.app.accounts.approveCliLogin(id, alice.id);
    const done = await fetch(start.doneUrl, { method: 'PUT', ...json('1.0.0') });
    assert.equal(done.status, 200);
    assert.match((await done.json()).token, /^bwk_/);
    const again = await fetch(start.doneUrl);
    assert.equal(again.status, 404);
    assert.equal((await again.json()).code, 'CLI_LOGIN_NOT_FOUND');
  });

  test('logout revokes exactly the token it names', async () => {
    const { token } = await (await couchLogin('alice', 'alice-password-long')).json();
    const response = await fetch(`${t.url}/-/user/token/${encodeURIComponent(token)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    assert.equal((await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    assert.equal((await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${alice.token}` } })).status, 200);
  });
});
