// Trusted publishing the way PyPI clients do it, against a real OIDC issuer on 127.0.0.1: ask the
// audience, exchange a GitHub-shaped ID token at /_/oidc/mint-token, then upload with the real
// twine as __token__. twine 4 cannot do the exchange itself against a local server (it only
// tries for pypi.org URLs), so the exchange is plain HTTP, exactly as the publishing action sends it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { startOidcIssuer, type OidcIssuer } from '../../helpers/oidc-issuer.js';
import { assertRan, buildDistributions, twineUpload } from '../../helpers/python-clients.js';
import type { UserActor } from '../../../src/auth/index.js';

describe('PyPI trusted publishing', () => {
  let t: TestApp;
  let issuer: OidcIssuer;
  let alice: { id: number; token: string };

  const mint = (token: unknown) =>
    fetch(`${t.url}/_/oidc/mint-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });

  before(async () => {
    issuer = await startOidcIssuer({ path: '/gh', aud: 'pypi' });
    t = await createTestApp({ config: { oidcIssuers: { [issuer.url]: { provider: 'github' } } } });
    alice = await t.createUser('alice');
    const first = await buildDistributions({ name: 'bw_trusted', version: '1.0.0', value: 'one' });
    assertRan(await twineUpload(t.url, alice.token, [first.wheel]), 'first upload with a user token');
    const rules = t.app.ecosystems.find((e) => e.id === 'pypi')!.rules;
    const actor: UserActor = { kind: 'user', userId: alice.id, name: 'alice', isAdmin: false, via: 'session', tokenId: null, readonly: false, scope: null };
    const head = await t.app.registry.getHead(rules, 'bw-trusted', actor);
    await t.app.trust.addPublisher({ package: head, provider: 'github', claims: { repository: 'octo-org/octo-repo', workflow: 'release.yml' } }, actor);
  });
  after(async () => {
    await t?.close();
    await issuer?.close();
  });

  test('audience, exchange, upload with the minted token', async () => {
    assert.deepEqual(await (await fetch(`${t.url}/_/oidc/audience`)).json(), { audience: 'pypi' });
    const idToken = await issuer.githubToken();
    const response = await mint(idToken);
    assert.equal(response.status, 200);
    const minted = await response.json();
    assert.equal(minted.success, true);
    assert.match(minted.token, /^bwk_/);
    assert.ok(minted.expires * 1000 - Date.now() <= 15 * 60_000 + 5_000, 'a short-lived token');

    const next = await buildDistributions({ name: 'bw_trusted', version: '1.0.1', value: 'two' });
    assertRan(await twineUpload(t.url, minted.token, [next.wheel, next.sdist]), 'upload with the minted token');
    const json = await (await fetch(`${t.url}/pypi/bw-trusted/json`)).json();
    assert.deepEqual(Object.keys(json.releases), ['1.0.0', '1.0.1']);
    assert.ok((await t.events()).some((e) => e.type === 'trust:exchange' && e.subject === 'pypi:bw-trusted'));

    // The minted token uploads and does nothing else.
    const yank = await fetch(`${t.url}/pypi/bw-trusted/1.0.0/yank`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${minted.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'no' }),
    });
    assert.equal(yank.status, 403);

    // The same ID token is accepted once.
    const replay = await mint(idToken);
    assert.equal(replay.status, 422);
    assert.equal((await replay.json()).errors[0].code, 'invalid-reuse-token');
  });

  test('an ID token from another repository, a wrong audience, or garbage is refused', async () => {
    const cases: Array<[unknown, string]> = [
      [await issuer.githubToken({ repository: 'evil-org/octo-repo' }), 'invalid-publisher'],
      [await issuer.githubToken({ workflow: 'other.yml' }), 'invalid-publisher'],
      [await issuer.githubToken({ aud: 'npm:127.0.0.1' }), 'invalid-token'],
      ['not.a.jwt', 'invalid-payload'],
      [42, 'invalid-payload'],
    ];
    const before = await t.rowCounts();
    for (const [token, code] of cases) {
      const response = await mint(token);
      assert.equal(response.status, 422, String(code));
      const body = await response.json();
      assert.equal(body.message, 'Token request failed');
      assert.equal(body.errors[0].code, code);
    }
    assert.deepEqual(await t.rowCounts(), before, 'a refused exchange stores nothing');
  });
});
