// The install path as npm and caches see it: both packument forms, conditional requests,
// compression, lengths, and restricted packages invisible to others. On both storage pairs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createNpmClient, writePackage, assertOk } from '../helpers/npm-cli.js';
import { storagePairs } from '../helpers/storage.js';

const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

for (const storage of storagePairs) {
  describe(`read path on ${storage}`, () => {
    let t: TestApp;
    let carol: { id: number; token: string };
    let dave: { id: number; token: string };

    before(async () => {
      t = await createTestApp({ storage });
      carol = await t.createUser('carol');
      dave = await t.createUser('dave');
      const npm = await createNpmClient(t.url);
      await npm.setToken(carol.token);
      const pub = await writePackage(
        { name: 'bw-read', version: '1.0.0', description: 'read path', scripts: { postinstall: 'node -e 0' }, dependencies: {} },
        { 'README.md': '# bw-read\n' },
      );
      assertOk(await npm.run(['publish'], { cwd: pub }), 'publish bw-read');
      const secret = await writePackage({ name: '@carol/secret', version: '1.0.0' });
      assertOk(await npm.run(['publish', '--access', 'restricted'], { cwd: secret }), 'publish @carol/secret');
    });
    after(async () => t?.close());

    test('full and abbreviated documents, each with its own ETag, Vary and Content-Length', async () => {
      // identity: fetch would otherwise ask for gzip and hide the compressed length it got.
      const full = await fetch(`${t.url}/bw-read`, { headers: { accept: 'application/json', 'accept-encoding': 'identity' } });
      const corgi = await fetch(`${t.url}/bw-read`, { headers: { accept: CORGI, 'accept-encoding': 'identity' } });
      assert.equal(full.headers.get('content-type'), 'application/json');
      assert.equal(corgi.headers.get('content-type'), 'application/vnd.npm.install-v1+json');
      assert.equal(full.headers.get('vary'), 'Accept, Accept-Encoding');
      assert.notEqual(full.headers.get('etag'), corgi.headers.get('etag'));
      const fullBody = await full.text();
      const corgiBody = await corgi.text();
      assert.equal(Number(full.headers.get('content-length')), Buffer.byteLength(fullBody));
      assert.equal(Number(corgi.headers.get('content-length')), Buffer.byteLength(corgiBody));
      const doc = JSON.parse(fullBody);
      const abbreviated = JSON.parse(corgiBody);
      assert.equal(doc._id, 'bw-read');
      assert.match(doc._rev, /^\d+-/);
      assert.ok(doc.time['1.0.0'] && doc.time.created && doc.time.modified);
      assert.deepEqual(Object.keys(abbreviated).sort(), ['dist-tags', 'modified', 'name', 'versions']);
      const v = abbreviated.versions['1.0.0'];
      assert.equal(v.hasInstallScript, true, 'worked out from the tarball scripts');
      assert.equal(v.scripts, undefined, 'scripts are not in the abbreviated form');
      assert.equal(v.dist.tarball, `${t.url}/bw-read/-/bw-read-1.0.0.tgz`);
      assert.equal(v.dist.fileCount, 3);
      assert.deepEqual(doc.versions['1.0.0'].dist.integrity, v.dist.integrity);
      assert.equal(doc.versions['1.0.0']._npmUser.name, 'carol');
    });

    test('the tarball matches its published integrity and is served immutable', async () => {
      const doc = await (await fetch(`${t.url}/bw-read`)).json();
      const dist = doc.versions['1.0.0'].dist;
      const tarball = await fetch(dist.tarball);
      assert.equal(tarball.status, 200);
      assert.equal(tarball.headers.get('content-type'), 'application/octet-stream');
      assert.match(tarball.headers.get('cache-control') ?? '', /immutable/);
      const bytes = Buffer.from(await tarball.arrayBuffer());
      assert.equal(`sha512-${createHash('sha512').update(bytes).digest('base64')}`, dist.integrity);
      assert.equal(createHash('sha1').update(bytes).digest('hex'), dist.shasum);
      const again = await fetch(dist.tarball, { headers: { 'if-none-match': tarball.headers.get('etag')! } });
      assert.equal(again.status, 304);
    });

    test('conditional requests answer 304, and any change gives a new ETag', async () => {
      const first = await fetch(`${t.url}/bw-read`, { headers: { accept: 'application/json' } });
      const etag = first.headers.get('etag')!;
      const cached = await fetch(`${t.url}/bw-read`, { headers: { accept: 'application/json', 'if-none-match': etag } });
      assert.equal(cached.status, 304);
      assert.equal(await cached.text(), '');
      const tagged = await fetch(`${t.url}/-/package/bw-read/dist-tags/stable`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${carol.token}`, 'content-type': 'application/json' },
        body: JSON.stringify('1.0.0'),
      });
      assert.equal(tagged.status, 200);
      const changed = await fetch(`${t.url}/bw-read`, { headers: { accept: 'application/json', 'if-none-match': etag } });
      assert.equal(changed.status, 200);
      assert.notEqual(changed.headers.get('etag'), etag);
      assert.equal((await changed.json())['dist-tags'].stable, '1.0.0');
    });

    test('gzip when asked, with the compressed length', async () => {
      const plain = await (await fetch(`${t.url}/bw-read`, { headers: { accept: 'application/json', 'accept-encoding': 'identity' } })).text();
      // undici's fetch decompresses transparently: use a raw request to see the wire bytes.
      const { request } = await import('node:http');
      const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = request(`${t.url}/bw-read`, { headers: { accept: 'application/json', 'accept-encoding': 'gzip,deflate' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(raw.headers['content-encoding'], 'gzip');
      assert.equal(Number(raw.headers['content-length']), raw.body.length);
      assert.equal(gunzipSync(raw.body).toString(), plain);
    });

    test('a restricted package is visible to its owner only; others get 404, not 403', async () => {
      const owner = await fetch(`${t.url}/@carol%2fsecret`, { headers: { authorization: `Bearer ${carol.token}` } });
      assert.equal(owner.status, 200);
      const tarballUrl = (await owner.json()).versions['1.0.0'].dist.tarball;
      for (const headers of [{}, { authorization: `Bearer ${dave.token}` }] as Array<Record<string, string>>) {
        const doc = await fetch(`${t.url}/@carol%2fsecret`, { headers });
        const tgz = await fetch(tarballUrl, { headers });
        assert.ok([401, 404].includes(doc.status), `document: ${doc.status}`);
        assert.ok([401, 404].includes(tgz.status), `tarball: ${tgz.status}`);
      }
      const asDave = await fetch(`${t.url}/@carol%2fsecret`, { headers: { authorization: `Bearer ${dave.token}` } });
      assert.equal(asDave.status, 404);
      const search = await (await fetch(`${t.url}/-/v1/search?text=secret`)).json();
      assert.equal(search.total, 0);
      assert.equal((await fetch(`${t.url}/-/v1/search?text=secret`, { headers: { authorization: `Bearer ${carol.token}` } }).then((r) => r.json())).total, 1);
      // Administrators read every package, in lists too (the policy's package:read rule).
      const admin = await t.tokenFor('admin');
      assert.equal((await fetch(`${t.url}/-/v1/search?text=secret`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.json())).total, 1);
      assert.equal((await fetch(`${t.url}/@carol%2fsecret`, { headers: { authorization: `Bearer ${admin}` } })).status, 200);
    });

    test('write=true always returns the full document, fresh', async () => {
      const response = await fetch(`${t.url}/bw-read?write=true`, { headers: { accept: CORGI } });
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.match(response.headers.get('cache-control') ?? '', /max-age=0/);
      assert.ok((await response.json())._rev);
    });

    test('unknown names: 404 for valid and invalid names alike', async () => {
      for (const url of ['/no-such-package', '/@scope%2fnothing', '/UPPER', '/no-such-package/-/no-such-package-1.0.0.tgz']) {
        const response = await t.app.http.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 404, url);
        assert.match(response.json().code, /NOT_FOUND/);
      }
      // Names a web page might have wanted are npm's: the packument route answers for them.
      for (const url of ['/login', '/search', '/logout', '/account', '/packages']) {
        const response = await t.app.http.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
        assert.equal(response.json().code, 'PACKAGE_NOT_FOUND', url);
      }
    });
  });
}
