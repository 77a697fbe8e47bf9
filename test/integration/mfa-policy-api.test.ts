// The MFA policy over HTTP, beyond npm's CLI flows: downloads counted per served GET (not HEAD)
// for npm tarballs and PyPI files, the critical-maintainers mode and the phishing-resistant
// flag, PyPI uploads (no OTP channel: a token created with a second factor), and the exemption
// of trusted publishing's minted tokens. Refusals leave the rows as they were.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { npmPublish, sendJson } from '../helpers/tarball.js';
import { buildWheel, uploadForm } from '../web/wheel.js';
import type { UserActor } from '../../src/auth/index.js';
import { storagePairs } from '../helpers/storage.js';

class TestClock {
  ms = Date.parse('2026-05-03T10:00:05Z');
  now = () => new Date(this.ms);
  nextStep() {
    this.ms += 30_000;
  }
}

for (const storage of storagePairs) describe(`MFA policy over the APIs on ${storage}`, () => {
  const clock = new TestClock();
  let t: TestApp;
  let erin: { id: number; name: string; token: string };
  let frank: { id: number; name: string; token: string };
  let secret: string;
  const code = () => generate({ secret, epoch: Math.floor(clock.ms / 1000) });

  const publishNpm = async (name: string, version: string, token: string, otp?: string) => {
    const { body } = await npmPublish({ name, version });
    return sendJson('PUT', `${t.url}/${name}`, body, token, otp ? { 'npm-otp': otp } : {});
  };
  const uploadWheel = (name: string, version: string, token: string) => {
    const wheel = buildWheel(name, version, { summary: 'test', readme: 'readme' });
    const { contentType, body } = uploadForm(name, version, wheel);
    return fetch(`${t.url}/legacy/`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` },
      body: new Uint8Array(body),
    }).then(async (r) => ({ status: r.status, text: await r.text(), filename: wheel.filename }));
  };
  const packageId = async (ecosystem: string, name: string) =>
    (await t.app.db.selectFrom('packages').select('id').where('ecosystem', '=', ecosystem).where('name', '=', name).executeTakeFirstOrThrow()).id;
  const mark = async (ecosystem: string, name: string, on: boolean) =>
    t.app.mfaPolicy.critical.setMarked({ packageId: await packageId(ecosystem, name), ecosystem, name }, on, null);

  before(async () => {
    t = await createTestApp({ clock, storage });
    erin = await t.createUser('erin');
    frank = await t.createUser('frank');
    const started = await t.app.mfa.startTotp(erin.id);
    secret = started.secret;
    await t.app.mfa.confirmTotp(erin.id, started.factorId, await code());
    clock.nextStep();
  });
  after(async () => t?.close());

  test('downloads: each served GET of an npm tarball or a PyPI file counts, HEAD does not', async () => {
    assert.equal((await publishNpm('dl-lib', '1.0.0', frank.token)).status, 201);
    const uploaded = await uploadWheel('dl-py', '1.0.0', frank.token);
    assert.equal(uploaded.status, 200, uploaded.text);
    const tarball = `${t.url}/dl-lib/-/dl-lib-1.0.0.tgz`;
    for (let i = 0; i < 2; i++) assert.equal((await fetch(tarball)).status, 200);
    assert.equal((await fetch(tarball, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${t.url}/pypi/files/dl-py/${uploaded.filename}`)).status, 200);
    await t.app.downloads.flush();
    const rows = await t.app.db.selectFrom('download_counts').selectAll().execute();
    const byPackage = Object.fromEntries(await Promise.all(rows.map(async (r) => [r.package_id, r.count])));
    assert.equal(byPackage[await packageId('npm', 'dl-lib')], 2);
    assert.equal(byPackage[await packageId('pypi', 'dl-py')], 1);
    assert.deepEqual([...new Set(rows.map((r) => r.day))], ['2026-05-03']);
    // The only downloaded npm package is within the top 1%.
    await t.app.mfaPolicy.critical.refresh();
    assert.equal(await t.app.mfaPolicy.critical.isCritical(await packageId('npm', 'dl-lib')), true);
  });

  test('critical-maintainers: owners of a critical package need MFA for every change, others do not', async () => {
    await t.app.mfaPolicy.setPolicy({ mode: 'critical-maintainers', criticalNeedsPhishingResistant: false }, { userId: null });
    // frank owns dl-lib (critical by downloads) and has no second factor.
    assert.equal(await t.app.mfaPolicy.requirementFor(frank.id, { packageId: null }), 'mfa');
    const before = await t.rowCounts();
    const refused = await publishNpm('frank-other', '1.0.0', frank.token);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.code, 'MFA_ENROLMENT_REQUIRED');
    assert.match(refused.json.error, /\/account\/mfa/);
    assert.deepEqual(await t.rowCounts(), before);
    // erin maintains nothing critical: no code needed.
    assert.equal(await t.app.mfaPolicy.requirementFor(erin.id, { packageId: null }), 'none');
    assert.equal((await publishNpm('erin-lib', '1.0.0', erin.token)).status, 201);
  });

  test('critical packages with the phishing-resistant flag: a TOTP code is not enough', async () => {
    await t.app.mfaPolicy.setPolicy({ mode: 'critical-maintainers', criticalNeedsPhishingResistant: true }, { userId: null });
    await mark('npm', 'erin-lib', true);
    const id = await packageId('npm', 'erin-lib');
    assert.equal(await t.app.mfaPolicy.requirementFor(erin.id, { packageId: id }), 'phishing-resistant');
    assert.equal(await t.app.mfaPolicy.requirementFor(erin.id, { account: true }), 'phishing-resistant');
    const before = await t.rowCounts();
    const refused = await publishNpm('erin-lib', '1.1.0', erin.token, await code());
    assert.equal(refused.status, 403);
    assert.equal(refused.json.code, 'MFA_ENROLMENT_REQUIRED');
    assert.match(refused.json.error, /phishing-resistant/);
    assert.deepEqual(await t.rowCounts(), before);
    await mark('npm', 'erin-lib', false);
  });

  test('PyPI under the policy: only a token created with a second factor uploads', async () => {
    await t.app.mfaPolicy.setPolicy({ mode: 'all-maintainers', criticalNeedsPhishingResistant: false }, { userId: null });
    const before = await t.rowCounts();
    const refused = await uploadWheel('erin-py', '1.0.0', erin.token);
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /MFA_TOKEN_REQUIRED/);
    assert.deepEqual(await t.rowCounts(), before);

    clock.nextStep();
    const created = await sendJson('POST', `${t.url}/-/npm/v1/tokens`, { password: 'erin-password-long' }, erin.token, { 'npm-otp': await code() });
    assert.equal(created.status, 200, created.text);
    const uploaded = await uploadWheel('erin-py', '1.0.0', created.json.token);
    assert.equal(uploaded.status, 200, uploaded.text);

    // Yanking is under the policy too: refused with the plain token, allowed with the factor one.
    const yank = (token: string) => sendJson('PUT', `${t.url}/pypi/erin-py/1.0.0/yank`, { reason: 'broken' }, token);
    const beforeYank = await t.rowCounts();
    const refusedYank = await yank(erin.token);
    assert.equal(refusedYank.status, 403);
    assert.match(refusedYank.text, /MFA_TOKEN_REQUIRED/);
    assert.deepEqual(await t.rowCounts(), beforeYank);
    assert.equal((await yank(created.json.token)).status, 200);
    assert.ok((await t.events()).some((e) => e.type === 'version:yank' && e.subject === 'pypi:erin-py@1.0.0'));
  });

  test("trusted publishing's minted tokens are exempt", async () => {
    const id = await packageId('npm', 'erin-lib');
    const actor: UserActor = { kind: 'user', userId: erin.id, name: 'erin', isAdmin: false, via: 'token', tokenId: null, readonly: false, scope: null };
    await assert.rejects(t.app.mfaPolicy.enforce({ ...actor }, { packageId: id }, 'otp'), { code: 'OTP_REQUIRED' });
    await t.app.mfaPolicy.enforce({ ...actor, publisherId: 'publisher-1' }, { packageId: id }, 'otp');
  });
});
