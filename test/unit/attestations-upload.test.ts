// PEP 740 end to end, in process: a trusted publisher's minted token uploads a wheel with
// attestations signed by a local Sigstore (@sigstore/mock), the provenance is served by the
// integrity API and linked from the simple index; every refusal stores nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startOidcIssuer, type OidcIssuer } from '../helpers/oidc-issuer.js';
import { buildWheel, sha256Of, storedState, upload, uploadForm, type Dist } from '../helpers/pypi-dist.js';
import { createSigstoreFixture, githubIdentity, SLSA_PREDICATE, type AttestOptions, type SigstoreFixture } from '../helpers/sigstore-fixtures.js';
import type { UserActor } from '../../src/auth/index.js';

const PROJECT = 'bw-attested';
const INTEGRITY = 'application/vnd.pypi.integrity.v1+json';

describe('PyPI uploads with PEP 740 attestations', () => {
  let t: TestApp;
  let issuer: OidcIssuer;
  let sigstore: SigstoreFixture;
  let dir: string;
  let alice: { id: number; token: string };
  let minted: string;
  let counter = 0;

  const wheel = (version = `2.0.${counter++}`) => buildWheel({ name: 'bw_attested', version });
  const versionOf = (dist: Dist) => dist.filename.split('-')[1]!;
  const send = (dist: Dist, attestations: unknown, token = minted) =>
    upload(
      t.url,
      uploadForm({
        content: dist.bytes,
        filename: dist.filename,
        name: PROJECT,
        version: versionOf(dist),
        fields: { attestations: typeof attestations === 'string' ? attestations : JSON.stringify(attestations) },
      }),
      token,
    );
  const attest = (dist: Dist, options: Partial<AttestOptions> = {}) =>
    sigstore.attest({ subjects: [{ name: dist.filename, sha256: sha256Of(dist.bytes) }], identity: githubIdentity(issuer.url), ...options });

  before(async () => {
    issuer = await startOidcIssuer({ path: '/gh', aud: 'pypi' });
    sigstore = await createSigstoreFixture();
    dir = mkdtempSync(join(tmpdir(), 'bulwark-attest-'));
    t = await createTestApp({ config: { oidcIssuers: { [issuer.url]: { provider: 'github' } }, sigstoreTrustedRoot: sigstore.writeTrustedRoot(dir) } });
    alice = await t.createUser('alice');
    const first = wheel('1.0.0');
    assert.equal((await upload(t.url, uploadForm({ content: first.bytes, filename: first.filename, name: PROJECT, version: '1.0.0' }), alice.token)).status, 200);
    const rules = t.app.ecosystems.find((e) => e.id === 'pypi')!.rules;
    const actor: UserActor = { kind: 'user', userId: alice.id, name: 'alice', isAdmin: false, via: 'session', tokenId: null, readonly: false, scope: null };
    const head = await t.app.registry.getHead(rules, PROJECT, actor);
    await t.app.trust.addPublisher({ package: head, provider: 'github', claims: { repository: 'octo-org/octo-repo', workflow: 'release.yml' } }, actor);
    const response = await fetch(`${t.url}/_/oidc/mint-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: await issuer.githubToken() }),
    });
    assert.equal(response.status, 200);
    minted = ((await response.json()) as { token: string }).token;
  });
  after(async () => {
    await t?.close();
    await issuer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a verified attestation is stored and served by the integrity API', async () => {
    const dist = wheel('1.1.0');
    const attestation = await attest(dist);
    const slsa = await attest(dist, { predicateType: SLSA_PREDICATE });
    const response = await send(dist, [attestation, slsa]);
    assert.equal(response.status, 200, response.text);

    const url = `${t.url}/integrity/${PROJECT}/1.1.0/${dist.filename}/provenance`;
    const simple = (await (await fetch(`${t.url}/simple/${PROJECT}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as {
      meta: Record<string, string>;
      files: Array<{ filename: string; provenance: string | null }>;
    };
    assert.equal(simple.meta['api-version'], '1.1');
    assert.equal(simple.files.find((f) => f.filename === dist.filename)!.provenance, url);
    assert.equal(simple.files.find((f) => f.filename.includes('1.0.0'))!.provenance, null);
    const html = await (await fetch(`${t.url}/simple/${PROJECT}/`)).text();
    assert.ok(html.includes(`data-provenance="${url}"`));

    for (const accept of [INTEGRITY, 'application/json', '*/*']) {
      const got = await fetch(url, { headers: { accept } });
      assert.equal(got.status, 200, accept);
      assert.equal(got.headers.get('vary'), 'Accept');
      assert.match(got.headers.get('content-type') ?? '', accept === 'application/json' ? /^application\/json/ : /^application\/vnd\.pypi\.integrity\.v1\+json/);
      assert.deepEqual(await got.json(), {
        version: 1,
        attestation_bundles: [
          { publisher: { kind: 'GitHub', repository: 'octo-org/octo-repo', workflow: 'release.yml', environment: null }, attestations: [attestation, slsa] },
        ],
      });
    }
    const refusedType = await fetch(url, { headers: { accept: 'text/html' } });
    assert.equal(refusedType.status, 406);
    assert.deepEqual(await refusedType.json(), { message: 'Request not acceptable' });
    const none = `${t.url}/integrity/${PROJECT}/1.0.0/bw_attested-1.0.0-py3-none-any.whl/provenance`;
    const missing = await fetch(none, { headers: { accept: INTEGRITY } });
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { message: 'No provenance available for bw_attested-1.0.0-py3-none-any.whl' });
    const wrongVersion = await fetch(`${t.url}/integrity/${PROJECT}/9.9/${dist.filename}/provenance`, { headers: { accept: INTEGRITY } });
    assert.equal(wrongVersion.status, 404);
  });

  const refusals: Array<[string, (dist: Dist) => Promise<unknown>, string, RegExp]> = [
    ['wrong subject name', async (d) => [await sigstore.attest({ subjects: [{ name: 'bw_attested-9.9-py3-none-any.whl', sha256: sha256Of(d.bytes) }], identity: githubIdentity(issuer.url) })], 'ATTESTATION_INVALID', /is about "bw_attested-9\.9/],
    ['wrong digest', async (d) => [await sigstore.attest({ subjects: [{ name: d.filename, sha256: sha256Of(Buffer.from('other')) }], identity: githubIdentity(issuer.url) })], 'ATTESTATION_INVALID', /subject digest that does not match/],
    ['two subjects', async (d) => [await sigstore.attest({ subjects: [{ name: d.filename, sha256: sha256Of(d.bytes) }, { name: 'x.whl', sha256: sha256Of(d.bytes) }], identity: githubIdentity(issuer.url) })], 'ATTESTATION_INVALID', /exactly one subject/],
    ['disallowed predicate type', async (d) => [await attest(d, { predicateType: 'https://example.test/predicate/v1' })], 'ATTESTATION_INVALID', /unsupported predicate type/],
    ['duplicate predicate types', async (d) => [await attest(d), await attest(d)], 'ATTESTATION_INVALID', /same predicate type/],
    ['three attestations', async (d) => [await attest(d), await attest(d, { predicateType: SLSA_PREDICATE }), await attest(d)], 'ATTESTATION_INVALID', /at most 2 attestations/],
    ['an empty list', async () => [], 'ATTESTATION_INVALID', /empty attestation set/],
    ['not JSON', async () => '[{', 'ATTESTATION_INVALID', /JSON list/],
    ['a bad signature', async (d) => [await attest(d, { badSignature: true })], 'ATTESTATION_INVALID', /could not be verified against the trusted Sigstore root/],
    ['a certificate from an untrusted CA', async (d) => [await attest(d, { ca: 'untrusted' })], 'ATTESTATION_INVALID', /could not be verified against the trusted Sigstore root/],
    ['another repository signed it', async (d) => [await attest(d, { identity: githubIdentity(issuer.url, 'evil-org/octo-repo') })], 'ATTESTATION_INVALID', /Source Repository URI does not match the trusted publisher/],
    ['a user token, not a trusted publisher', async (d) => [await attest(d)], 'ATTESTATIONS_UNSUPPORTED', /only supported when using Trusted Publishing/],
  ];
  for (const [name, build, code, message] of refusals) {
    test(`refused: ${name} (400 ${code}), nothing stored`, async () => {
      const dist = wheel();
      const attestations = await build(dist);
      const before = await storedState(t);
      const response = await send(dist, attestations, code === 'ATTESTATIONS_UNSUPPORTED' ? alice.token : minted);
      assert.equal(response.status, 400, response.text);
      assert.ok(response.text.includes(`[${code}]`), response.text);
      assert.match(response.text, /^Invalid attestations supplied during upload: /);
      assert.match(response.text, message);
      assert.deepEqual(await storedState(t), before, 'a refused upload stores nothing');
      const files = await fetch(`${t.url}/pypi/${PROJECT}/json`).then((r) => r.json() as Promise<{ releases: Record<string, unknown> }>);
      assert.ok(!(versionOf(dist) in files.releases));
    });
  }
});
