// Hostile and mistaken uploads to the PyPI legacy endpoint (POST /legacy/, what twine sends).
// Every refusal is proven by its status, the human message in the HTTP reason phrase (the only
// text twine prints), `[CODE]` in the body, and rows, blobs and events left exactly as they were.
// Each test uses its own project names, so none depends on another; on both storage pairs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import { buildTar } from '../helpers/tarball.js';
import type { UserActor } from '../../src/auth/index.js';
import {
  buildSdist,
  buildWheel,
  coreMetadata,
  deflatedZeros,
  storedState,
  upload,
  uploadDist,
  uploadForm,
  type Dist,
  type UploadFormOptions,
  type UploadResponse,
} from '../helpers/pypi-dist.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// The bombs take a few seconds of deflate: built once, on first use, for both storage pairs.
const memo = <T>(make: () => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
};
const zerosGiB = memo(() => deflatedZeros(GiB));
const zeros100MiB = memo(() => deflatedZeros(100 * MiB));

for (const storage of storagePairs) {
  describe(`PyPI upload refusals on ${storage}`, () => {
    let t: TestApp;
    let alice: { id: number; name: string; token: string };
    let bob: { id: number; name: string; token: string };

    before(async () => {
      t = await createTestApp({ storage });
      alice = await t.createUser('alice');
      bob = await t.createUser('bob');
    });
    after(async () => t?.close());

    /** Uploads a dist as alice (or `token`), with the form fields twine would send for it. */
    const send = (dist: Dist, name: string, version: string, options: Partial<UploadFormOptions> & { token?: string | null } = {}) => {
      const { token, ...form } = options;
      return uploadDist(t.url, dist, token === null ? undefined : (token ?? alice.token), name, version, form);
    };

    /** An upload that must succeed. */
    async function accepted(dist: Dist, name: string, version: string, token = alice.token) {
      const response = await send(dist, name, version, { token });
      assert.equal(response.status, 200, `upload ${dist.filename}: ${response.status} ${response.statusText} ${response.text}`);
      return response;
    }

    /**
     * Proves a refusal: the status, the message in the reason phrase (where twine shows it),
     * `[CODE]` in the body and at the end of the reason phrase, and nothing stored or logged.
     */
    async function refused(run: () => Promise<UploadResponse>, status: number, code: string, message: RegExp): Promise<UploadResponse> {
      const before = await storedState(t);
      const response = await run();
      const what = `${response.status} ${response.statusText} | ${response.text.slice(0, 300)}`;
      assert.equal(response.status, status, `status: ${what}`);
      assert.match(response.statusText, message, `reason phrase: ${what}`);
      assert.ok(response.statusText.endsWith(`[${code}]`), `reason phrase names ${code}: ${what}`);
      assert.ok(response.text.includes(`[${code}]`), `body names ${code}: ${what}`);
      assert.match(response.text, message, `body carries the message too (HTTP/2 has no reason phrase): ${what}`);
      const afterwards = await storedState(t);
      assert.deepEqual(afterwards.rows, before.rows, 'row counts unchanged');
      assert.deepEqual(afterwards.blobs, before.blobs, 'stored blobs unchanged');
      assert.deepEqual(afterwards.events, before.events, 'no new events');
      return response;
    }

    const asUser = (user: { id: number; name: string }): UserActor => ({
      kind: 'user',
      userId: user.id,
      name: user.name,
      isAdmin: false,
      via: 'token',
      tokenId: null,
      readonly: false,
      scope: null,
    });
    const pypiRules = () => {
      const ecosystem = t.app.ecosystems.find((e) => e.id === 'pypi');
      assert.ok(ecosystem, 'the PyPI ecosystem is registered');
      return ecosystem.rules;
    };

    test('sanity: a wheel and an sdist are accepted and store a version, two files and their events', async () => {
      const before = await storedState(t);
      const wheel = buildWheel({ name: 'ur-sanity', version: '1.0' });
      await accepted(wheel, 'ur-sanity', '1.0');
      await accepted(await buildSdist({ name: 'ur-sanity', version: '1.0' }), 'ur-sanity', '1.0');
      const afterwards = await storedState(t);
      assert.equal(afterwards.rows.versions, before.rows.versions! + 1);
      assert.equal(afterwards.rows.artifacts, before.rows.artifacts! + 2);
      // wheel, its extracted METADATA (PEP 658), sdist
      assert.equal(afterwards.blobs.length, before.blobs.length + 3);
      const types = afterwards.events.slice(before.events.length).map((e) => `${e.type} ${e.subject}`);
      assert.deepEqual(types, ['package:create pypi:ur-sanity', 'version:publish pypi:ur-sanity@1.0', 'file:upload pypi:ur-sanity@1.0']);
    });

    // --- the file against its own metadata and the form --------------------------------------

    test('a wheel named 1.0 whose METADATA says 2.0: 400 FILENAME_MISMATCH', async () => {
      const wheel = buildWheel({ name: 'ur-meta-version', version: '1.0', metadata: { Version: '2.0' } });
      await refused(() => send(wheel, 'ur-meta-version', '1.0'), 400, 'FILENAME_MISMATCH', /Version in filename should be '2\.0' not '1\.0'/);
    });

    test('a wheel whose METADATA Name is another project: 400 FILENAME_MISMATCH', async () => {
      const wheel = buildWheel({ name: 'ur-meta-name', version: '1.0', metadata: { Name: 'someone-else' } });
      await refused(() => send(wheel, 'ur-meta-name', '1.0'), 400, 'FILENAME_MISMATCH', /not "someone-else"/);
    });

    test('an sdist whose PKG-INFO names another project: 400 FILENAME_MISMATCH', async () => {
      const sdist = await buildSdist({ name: 'ur-pkginfo-name', version: '1.0', pkgInfo: { Name: 'someone-else' } });
      await refused(() => send(sdist, 'ur-pkginfo-name', '1.0'), 400, 'FILENAME_MISMATCH', /not "someone-else"/);
    });

    test('the form names another project than the filename: 400 FILENAME_MISMATCH', async () => {
      const wheel = buildWheel({ name: 'ur-form-name', version: '1.0' });
      await refused(() => send(wheel, 'ur-form-other', '1.0'), 400, 'FILENAME_MISMATCH', /for project 'ur-form-name', not "ur-form-other"/);
    });

    test('the form gives another version than the filename: 400 FILENAME_MISMATCH', async () => {
      const wheel = buildWheel({ name: 'ur-form-version', version: '1.0' });
      await refused(() => send(wheel, 'ur-form-version', '1.1'), 400, 'FILENAME_MISMATCH', /Version in filename should be '1\.1' not '1\.0'/);
    });

    test('the form name spelled another way (twine\'s un-normalized "safe name") is accepted', async () => {
      // Not a refusal: twine 4 sends `Ur.Form-Spelling`-style names as written.
      await accepted(buildWheel({ name: 'ur-form-spelling', version: '1.0' }), 'Ur_Form.Spelling', '1.0');
    });

    // --- files that exist, existed, or are the same ------------------------------------------

    test('re-uploading a filename with different content: 409 FILE_EXISTS, reason phrase starts "File already exists"', async () => {
      await accepted(buildWheel({ name: 'ur-exists', version: '1.0' }), 'ur-exists', '1.0');
      const other = buildWheel({ name: 'ur-exists', version: '1.0', description: 'different bytes' });
      const response = await refused(() => send(other, 'ur-exists', '1.0'), 409, 'FILE_EXISTS', /File already exists/);
      // twine --skip-existing matches on this prefix (and on 409).
      assert.ok(response.statusText.startsWith('File already exists'), response.statusText);
    });

    test('re-uploading identical bytes: 200, a no-op that stores nothing', async () => {
      const wheel = buildWheel({ name: 'ur-identical', version: '1.0' });
      await accepted(wheel, 'ur-identical', '1.0');
      const before = await storedState(t);
      const response = await send(wheel, 'ur-identical', '1.0');
      assert.equal(response.status, 200, `${response.statusText} ${response.text}`);
      assert.deepEqual(await storedState(t), before, 'rows, blobs and events unchanged');
    });

    // Warehouse authenticates and checks permission (steps 1 and 5) before it looks for
    // duplicates (step 8): a 200 here tells twine that a stranger's upload went through.
    test('an identical re-upload without credentials: 403 AUTH_REQUIRED, not a 200 no-op', async () => {
      const wheel = buildWheel({ name: 'ur-identical-anonymous', version: '1.0' });
      await accepted(wheel, 'ur-identical-anonymous', '1.0');
      await refused(() => send(wheel, 'ur-identical-anonymous', '1.0', { token: null }), 403, 'AUTH_REQUIRED', /logged in/);
    });

    test('an identical re-upload by a user who does not own the project: 403 NOT_PERMITTED, not a 200 no-op', async () => {
      const wheel = buildWheel({ name: 'ur-identical-stranger', version: '1.0' });
      await accepted(wheel, 'ur-identical-stranger', '1.0');
      await refused(() => send(wheel, 'ur-identical-stranger', '1.0', { token: bob.token }), 403, 'NOT_PERMITTED', /not allowed/);
    });

    test('an identical re-upload with a wrong declared digest: 400 INTEGRITY_MISMATCH, not a silent 200', async () => {
      // Warehouse compares the digests (step 7) before it looks for duplicates (step 8).
      const wheel = buildWheel({ name: 'ur-identical-digest', version: '1.0' });
      await accepted(wheel, 'ur-identical-digest', '1.0');
      await refused(
        () => send(wheel, 'ur-identical-digest', '1.0', { digests: { blake2_256: 'b'.repeat(64) } }),
        400,
        'INTEGRITY_MISMATCH',
        /digest/,
      );
    });

    test('a filename whose version was removed: refused, nothing stored; a new filename for it: 403 VERSION_TOMBSTONED', async () => {
      const wheel = buildWheel({ name: 'ur-removed', version: '1.0' });
      await accepted(wheel, 'ur-removed', '1.0');
      await accepted(buildWheel({ name: 'ur-removed', version: '2.0' }), 'ur-removed', '2.0');
      await t.app.registry.unpublish(pypiRules(), 'ur-removed', ['1.0'], asUser(alice));

      // The same bytes, and other bytes, under the used filename: the removed version's number
      // is refused before the filename is looked at (and not as "already exists", which
      // twine --skip-existing would take for success).
      await refused(() => send(wheel, 'ur-removed', '1.0'), 403, 'VERSION_TOMBSTONED', /can never be reused/);
      const other = buildWheel({ name: 'ur-removed', version: '1.0', description: 'new bytes' });
      await refused(() => send(other, 'ur-removed', '1.0'), 403, 'VERSION_TOMBSTONED', /can never be reused/);
      // Another file for the removed version: the version number is never reused.
      const sdist = await buildSdist({ name: 'ur-removed', version: '1.0' });
      await refused(() => send(sdist, 'ur-removed', '1.0'), 403, 'VERSION_TOMBSTONED', /./);
    });

    test('a filename whose version was removed is not reported as "already exists" (twine --skip-existing would skip it)', async () => {
      // twine --skip-existing treats any 409, or "already exist" in the reason, as "the file is
      // there" and reports success; here the file is gone, so the user must see an error.
      // Warehouse answers 400 "This filename was previously used by a file that has since been deleted."
      const wheel = buildWheel({ name: 'ur-removed-skip', version: '1.0' });
      await accepted(wheel, 'ur-removed-skip', '1.0');
      await accepted(buildWheel({ name: 'ur-removed-skip', version: '2.0' }), 'ur-removed-skip', '2.0');
      await t.app.registry.unpublish(pypiRules(), 'ur-removed-skip', ['1.0'], asUser(alice));
      const before = await storedState(t);
      const response = await send(wheel, 'ur-removed-skip', '1.0');
      assert.deepEqual(await storedState(t), before, 'nothing stored');
      assert.ok(response.status >= 400 && response.status !== 409, `not 2xx, not 409: ${response.status} ${response.statusText}`);
      assert.doesNotMatch(response.statusText, /already exist/i);
      assert.doesNotMatch(response.text, /already exist/i);
    });

    // --- digests ------------------------------------------------------------------------------

    for (const [field, length, pattern] of [
      ['sha256', 64, /sha256 digest does not match/],
      ['blake2_256', 64, /blake2b256 digest does not match/],
      ['md5', 32, /does not match a digest calculated from the uploaded file/],
    ] as const) {
      test(`a wrong ${field} digest: 400 INTEGRITY_MISMATCH`, async () => {
        const name = `ur-digest-${field.replace('_', '')}`;
        const wheel = buildWheel({ name, version: '1.0' });
        await refused(() => send(wheel, name, '1.0', { digests: { [field]: 'a'.repeat(length) } }), 400, 'INTEGRITY_MISMATCH', pattern);
      });
    }

    test('a digest that is not hexadecimal: 400 DIGEST_INVALID', async () => {
      const wheel = buildWheel({ name: 'ur-digest-hex', version: '1.0' });
      await refused(() => send(wheel, 'ur-digest-hex', '1.0', { digests: { sha256: 'z'.repeat(64) } }), 400, 'DIGEST_INVALID', /sha256_digest must be 64 hexadecimal/);
      await refused(() => send(wheel, 'ur-digest-hex', '1.0', { digests: { blake2_256: 'abc' } }), 400, 'DIGEST_INVALID', /blake2_256_digest must be 64 hexadecimal/);
    });

    test('no digest at all: 400 DIGEST_MISSING', async () => {
      const wheel = buildWheel({ name: 'ur-digest-none', version: '1.0' });
      await refused(
        () => send(wheel, 'ur-digest-none', '1.0', { digests: { md5: null, sha256: null, blake2_256: null } }),
        400,
        'DIGEST_MISSING',
        /at least one message digest/,
      );
    });

    // --- archives -----------------------------------------------------------------------------

    test('a zip bomb (one entry of 1 GiB of zeros, declared honestly): 413 ARCHIVE_TOO_LARGE_UNPACKED', async () => {
      // The central directory declares 1 GiB: over maxUnpackedBytes (256 MiB), which is checked
      // before the ratio, so this limit fires first, before a byte is inflated.
      const wheel = buildWheel({ name: 'ur-bomb', version: '1.0', extraEntries: [{ name: 'ur_bomb/zeros.bin', precompressed: await zerosGiB() }] });
      assert.ok(wheel.bytes.length < 2 * MiB, `the bomb is small: ${wheel.bytes.length}`);
      await refused(() => send(wheel, 'ur-bomb', '1.0'), 413, 'ARCHIVE_TOO_LARGE_UNPACKED', /unpacks to more than/);
    });

    test('a zip bomb under the unpacked limit (100 MiB of zeros): 413 ARCHIVE_COMPRESSION_RATIO', async () => {
      const wheel = buildWheel({ name: 'ur-bomb-ratio', version: '1.0', extraEntries: [{ name: 'ur_bomb_ratio/zeros.bin', precompressed: await zeros100MiB() }] });
      await refused(() => send(wheel, 'ur-bomb-ratio', '1.0'), 413, 'ARCHIVE_COMPRESSION_RATIO', /expands more than/);
    });

    test('a zip bomb whose headers lie (declares 1000 bytes, inflates to 1 GiB): 400 ARCHIVE_INVALID, stopped early', async () => {
      // The declared size passes every limit; yauzl's size check stops the stream at the first
      // chunk beyond 1000 bytes, so this is a malformed archive rather than a too-large one.
      const bomb = await zerosGiB();
      const wheel = buildWheel({ name: 'ur-bomb-lie', version: '1.0', extraEntries: [{ name: 'ur_bomb_lie/zeros.bin', precompressed: { ...bomb, size: 1000 } }] });
      const started = Date.now();
      await refused(() => send(wheel, 'ur-bomb-lie', '1.0'), 400, 'ARCHIVE_INVALID', /lies about its size/);
      assert.ok(Date.now() - started < 5000, 'refused without inflating the whole bomb');
    });

    test('a wheel entry "../evil.py": 400 ARCHIVE_PATH_TRAVERSAL', async () => {
      const wheel = buildWheel({ name: 'ur-traversal', version: '1.0', extraEntries: [{ name: '../evil.py', data: 'import os\n' }] });
      await refused(() => send(wheel, 'ur-traversal', '1.0'), 400, 'ARCHIVE_PATH_TRAVERSAL', /"\.\.\/evil\.py" escapes/);
    });

    test('a wheel entry with ".." inside the path: 400 ARCHIVE_PATH_TRAVERSAL', async () => {
      const wheel = buildWheel({ name: 'ur-traversal-mid', version: '1.0', extraEntries: [{ name: 'ur_traversal_mid/../../evil.py', data: 'x' }] });
      await refused(() => send(wheel, 'ur-traversal-mid', '1.0'), 400, 'ARCHIVE_PATH_TRAVERSAL', /escapes/);
    });

    test('a wheel entry with an absolute path: 400 ARCHIVE_PATH_TRAVERSAL', async () => {
      const wheel = buildWheel({ name: 'ur-absolute', version: '1.0', extraEntries: [{ name: '/etc/evil.py', data: 'x' }] });
      await refused(() => send(wheel, 'ur-absolute', '1.0'), 400, 'ARCHIVE_PATH_TRAVERSAL', /"\/etc\/evil\.py" is absolute/);
    });

    test('a wheel entry with a Windows drive path: 400 ARCHIVE_PATH_TRAVERSAL', async () => {
      const wheel = buildWheel({ name: 'ur-drive', version: '1.0', extraEntries: [{ name: 'C:/evil.py', data: 'x' }] });
      await refused(() => send(wheel, 'ur-drive', '1.0'), 400, 'ARCHIVE_PATH_TRAVERSAL', /is absolute/);
    });

    test('a symbolic link in a wheel: 400 ARCHIVE_LINK_ENTRY', async () => {
      const wheel = buildWheel({ name: 'ur-symlink', version: '1.0', extraEntries: [{ name: 'ur_symlink/passwd', data: '/etc/passwd', symlink: true }] });
      await refused(() => send(wheel, 'ur-symlink', '1.0'), 400, 'ARCHIVE_LINK_ENTRY', /"ur_symlink\/passwd" is a symbolic link/);
    });

    test('a symbolic link in an sdist: 400 ARCHIVE_LINK_ENTRY', async () => {
      const sdist = await buildSdist({
        name: 'ur-sdist-symlink',
        version: '1.0',
        extraEntries: [{ name: 'ur_sdist_symlink-1.0/passwd', type: 'symlink', linkname: '/etc/passwd' }],
      });
      await refused(() => send(sdist, 'ur-sdist-symlink', '1.0'), 400, 'ARCHIVE_LINK_ENTRY', /link/);
    });

    test('the same path twice in a wheel: 400 ARCHIVE_DUPLICATE_ENTRY', async () => {
      const wheel = buildWheel({ name: 'ur-duplicate', version: '1.0', extraEntries: [{ name: 'ur_duplicate/__init__.py', data: 'evil = True\n' }] });
      await refused(() => send(wheel, 'ur-duplicate', '1.0'), 400, 'ARCHIVE_DUPLICATE_ENTRY', /appears twice/);
    });

    test('a wheel that is not a zip: 400 ARCHIVE_INVALID', async () => {
      const junk: Dist = { bytes: randomBytes(2048), filename: 'ur_junk-1.0-py3-none-any.whl', metadata: Buffer.alloc(0) };
      await refused(() => send(junk, 'ur-junk', '1.0'), 400, 'ARCHIVE_INVALID', /not a valid zip archive/);
    });

    // --- metadata -----------------------------------------------------------------------------

    test('a wheel without METADATA: 400 METADATA_MISSING', async () => {
      const wheel = buildWheel({ name: 'ur-no-metadata', version: '1.0', omitMetadata: true });
      await refused(() => send(wheel, 'ur-no-metadata', '1.0'), 400, 'METADATA_MISSING', /no \*\.dist-info\/METADATA/);
    });

    test('an sdist without PKG-INFO at its top: 400 METADATA_MISSING', async () => {
      // PKG-INFO one folder too deep does not count.
      const bytes = gzipSync(
        await buildTar([
          { name: 'ur_no_pkginfo-1.0/src/PKG-INFO', content: coreMetadata('ur-no-pkginfo', '1.0') },
          { name: 'ur_no_pkginfo-1.0/pyproject.toml', content: '[project]\nname = "ur-no-pkginfo"\n' },
        ]),
      );
      await refused(
        () => send({ bytes, filename: 'ur_no_pkginfo-1.0.tar.gz', metadata: Buffer.alloc(0) }, 'ur-no-pkginfo', '1.0'),
        400,
        'METADATA_MISSING',
        /no PKG-INFO/,
      );
    });

    test('METADATA with Metadata-Version 9.9: 400 METADATA_INVALID', async () => {
      const wheel = buildWheel({ name: 'ur-metadata-version', version: '1.0', metadata: { 'Metadata-Version': '9.9' } });
      await refused(() => send(wheel, 'ur-metadata-version', '1.0'), 400, 'METADATA_INVALID', /Metadata-Version "9\.9" is not one of/);
    });

    test('METADATA that is not headers: 400 METADATA_INVALID', async () => {
      const wheel = buildWheel({ name: 'ur-metadata-garbage', version: '1.0', metadataText: 'this is not core metadata\n' });
      await refused(() => send(wheel, 'ur-metadata-garbage', '1.0'), 400, 'METADATA_INVALID', /not a "Name: value" header/);
    });

    test('two METADATA files (two .dist-info folders): 400 METADATA_INVALID', async () => {
      const wheel = buildWheel({
        name: 'ur-two-metadata',
        version: '1.0',
        extraEntries: [{ name: 'evil-9.9.dist-info/METADATA', data: coreMetadata('evil', '9.9') }],
      });
      await refused(() => send(wheel, 'ur-two-metadata', '1.0'), 400, 'METADATA_INVALID', /more than one \*\.dist-info\/METADATA/);
    });

    // --- filenames and versions ---------------------------------------------------------------

    test('a local version 1.0+local: 400 VERSION_LOCAL_NOT_ALLOWED', async () => {
      const wheel = buildWheel({ name: 'ur-local', version: '1.0+local' });
      await refused(() => send(wheel, 'ur-local', '1.0+local'), 400, 'VERSION_LOCAL_NOT_ALLOWED', /local version label/);
    });

    test('version "abc": 400 FILENAME_INVALID (the filename is parsed before the form and the metadata)', async () => {
      // parsePypiFilename runs first and reports a bad version inside the filename as
      // FILENAME_INVALID (only local versions keep their own code); VERSION_INVALID would come
      // from the form's version, which is only read after the filename parsed.
      const wheel = buildWheel({ name: 'ur-version-abc', version: 'abc' });
      await refused(() => send(wheel, 'ur-version-abc', 'abc'), 400, 'FILENAME_INVALID', /"abc" is not a valid PEP 440 version/);
    });

    test('a valid filename but the form version "abc": 400 VERSION_INVALID', async () => {
      const wheel = buildWheel({ name: 'ur-form-abc', version: '1.0' });
      await refused(() => send(wheel, 'ur-form-abc', 'abc'), 400, 'VERSION_INVALID', /"abc" is not a valid PEP 440 version/);
    });

    test('an sdist named Demo_Pkg-1.0.tar.gz (not normalized, PEP 625): 400 FILENAME_INVALID', async () => {
      const sdist = await buildSdist({ name: 'Demo_Pkg', version: '1.0', filename: 'Demo_Pkg-1.0.tar.gz' });
      await refused(() => send(sdist, 'Demo_Pkg', '1.0'), 400, 'FILENAME_INVALID', /must be written normalized, as 'demo_pkg'/);
    });

    test('an sdist as .zip: 400 FILENAME_INVALID', async () => {
      const sdist = await buildSdist({ name: 'ur-zip-sdist', version: '1.0' });
      await refused(
        () => send({ ...sdist, filename: 'ur_zip_sdist-1.0.zip' }, 'ur-zip-sdist', '1.0'),
        400,
        'FILENAME_INVALID',
        /must be \.tar\.gz/,
      );
    });

    test('a wheel sent as filetype sdist: 400 FILENAME_INVALID', async () => {
      const wheel = buildWheel({ name: 'ur-filetype-mix', version: '1.0' });
      await refused(() => send(wheel, 'ur-filetype-mix', '1.0', { filetype: 'sdist' }), 400, 'FILENAME_INVALID', /does not fit the file type sdist/);
    });

    // --- names and owners ---------------------------------------------------------------------

    test('another owner\'s project under another spelling (My_Proj, my.proj): 403 NOT_PERMITTED, nothing stored', async () => {
      await accepted(buildWheel({ name: 'ur-my-proj', version: '1.0' }), 'ur-my-proj', '1.0');
      for (const spelling of ['UR_My_Proj', 'ur.my.proj', 'Ur_My.Proj']) {
        const wheel = buildWheel({ name: spelling, version: '1.1', filename: `${spelling}-1.1-py3-none-any.whl` });
        await refused(() => send(wheel, spelling, '1.1', { token: bob.token }), 403, 'NOT_PERMITTED', /not allowed to publish/);
        const sdist = await buildSdist({ name: spelling, version: '1.1' });
        await refused(() => send(sdist, spelling, '1.1', { token: bob.token }), 403, 'NOT_PERMITTED', /not allowed to publish/);
      }
    });

    // --- one sdist per release ----------------------------------------------------------------

    test('a second sdist for a release (reachable: the version in an sdist filename need not be canonical): 400 SDIST_EXISTS', async () => {
      // `.tar.gz` is the only sdist extension and the name part must be normalized, but the
      // version part is compared canonically, so `1.0` and `v1.0` name the same release.
      await accepted(await buildSdist({ name: 'ur-second-sdist', version: '1.0' }), 'ur-second-sdist', '1.0');
      const again = await buildSdist({ name: 'ur-second-sdist', version: '1.0', filename: 'ur_second_sdist-v1.0.tar.gz' });
      await refused(() => send(again, 'ur-second-sdist', '1.0'), 400, 'SDIST_EXISTS', /Only one sdist may be uploaded per release/);
      // A wheel for the release is still welcome.
      await accepted(buildWheel({ name: 'ur-second-sdist', version: '1.0' }), 'ur-second-sdist', '1.0');
    });

    test('1.0.0 is the same release as 1.0 (PEP 440 equal): its sdist is a second sdist, 400 SDIST_EXISTS', async () => {
      // Warehouse finds the release by canonicalize_version (1.0.0 → 1.0), so this is "only one
      // sdist per release". Storing 1.0.0 beside 1.0 gives pip two versions that compare equal.
      await accepted(await buildSdist({ name: 'ur-release-key', version: '1.0' }), 'ur-release-key', '1.0');
      const sdist = await buildSdist({ name: 'ur-release-key', version: '1.0.0' });
      await refused(() => send(sdist, 'ur-release-key', '1.0.0'), 400, 'SDIST_EXISTS', /Only one sdist/);
    });

    // --- authentication -----------------------------------------------------------------------

    test('no credentials: 403 AUTH_REQUIRED (uploads answer 403, as Warehouse does)', async () => {
      const wheel = buildWheel({ name: 'ur-no-auth', version: '1.0' });
      const response = await refused(() => send(wheel, 'ur-no-auth', '1.0', { token: null }), 403, 'AUTH_REQUIRED', /logged in/);
      assert.equal(response.headers.get('www-authenticate'), null, 'no Basic challenge on an upload');
    });

    test('an unknown token: 403 TOKEN_INVALID', async () => {
      const wheel = buildWheel({ name: 'ur-bad-token', version: '1.0' });
      await refused(() => send(wheel, 'ur-bad-token', '1.0', { token: 'pypi-not-a-real-token' }), 403, 'TOKEN_INVALID', /invalid, expired or revoked/);
    });

    test('a read-only token: 403 TOKEN_READ_ONLY', async () => {
      const readonly = await t.tokenFor('alice', { readonly: true });
      const wheel = buildWheel({ name: 'ur-read-only', version: '1.0' });
      await refused(() => send(wheel, 'ur-read-only', '1.0', { token: readonly }), 403, 'TOKEN_READ_ONLY', /read-only/);
      // Also for a project the user already owns.
      await accepted(buildWheel({ name: 'ur-read-only-owned', version: '1.0' }), 'ur-read-only-owned', '1.0');
      const next = buildWheel({ name: 'ur-read-only-owned', version: '1.1' });
      await refused(() => send(next, 'ur-read-only-owned', '1.1', { token: readonly }), 403, 'TOKEN_READ_ONLY', /read-only/);
    });

    // --- the form -----------------------------------------------------------------------------

    test(':action=submit: 400 UPLOAD_ACTION_UNSUPPORTED', async () => {
      const wheel = buildWheel({ name: 'ur-submit', version: '1.0' });
      await refused(() => send(wheel, 'ur-submit', '1.0', { action: 'submit' }), 400, 'UPLOAD_ACTION_UNSUPPORTED', /Unsupported :action "submit"/);
    });

    test('protocol_version=2: 400 UPLOAD_PROTOCOL_UNSUPPORTED', async () => {
      const wheel = buildWheel({ name: 'ur-protocol', version: '1.0' });
      await refused(() => send(wheel, 'ur-protocol', '1.0', { protocolVersion: '2' }), 400, 'UPLOAD_PROTOCOL_UNSUPPORTED', /protocol_version/);
    });

    test('filetype=bdist_egg: 400 FILETYPE_INVALID', async () => {
      const wheel = buildWheel({ name: 'ur-egg', version: '1.0' });
      await refused(() => send(wheel, 'ur-egg', '1.0', { filetype: 'bdist_egg' }), 400, 'FILETYPE_INVALID', /Use a known file type/);
    });

    test('an attestations field: 400 ATTESTATIONS_UNSUPPORTED', async () => {
      const wheel = buildWheel({ name: 'ur-attestations', version: '1.0' });
      await refused(
        () => send(wheel, 'ur-attestations', '1.0', { fields: { attestations: '[{"version":1}]' } }),
        400,
        'ATTESTATIONS_UNSUPPORTED',
        /Invalid attestations supplied during upload/,
      );
    });

    test('no content part: 400 UPLOAD_FORM_INVALID', async () => {
      const form = uploadForm({ content: Buffer.from('x'), filename: 'ur_no_content-1.0-py3-none-any.whl', name: 'ur-no-content', version: '1.0', omit: ['content'] });
      await refused(() => upload(t.url, form, alice.token), 400, 'UPLOAD_FORM_INVALID', /Upload a file in the content field/);
    });

    test('not multipart: 400 UPLOAD_FORM_INVALID', async () => {
      const run = async (): Promise<UploadResponse> => {
        const response = await fetch(`${t.url}/legacy/`, {
          method: 'POST',
          body: JSON.stringify({ name: 'ur-json' }),
          headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`__token__:${alice.token}`).toString('base64')}` },
        });
        return { status: response.status, statusText: response.statusText, text: await response.text(), headers: response.headers };
      };
      await refused(run, 400, 'UPLOAD_FORM_INVALID', /multipart\/form-data/);
    });
  });

  describe(`PyPI upload size limit on ${storage}`, () => {
    let t: TestApp;
    let token: string;
    before(async () => {
      t = await createTestApp({ storage, config: { maxArtifactBytes: 64 * 1024 } });
      token = (await t.createUser('carol')).token;
    });
    after(async () => t?.close());

    test('a file over maxArtifactBytes (64 KiB): 413 ARTIFACT_TOO_LARGE, nothing stored', async () => {
      const wheel = buildWheel({
        name: 'ul-big',
        version: '1.0',
        extraEntries: [{ name: 'ul_big/noise.bin', data: randomBytes(80 * 1024), method: 'store' }],
      });
      assert.ok(wheel.bytes.length > 64 * 1024);
      const before = await storedState(t);
      const response = await uploadDist(t.url, wheel, token, 'ul-big', '1.0');
      assert.equal(response.status, 413, `${response.statusText} ${response.text}`);
      assert.match(response.statusText, /larger than 65536 bytes/);
      assert.ok(response.text.includes('[ARTIFACT_TOO_LARGE]'), response.text);
      assert.deepEqual(await storedState(t), before);
    });

    test('a file just under the limit is accepted', async () => {
      const wheel = buildWheel({
        name: 'ul-small',
        version: '1.0',
        extraEntries: [{ name: 'ul_small/noise.bin', data: randomBytes(60 * 1024), method: 'store' }],
      });
      assert.ok(wheel.bytes.length < 64 * 1024);
      const response = await uploadDist(t.url, wheel, token, 'ul-small', '1.0');
      assert.equal(response.status, 200, `${response.statusText} ${response.text}`);
    });
  });
}
