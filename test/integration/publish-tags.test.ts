// Which tags a publish leaves: a package always has `latest`, whatever tag its first version
// was published under; later publishes under another tag leave `latest` alone.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { npmPublish, putJson, escapeName } from '../helpers/tarball.js';

describe('tags set by publishing', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await createTestApp();
    token = (await t.createUser('tagger')).token;
  });
  after(async () => t?.close());

  const tagsOf = async (name: string) => (await (await fetch(`${t.url}/-/package/${escapeName(name)}/dist-tags`)).json()) as Record<string, string>;

  test('a first publish under --tag beta also sets latest', async () => {
    const { body } = await npmPublish({ name: 'bw-first-beta', version: '1.0.0-beta.1' }, { tag: 'beta' });
    assert.equal((await putJson(`${t.url}/bw-first-beta`, body, token)).status, 201);
    assert.deepEqual(await tagsOf('bw-first-beta'), { beta: '1.0.0-beta.1', latest: '1.0.0-beta.1' });
  });

  test('a later publish under another tag leaves latest where it was', async () => {
    for (const [version, tag] of [['1.0.0', 'latest'], ['2.0.0-rc.1', 'next']] as const) {
      const { body } = await npmPublish({ name: 'bw-later-tag', version }, { tag });
      assert.equal((await putJson(`${t.url}/bw-later-tag`, body, token)).status, 201);
    }
    assert.deepEqual(await tagsOf('bw-later-tag'), { latest: '1.0.0', next: '2.0.0-rc.1' });
  });
});
