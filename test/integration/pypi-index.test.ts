// The read side pip and tools use, after real uploads through /legacy/: the simple API in JSON
// (PEP 691) and HTML (PEP 503), PEP 658 core metadata, PEP 700 fields, negotiation, redirects to
// normalized URLs, ETags, the JSON API, and yanking (PEP 592). On both storage pairs.
//
// A wheel and an sdist of `Idx_Demo` 1.0 are uploaded once (before) and only read afterwards;
// tests that change a project (yank, new uploads, access) use a project of their own.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import {
  basicToken,
  buildSdist,
  buildWheel,
  digestsOf,
  sha256Of,
  storedState,
  uploadDist,
  type Dist,
} from '../helpers/pypi-dist.js';

const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';
/** What pip 23.2 sends for index pages (captured). */
const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
const UPLOAD_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const REQUIRES_DIST = ['requests>=2.0', 'rich>=13; extra == "pretty"'];

interface Page {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Page> {
  const response = await fetch(url, { headers, redirect: 'manual' });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function getBytes(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The anchor for `filename` in a simple HTML page, with its attributes. */
function anchorFor(html: string, filename: string): { href: string; attributes: Record<string, string>; raw: string } {
  const anchors = [...html.matchAll(/<a\s([^>]*)>([^<]*)<\/a>/g)];
  const found = anchors.find((m) => m[2] === filename);
  assert.ok(found, `an anchor for ${filename} in:\n${html}`);
  const attributes: Record<string, string> = {};
  for (const m of found[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)) attributes[m[1]!] = m[2]!;
  return { href: attributes.href ?? '', attributes, raw: found[0] };
}

for (const storage of storagePairs) {
  describe(`PyPI index and JSON API on ${storage}`, () => {
    let t: TestApp;
    let alice: { id: number; token: string };
    let bob: { id: number; token: string };
    let wheel: Dist;
    let sdist: Dist;

    /** An upload that must succeed. */
    async function uploaded(dist: Dist, name: string, version: string, token = alice.token) {
      const response = await uploadDist(t.url, dist, token, name, version);
      assert.equal(response.status, 200, `upload ${dist.filename}: ${response.statusText} ${response.text}`);
    }

    /** A project of its own with one wheel, for tests that change it. */
    async function project(name: string, version = '1.0', metadata = {}) {
      const dist = buildWheel({ name, version, metadata });
      await uploaded(dist, name, version);
      return dist;
    }

    const yank = (project: string, version: string, body: unknown, token: string | undefined, method: 'PUT' | 'DELETE' = 'PUT') =>
      fetch(`${t.url}/pypi/${project}/${version}/yank`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    before(async () => {
      t = await createTestApp({ storage });
      alice = await t.createUser('alice');
      bob = await t.createUser('bob');
      wheel = buildWheel({
        name: 'Idx_Demo',
        version: '1.0',
        metadata: { 'Requires-Dist': REQUIRES_DIST, 'Provides-Extra': 'pretty', Summary: 'An index demo' },
        description: '# Idx Demo\n\nThe readme.',
      });
      sdist = await buildSdist({ name: 'Idx_Demo', version: '1.0', pkgInfo: { 'Requires-Dist': REQUIRES_DIST, Summary: 'An index demo' } });
      await uploaded(wheel, 'Idx_Demo', '1.0');
      await uploaded(sdist, 'Idx_Demo', '1.0');
    });
    after(async () => t?.close());

    // --- simple API, JSON ---------------------------------------------------------------------

    test('simple JSON: PEP 691 type, Vary: Accept, and every file with sha256, size, upload-time, requires-python', async () => {
      const page = await get(`${t.url}/simple/idx-demo/`, { accept: SIMPLE_JSON });
      assert.equal(page.status, 200, page.text);
      assert.equal(page.headers.get('content-type'), SIMPLE_JSON);
      assert.ok((page.headers.get('vary') ?? '').split(/\s*,\s*/).includes('Accept'), `Vary: ${page.headers.get('vary')}`);
      assert.equal(page.json.meta['api-version'], '1.1');
      assert.equal(page.json.name, 'idx-demo');
      assert.deepEqual(page.json.versions, ['1.0']);
      assert.deepEqual(page.json.files.map((f: any) => f.filename).sort(), [sdist.filename, wheel.filename].sort());
      for (const dist of [wheel, sdist]) {
        const file = page.json.files.find((f: any) => f.filename === dist.filename);
        assert.deepEqual(file.hashes, { sha256: sha256Of(dist.bytes) }, dist.filename);
        assert.equal(file.size, dist.bytes.length);
        assert.match(file['upload-time'], UPLOAD_TIME);
        assert.ok(Math.abs(Date.parse(file['upload-time']) - Date.now()) < 10 * 60_000, `recent upload-time ${file['upload-time']}`);
        assert.equal(file['requires-python'], '>=3.8');
        assert.equal(file.yanked, false);
        assert.equal('dist-info-metadata' in file, false, 'PEP 714 retired dist-info-metadata in JSON');
        // The file itself, at its URL (resolved against the page), is the uploaded bytes.
        const download = await getBytes(new URL(file.url, `${t.url}/simple/idx-demo/`).toString());
        assert.equal(download.status, 200);
        assert.equal(download.headers.get('content-type'), 'application/octet-stream');
        assert.ok(download.bytes.equals(dist.bytes), `downloaded ${dist.filename} is what was uploaded`);
      }
    });

    test('simple JSON: core-metadata is the sha256 of <url>.metadata, whose bytes are the wheel\'s METADATA', async () => {
      const page = await get(`${t.url}/simple/idx-demo/`, { accept: SIMPLE_JSON });
      const file = page.json.files.find((f: any) => f.filename === wheel.filename);
      const metadata = await getBytes(`${new URL(file.url, t.url)}.metadata`);
      assert.equal(metadata.status, 200);
      assert.ok(metadata.bytes.equals(wheel.metadata), `served METADATA:\n${metadata.bytes}\nuploaded:\n${wheel.metadata}`);
      assert.deepEqual(file['core-metadata'], { sha256: sha256Of(metadata.bytes) });
      // The sdist has no PEP 658 file.
      const sdistFile = page.json.files.find((f: any) => f.filename === sdist.filename);
      assert.equal(sdistFile['core-metadata'], false);
      assert.equal((await getBytes(`${new URL(sdistFile.url, t.url)}.metadata`)).status, 404);
    });

    // --- simple API, HTML ---------------------------------------------------------------------

    test('simple HTML: #sha256= fragment, escaped data-requires-python, data-core-metadata, repository-version', async () => {
      const page = await get(`${t.url}/simple/idx-demo/`, { accept: 'text/html' });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.text, /<meta name="pypi:repository-version" content="1\.1">/);
      const metadataSha = sha256Of(wheel.metadata);
      const a = anchorFor(page.text, wheel.filename);
      assert.ok(a.href.endsWith(`#sha256=${sha256Of(wheel.bytes)}`), a.href);
      assert.match(a.raw, /data-requires-python="&gt;=3\.8"/);
      assert.doesNotMatch(page.text, /data-requires-python=">/, 'the specifier is HTML-escaped');
      assert.equal(a.attributes['data-core-metadata'], `sha256=${metadataSha}`);
      assert.equal(a.attributes['data-dist-info-metadata'], `sha256=${metadataSha}`);
      assert.equal('data-yanked' in a.attributes, false);
      const s = anchorFor(page.text, sdist.filename);
      assert.ok(s.href.endsWith(`#sha256=${sha256Of(sdist.bytes)}`), s.href);
      assert.equal('data-core-metadata' in s.attributes, false);
      // The href without its fragment downloads the file.
      const download = await getBytes(new URL(a.href.split('#')[0]!, `${t.url}/simple/idx-demo/`).toString());
      assert.ok(download.bytes.equals(wheel.bytes));
    });

    test('simple HTML escapes < in data-requires-python as &lt;', async () => {
      await project('idx-escape', '1.0', { 'Requires-Python': '>=3.8,<4' });
      const page = await get(`${t.url}/simple/idx-escape/`, { accept: 'text/html' });
      const a = anchorFor(page.text, 'idx_escape-1.0-py3-none-any.whl');
      assert.match(a.raw, /data-requires-python="&gt;=3\.8,&lt;4"/);
    });

    // --- negotiation --------------------------------------------------------------------------

    test('negotiation: pip\'s Accept → JSON; text/html → HTML; v1+html → v1+html; latest+json → v1+json', async () => {
      const cases: Array<[string, string]> = [
        [PIP_ACCEPT, SIMPLE_JSON],
        ['text/html', 'text/html'],
        [SIMPLE_HTML, SIMPLE_HTML],
        ['application/vnd.pypi.simple.latest+json', SIMPLE_JSON],
        ['application/vnd.pypi.simple.latest+html', SIMPLE_HTML],
        // By q-value, not by order.
        [`${SIMPLE_JSON}; q=0.2, text/html`, 'text/html'],
        [`text/html; q=0.5, ${SIMPLE_JSON}; q=0.6`, SIMPLE_JSON],
        // Nothing acceptable: Warehouse's fallback.
        ['*/*', 'text/html'],
        ['application/json', 'text/html'],
      ];
      for (const [accept, expected] of cases) {
        const page = await get(`${t.url}/simple/idx-demo/`, { accept });
        assert.equal(page.status, 200, accept);
        assert.equal((page.headers.get('content-type') ?? '').split(';')[0], expected, `Accept: ${accept}`);
        assert.ok((page.headers.get('vary') ?? '').includes('Accept'), `Vary for ${accept}`);
        if (expected === SIMPLE_JSON) assert.equal(page.json.name, 'idx-demo');
        else assert.match(page.text, /<a /);
      }
    });

    test('negotiation: no Accept header at all → text/html', async () => {
      // fetch always sends an Accept; inject sends none.
      const response = await t.app.http.inject({ method: 'GET', url: '/simple/idx-demo/' });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type']?.toString().split(';')[0], 'text/html');
      assert.match(response.body, /idx_demo-1\.0-py3-none-any\.whl/);
    });

    // --- normalized URLs ----------------------------------------------------------------------

    test('redirects: other spellings and a missing slash answer 301 to the normalized URL', async () => {
      const cases: Array<[string, string]> = [
        ['/simple/Idx_Demo/', '/simple/idx-demo/'],
        ['/simple/idx.demo/', '/simple/idx-demo/'],
        ['/simple/IDX--demo/', '/simple/idx-demo/'],
        ['/simple/idx-demo', '/simple/idx-demo/'],
        ['/simple/Idx_Demo', '/simple/idx-demo/'],
        ['/pypi/Idx_Demo/json', '/pypi/idx-demo/json'],
        ['/pypi/Idx_Demo/1.0/json', '/pypi/idx-demo/1.0/json'],
      ];
      for (const [from, to] of cases) {
        const page = await get(`${t.url}${from}`, { accept: PIP_ACCEPT });
        assert.equal(page.status, 301, from);
        assert.equal(new URL(page.headers.get('location') ?? '', t.url).pathname, to, from);
      }
    });

    test('root /simple/ lists the project (HTML link to its normalized page; JSON projects)', async () => {
      const html = await get(`${t.url}/simple/`, { accept: 'text/html' });
      assert.equal(html.status, 200);
      assert.match(html.text, /<meta name="pypi:repository-version" content="1\.1">/);
      const hrefs = [...html.text.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1]!, `${t.url}/simple/`).pathname);
      assert.ok(hrefs.includes('/simple/idx-demo/'), hrefs.join(' '));
      const json = await get(`${t.url}/simple/`, { accept: SIMPLE_JSON });
      // pip only needs the Content-Type to start with the type; a charset parameter is harmless.
      assert.equal((json.headers.get('content-type') ?? '').split(';')[0], SIMPLE_JSON);
      assert.ok((json.headers.get('vary') ?? '').includes('Accept'));
      assert.equal(json.json.meta['api-version'], '1.1');
      const names = json.json.projects.map((p: { name: string }) => p.name.replace(/[-_.]+/g, '-').toLowerCase());
      assert.ok(names.includes('idx-demo'), names.join(' '));
    });

    // --- caching ------------------------------------------------------------------------------

    test('ETag + If-None-Match → 304 (JSON and HTML), with distinct ETags per representation', async () => {
      const json = await get(`${t.url}/simple/idx-demo/`, { accept: PIP_ACCEPT });
      const html = await get(`${t.url}/simple/idx-demo/`, { accept: 'text/html' });
      const jsonTag = json.headers.get('etag');
      const htmlTag = html.headers.get('etag');
      assert.ok(jsonTag && htmlTag, 'both carry an ETag');
      assert.notEqual(jsonTag, htmlTag, 'two bodies, two ETags');
      const again = await get(`${t.url}/simple/idx-demo/`, { accept: PIP_ACCEPT, 'if-none-match': jsonTag!, 'cache-control': 'max-age=0' });
      assert.equal(again.status, 304);
      assert.equal(again.text, '');
      assert.equal((await get(`${t.url}/simple/idx-demo/`, { accept: 'text/html', 'if-none-match': htmlTag! })).status, 304);
      assert.equal((await get(`${t.url}/simple/idx-demo/`, { accept: 'text/html', 'if-none-match': '"stale"' })).status, 200);
      const api = await get(`${t.url}/pypi/idx-demo/json`);
      assert.equal((await get(`${t.url}/pypi/idx-demo/json`, { 'if-none-match': api.headers.get('etag')! })).status, 304);
    });

    test('a new upload changes the ETag and the page (no stale cache)', async () => {
      await project('idx-etag', '1.0');
      const first = await get(`${t.url}/simple/idx-etag/`, { accept: PIP_ACCEPT });
      await uploaded(buildWheel({ name: 'idx-etag', version: '1.1' }), 'idx-etag', '1.1');
      const second = await get(`${t.url}/simple/idx-etag/`, { accept: PIP_ACCEPT, 'if-none-match': first.headers.get('etag')! });
      assert.equal(second.status, 200);
      assert.notEqual(second.headers.get('etag'), first.headers.get('etag'));
      assert.deepEqual(second.json.versions, ['1.0', '1.1']);
    });

    // --- JSON API -----------------------------------------------------------------------------

    test('/pypi/<p>/json: info from METADATA, urls and releases with md5, sha256 and blake2b_256 digests', async () => {
      const page = await get(`${t.url}/pypi/idx-demo/json`);
      assert.equal(page.status, 200, page.text);
      assert.match(page.headers.get('content-type') ?? '', /^application\/json/);
      const { info } = page.json;
      assert.equal(info.version, '1.0');
      assert.equal(info.summary, 'An index demo');
      assert.equal(info.requires_python, '>=3.8');
      assert.deepEqual(info.requires_dist, REQUIRES_DIST);
      assert.deepEqual(info.provides_extra, ['pretty']);
      // The METADATA body, as Python's email parser returns it (with its final newline).
      assert.equal(info.description.trimEnd(), '# Idx Demo\n\nThe readme.');
      assert.equal(info.yanked, false);
      assert.equal(info.yanked_reason, null);
      assert.deepEqual(page.json.ownership.roles, [{ role: 'Owner', user: 'alice' }]);
      for (const list of [page.json.urls, page.json.releases['1.0']]) {
        assert.deepEqual(list.map((f: any) => f.filename).sort(), [sdist.filename, wheel.filename].sort());
        for (const dist of [wheel, sdist]) {
          const file = list.find((f: any) => f.filename === dist.filename);
          const local = digestsOf(dist.bytes);
          assert.deepEqual(file.digests, { md5: local.md5, sha256: local.sha256, blake2b_256: local.blake2b256 }, dist.filename);
          assert.equal(file.md5_digest, local.md5);
          assert.equal(file.size, dist.bytes.length);
          assert.equal(file.packagetype, dist === wheel ? 'bdist_wheel' : 'sdist');
          assert.equal(file.python_version, dist === wheel ? 'py3' : 'source');
          assert.equal(file.requires_python, '>=3.8');
          assert.equal(file.yanked, false);
          assert.match(file.upload_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
          assert.match(file.upload_time_iso_8601, UPLOAD_TIME);
        }
      }
      assert.deepEqual(Object.keys(page.json.releases), ['1.0']);
    });

    test('/pypi/<p>/json: info.name is the project name as written in its metadata (Idx_Demo), not the normalized key', async () => {
      // Warehouse shows the name the project was created with ("Demo_Pkg" in the spec's example).
      const page = await get(`${t.url}/pypi/idx-demo/json`);
      assert.equal(page.json.info.name, 'Idx_Demo');
    });

    test('/pypi/<p>/<v>/json: that version only, without releases; unknown versions 404', async () => {
      await project('idx-versions', '1.0');
      await uploaded(buildWheel({ name: 'idx-versions', version: '2.0', metadata: { Summary: 'second' } }), 'idx-versions', '2.0');
      const one = await get(`${t.url}/pypi/idx-versions/1.0/json`);
      assert.equal(one.status, 200, one.text);
      assert.equal(one.json.info.version, '1.0');
      assert.deepEqual(one.json.urls.map((f: any) => f.filename), ['idx_versions-1.0-py3-none-any.whl']);
      assert.equal('releases' in one.json, false);
      const latest = await get(`${t.url}/pypi/idx-versions/json`);
      assert.equal(latest.json.info.version, '2.0');
      assert.equal(latest.json.info.summary, 'second');
      assert.deepEqual(Object.keys(latest.json.releases), ['1.0', '2.0']);
      for (const version of ['3.0', 'not-a-version']) {
        const missing = await get(`${t.url}/pypi/idx-versions/${version}/json`);
        assert.equal(missing.status, 404, version);
        assert.ok(missing.text.includes('[VERSION_NOT_FOUND]'), missing.text);
      }
    });

    // --- yanking ------------------------------------------------------------------------------

    test('yank with a reason: simple JSON yanked "broken", HTML data-yanked, JSON API yanked_reason, event version:yank', async () => {
      await project('idx-yank', '1.0');
      await uploaded(buildWheel({ name: 'idx-yank', version: '1.1' }), 'idx-yank', '1.1');
      const response = await yank('idx-yank', '1.0', { reason: 'broken' }, alice.token);
      assert.equal(response.status, 200, await response.text());

      const json = await get(`${t.url}/simple/idx-yank/`, { accept: PIP_ACCEPT });
      const yankedFile = json.json.files.find((f: any) => f.filename === 'idx_yank-1.0-py3-none-any.whl');
      const liveFile = json.json.files.find((f: any) => f.filename === 'idx_yank-1.1-py3-none-any.whl');
      assert.equal(yankedFile.yanked, 'broken');
      assert.equal(liveFile.yanked, false);
      const html = await get(`${t.url}/simple/idx-yank/`, { accept: 'text/html' });
      assert.equal(anchorFor(html.text, 'idx_yank-1.0-py3-none-any.whl').attributes['data-yanked'], 'broken');
      assert.equal('data-yanked' in anchorFor(html.text, 'idx_yank-1.1-py3-none-any.whl').attributes, false);
      const api = await get(`${t.url}/pypi/idx-yank/1.0/json`);
      assert.equal(api.json.info.yanked, true);
      assert.equal(api.json.info.yanked_reason, 'broken');
      assert.equal(api.json.urls[0].yanked, true);
      assert.equal(api.json.urls[0].yanked_reason, 'broken');
      const events = await t.events();
      assert.deepEqual(events.at(-1), { type: 'version:yank', subject: 'pypi:idx-yank@1.0' });
      // Still downloadable by an exact pin.
      assert.equal((await getBytes(new URL(yankedFile.url, t.url).toString())).status, 200);
    });

    test('yank without a reason: yanked true in JSON, data-yanked="" in HTML; yanking twice 409 YANK_STATE', async () => {
      await project('idx-yank-bare', '1.0');
      assert.equal((await yank('idx-yank-bare', '1.0', {}, alice.token)).status, 200);
      const json = await get(`${t.url}/simple/idx-yank-bare/`, { accept: SIMPLE_JSON });
      assert.equal(json.json.files[0].yanked, true);
      const html = await get(`${t.url}/simple/idx-yank-bare/`, { accept: 'text/html' });
      assert.equal(anchorFor(html.text, 'idx_yank_bare-1.0-py3-none-any.whl').attributes['data-yanked'], '');
      const api = await get(`${t.url}/pypi/idx-yank-bare/json`);
      assert.equal(api.json.info.yanked, true);
      assert.equal(api.json.info.yanked_reason, null);
      const before = await storedState(t);
      const twice = await yank('idx-yank-bare', '1.0', { reason: 'again' }, alice.token);
      assert.equal(twice.status, 409);
      assert.ok((await twice.text()).includes('[YANK_STATE]'));
      assert.deepEqual(await storedState(t), before);
    });

    test('un-yank with DELETE: yanked false everywhere again, event version:unyank', async () => {
      await project('idx-unyank', '1.0');
      assert.equal((await yank('idx-unyank', '1.0', { reason: 'oops' }, alice.token)).status, 200);
      const response = await yank('idx-unyank', '1.0', undefined, alice.token, 'DELETE');
      assert.equal(response.status, 200, await response.text());
      const json = await get(`${t.url}/simple/idx-unyank/`, { accept: SIMPLE_JSON });
      assert.equal(json.json.files[0].yanked, false);
      const html = await get(`${t.url}/simple/idx-unyank/`, { accept: 'text/html' });
      assert.equal('data-yanked' in anchorFor(html.text, 'idx_unyank-1.0-py3-none-any.whl').attributes, false);
      const api = await get(`${t.url}/pypi/idx-unyank/json`);
      assert.equal(api.json.info.yanked, false);
      assert.equal(api.json.info.yanked_reason, null);
      assert.deepEqual((await t.events()).at(-1), { type: 'version:unyank', subject: 'pypi:idx-unyank@1.0' });
    });

    test('yank by a non-owner: 403 NOT_PERMITTED; anonymous: 403 AUTH_REQUIRED; nothing changes', async () => {
      await project('idx-yank-stranger', '1.0');
      const before = await storedState(t);
      const byBob = await yank('idx-yank-stranger', '1.0', { reason: 'mine now' }, bob.token);
      assert.equal(byBob.status, 403);
      assert.ok((await byBob.text()).includes('[NOT_PERMITTED]'));
      const anonymous = await yank('idx-yank-stranger', '1.0', { reason: 'mine now' }, undefined);
      assert.equal(anonymous.status, 403);
      assert.ok((await anonymous.text()).includes('[AUTH_REQUIRED]'));
      const unyankByBob = await yank('idx-yank-stranger', '1.0', undefined, bob.token, 'DELETE');
      assert.equal(unyankByBob.status, 403);
      assert.deepEqual(await storedState(t), before);
      const json = await get(`${t.url}/simple/idx-yank-stranger/`, { accept: SIMPLE_JSON });
      assert.equal(json.json.files[0].yanked, false);
    });

    // --- visibility ---------------------------------------------------------------------------

    test('an unknown project: 404 PACKAGE_NOT_FOUND on the simple page, the JSON API and files', async () => {
      for (const url of ['/simple/idx-no-such-project/', '/pypi/idx-no-such-project/json', '/pypi/files/idx-no-such-project/idx_no_such_project-1.0-py3-none-any.whl']) {
        const page = await get(`${t.url}${url}`, { accept: PIP_ACCEPT });
        assert.equal(page.status, 404, url);
        assert.match(page.text, /\[(PACKAGE|ARTIFACT)_NOT_FOUND\]/, url);
      }
    });

    test('a restricted project: its owner reads it; another user gets 404; anonymous gets a Basic challenge', async () => {
      const dist = await project('idx-restricted', '1.0');
      await t.app.db.updateTable('packages').set({ access: 'restricted' }).where('ecosystem', '=', 'pypi').where('name', '=', 'idx-restricted').execute();
      const fileUrl = `${t.url}/pypi/files/idx-restricted/${dist.filename}`;

      const owner = await get(`${t.url}/simple/idx-restricted/`, { accept: PIP_ACCEPT, authorization: basicToken(alice.token) });
      assert.equal(owner.status, 200);
      assert.equal(owner.json.files[0].filename, dist.filename);
      assert.equal((await getBytes(fileUrl, { authorization: basicToken(alice.token) })).status, 200);

      for (const url of ['/simple/idx-restricted/', '/pypi/idx-restricted/json', `/pypi/files/idx-restricted/${dist.filename}`, `/pypi/files/idx-restricted/${dist.filename}.metadata`]) {
        const asBob = await get(`${t.url}${url}`, { accept: PIP_ACCEPT, authorization: basicToken(bob.token) });
        assert.equal(asBob.status, 404, `bob: ${url}`);
        assert.match(asBob.text, /_NOT_FOUND\]/, url);
        // pip sends its index credentials only after a 401 with a Basic challenge.
        const anonymous = await get(`${t.url}${url}`, { accept: PIP_ACCEPT });
        assert.equal(anonymous.status, 401, `anonymous: ${url}`);
        assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
      }
      const listing = async (headers: Record<string, string>) =>
        (await get(`${t.url}/simple/`, { accept: SIMPLE_JSON, ...headers })).json.projects.map((p: { name: string }) => p.name.toLowerCase());
      assert.ok((await listing({ authorization: basicToken(alice.token) })).includes('idx-restricted'));
      assert.ok(!(await listing({ authorization: basicToken(bob.token) })).includes('idx-restricted'));
      assert.ok(!(await listing({})).includes('idx-restricted'));
    });

    // --- the npm route beside it --------------------------------------------------------------

    test('GET /simple (no slash) is npm\'s packument route for a package named "simple": 404 PACKAGE_NOT_FOUND JSON', async () => {
      const response = await t.app.http.inject({ method: 'GET', url: '/simple', headers: { accept: 'application/json' } });
      assert.equal(response.statusCode, 404, `${response.statusCode} location=${response.headers.location ?? ''}`);
      assert.equal(response.json().code, 'PACKAGE_NOT_FOUND');
    });
  });
}
