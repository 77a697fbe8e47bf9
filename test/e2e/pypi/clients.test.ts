// The real Python clients against Bulwark, on each storage pair: build a wheel and an sdist with
// setuptools, upload both with twine, install with pip into a fresh virtualenv with
// --require-hashes, download with --no-deps, and yank a release that pip then skips unless pinned.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { storagePairs } from '../../helpers/storage.js';
import { assertRan, buildDistributions, createVenv, twineUpload, type Venv } from '../../helpers/python-clients.js';

const sha256Of = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

for (const storage of storagePairs) {
  describe(`pip and twine on ${storage}`, () => {
    let t: TestApp;
    let alice: { token: string };
    let v1: { wheel: string; sdist: string };
    let v2: { wheel: string; sdist: string };
    let venv: Venv;

    before(async () => {
      t = await createTestApp({ storage });
      alice = await t.createUser('alice');
      [v1, v2, venv] = await Promise.all([
        buildDistributions({ name: 'bw_demo', version: '1.0.0', value: 'one' }),
        buildDistributions({ name: 'bw_demo', version: '1.0.1', value: 'two' }),
        createVenv(),
      ]);
    });
    after(async () => t?.close());

    test('upload, install with hashes, download, yank', async (s) => {
      const index = `${t.url}/simple/`;

      await s.test('twine uploads a wheel and an sdist; --skip-existing passes over a duplicate', async () => {
        assertRan(await twineUpload(t.url, alice.token, [v1.wheel, v1.sdist, v2.wheel, v2.sdist]), 'twine upload');
        const again = await twineUpload(t.url, alice.token, [v1.sdist], ['--skip-existing']);
        assertRan(again, 'twine upload --skip-existing');
        const json = await (await fetch(`${t.url}/pypi/bw-demo/json`)).json();
        assert.deepEqual(Object.keys(json.releases), ['1.0.0', '1.0.1']);
        assert.deepEqual(
          json.releases['1.0.0'].map((f: { filename: string }) => f.filename).sort(),
          ['bw_demo-1.0.0-py3-none-any.whl', 'bw_demo-1.0.0.tar.gz'],
        );
        assert.equal(json.info.version, '1.0.1');
        assert.equal(json.info.requires_python, '>=3.8');
        const uploads = (await t.events()).filter((e) => e.type === 'version:publish' || e.type === 'file:upload');
        assert.equal(uploads.length, 4, 'the skipped duplicate stored nothing');
      });

      await s.test('twine without --skip-existing reports the duplicate with PyPI\'s wording', async () => {
        const other = await buildDistributions({ name: 'bw_demo', version: '1.0.0', value: 'changed' });
        const result = await twineUpload(t.url, alice.token, [other.wheel]);
        assert.notEqual(result.code, 0);
        assert.match(result.output, /File already exists/);
      });

      await s.test('pip installs from Bulwark with --require-hashes', async () => {
        const requirements = join(venv.dir, 'requirements.txt');
        await writeFile(requirements, `bw-demo==1.0.0 --hash=sha256:${await sha256Of(v1.wheel)}\n`);
        const install = await venv.pip(['install', '--index-url', index, '--require-hashes', '-r', requirements]);
        assertRan(install, 'pip install --require-hashes');
        const imported = await venv.python('import bw_demo; print(bw_demo.VALUE)');
        assert.equal(imported.output.trim(), 'one');
        // A wrong hash is refused by pip against what Bulwark serves.
        await writeFile(requirements, `bw-demo==1.0.1 --hash=sha256:${'0'.repeat(64)}\n`);
        const refused = await venv.pip(['install', '--index-url', index, '--require-hashes', '-r', requirements]);
        assert.notEqual(refused.code, 0);
        assert.match(refused.output, /THESE PACKAGES DO NOT MATCH THE HASHES/);
      });

      await s.test('pip download --no-deps fetches the exact bytes uploaded', async () => {
        const target = join(venv.dir, 'downloads');
        assertRan(await venv.pip(['download', '--no-deps', '--index-url', index, '-d', target, 'bw-demo==1.0.1']), 'pip download');
        const files = await readdir(target);
        assert.deepEqual(files, ['bw_demo-1.0.1-py3-none-any.whl']);
        assert.equal(await sha256Of(join(target, files[0]!)), await sha256Of(v2.wheel));
      });

      await s.test('a yanked release is skipped unless pinned exactly', async () => {
        const yank = await fetch(`${t.url}/pypi/bw-demo/1.0.1/yank`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'broken build' }),
        });
        assert.equal(yank.status, 200);
        const fresh = await createVenv();
        assertRan(await fresh.pip(['install', '--index-url', index, 'bw-demo']), 'pip install (unpinned)');
        assert.equal((await fresh.python('import bw_demo; print(bw_demo.VALUE)')).output.trim(), 'one');
        const pinned = await fresh.pip(['install', '--index-url', index, 'bw-demo==1.0.1']);
        assertRan(pinned, 'pip install (pinned to the yanked release)');
        assert.match(pinned.output, /yanked/i);
        assert.match(pinned.output, /broken build/);
        assert.equal((await fresh.python('import bw_demo; print(bw_demo.VALUE)')).output.trim(), 'two');
        assert.ok((await t.events()).some((e) => e.type === 'version:yank'));
      });
    });
  });
}
