// Deleting a PyPI release follows the core's unpublish policy and leaves a tombstone.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { buildWheel, upload, uploadForm } from '../helpers/pypi-dist.js';

describe('PyPI release deletion', () => {
  let t: TestApp;
  let now = Date.now();
  let alice: { token: string };
  let bob: { token: string };
  before(async () => {
    t = await createTestApp({ clock: { now: () => new Date(now) } });
    alice = await t.createUser('alice');
    bob = await t.createUser('bob');
  });
  after(async () => t?.close());

  const send = (name: string, version: string, token: string) => {
    const wheel = buildWheel({ name, version });
    return upload(t.url, uploadForm({ content: wheel.bytes, filename: wheel.filename, name, version }), token);
  };
  const remove = (name: string, version: string, token: string) =>
    fetch(`${t.url}/pypi/${name}/${version}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });

  test('an owner deletes a release; its files and number are gone for good', async () => {
    for (const version of ['1.0', '2.0']) assert.equal((await send('del-demo', version, alice.token)).status, 200);
    const blobsBefore = (await t.storedBlobs()).length;
    assert.equal((await remove('del-demo', '1.0', bob.token)).status, 403, 'not an owner');
    const response = await remove('del-demo', '1.0', alice.token);
    assert.equal(response.status, 200);
    const simple = await (await fetch(`${t.url}/simple/del-demo/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json();
    assert.deepEqual(simple.versions, ['2.0']);
    assert.ok((await t.storedBlobs()).length < blobsBefore, 'the deleted file\'s bytes are removed');
    const again = await send('del-demo', '1.0', alice.token);
    assert.equal(again.status, 403);
    assert.match(again.text, /VERSION_TOMBSTONED/);
    assert.ok((await t.events()).some((e) => e.type === 'version:unpublish' && e.subject === 'pypi:del-demo@1.0'));
  });

  test('after the unpublish window a release can only be yanked', async () => {
    assert.equal((await send('del-late', '1.0', alice.token)).status, 200);
    now += 73 * 3_600_000;
    const before = await t.rowCounts();
    const response = await remove('del-late', '1.0', alice.token);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /UNPUBLISH_WINDOW_CLOSED/);
    assert.deepEqual(await t.rowCounts(), before);
  });
});
