// Critical packages: the top 1% by downloads over 90 days (ties at the cut included, at least
// one package once anything was downloaded), plus admin marks; download counts are batched in
// memory and reach the database on flush and on close. Time is an injected clock.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { topByDownloads } from '../../src/mfa-policy/index.js';
import { createDownloadCounter } from '../../src/downloads/index.js';
import { storagePairs } from '../helpers/storage.js';

const DAY = 86_400_000;

describe('topByDownloads', () => {
  test('k = ceil(1% of the packages), ties with the k-th included', () => {
    const totals = [
      { packageId: 1, downloads: 500 },
      { packageId: 2, downloads: 300 },
      { packageId: 3, downloads: 200 },
      { packageId: 4, downloads: 200 },
      { packageId: 5, downloads: 10 },
    ];
    // 250 packages: ceil(2.5) = 3, and package 4 ties with the third.
    assert.deepEqual([...topByDownloads(totals, 250)].sort(), [1, 2, 3, 4]);
    // 100 packages: exactly one.
    assert.deepEqual([...topByDownloads(totals, 100)], [1]);
    // 101 packages: ceil(1.01) = 2.
    assert.deepEqual([...topByDownloads(totals, 101)].sort(), [1, 2]);
  });

  test('at least one package once there are downloads; none without', () => {
    assert.deepEqual([...topByDownloads([{ packageId: 7, downloads: 1 }], 3)], [7]);
    assert.equal(topByDownloads([], 1000).size, 0);
    assert.equal(topByDownloads([{ packageId: 7, downloads: 0 }], 1000).size, 0);
  });
});

for (const storage of storagePairs) describe(`critical packages over the stored counts on ${storage}`, () => {
  let t: TestApp;
  let now = Date.parse('2026-06-01T12:00:00Z');
  const clock = { now: () => new Date(now) };
  const ids: Record<string, { packageId: number; versionId: number }> = {};
  let admin: { id: number };

  before(async () => {
    t = await createTestApp({ clock, storage, config: { criticalRefreshSeconds: 600, downloadsFlushSeconds: 3600 } });
    admin = (await t.app.accounts.getUserByName('admin'))!;
    const owner = await t.createUser('carol');
    // 150 packages: the top 1% is ceil(1.5) = 2 packages (plus ties).
    for (let i = 0; i < 150; i++) {
      const name = `pkg${i}`;
      const at = clock.now().toISOString();
      const pkg = await t.app.db
        .insertInto('packages')
        .values({ ecosystem: 'npm', name, display_name: name, access: 'public', created_at: at, updated_at: at, last_event_id: 0 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const version = await t.app.db
        .insertInto('versions')
        .values({ package_id: pkg.id, version: '1.0.0', state: 'active', deprecated: null, manifest: '{}', summary: '{}', readme: null, published_at: at, published_by: owner.id, removed_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids[name] = { packageId: pkg.id, versionId: version.id };
      if (i === 4) await t.app.db.insertInto('package_owners').values({ package_id: pkg.id, user_id: owner.id, added_at: at }).execute();
    }
  });
  after(async () => t?.close());

  const hits = (name: string, n: number) => {
    for (let i = 0; i < n; i++) t.app.downloads.record(ids[name]!);
  };

  test('counts per version per day, batched, added up across flushes', async () => {
    const counter = createDownloadCounter({ db: t.app.db, clock, flushIntervalMs: 0 });
    for (let i = 0; i < 3; i++) counter.record(ids.pkg9!);
    await counter.flush();
    counter.record(ids.pkg9!);
    // Nothing is lost at close: the pending count is flushed.
    await counter.close();
    const rows = await t.app.db.selectFrom('download_counts').selectAll().where('version_id', '=', ids.pkg9!.versionId).execute();
    assert.deepEqual(rows.map((r) => [r.day, r.count]), [['2026-06-01', 4]]);
  });

  test('the top 1% over the last 90 days, computed once per refresh interval', async () => {
    const critical = t.app.mfaPolicy.critical;
    // 100 days ago: outside the window, whatever the count.
    now -= 100 * DAY;
    hits('pkg0', 10_000);
    await t.app.downloads.flush();
    now += 100 * DAY;
    // Within the window: pkg1 first; pkg2 and pkg3 tie for second; pkg4 behind them.
    now -= 89 * DAY;
    hits('pkg1', 50);
    await t.app.downloads.flush();
    now += 89 * DAY;
    hits('pkg2', 30);
    hits('pkg3', 30);
    hits('pkg4', 20);
    await t.app.downloads.flush();
    await critical.refresh();
    const critic = async (name: string) => critical.isCritical(ids[name]!.packageId);
    assert.equal(await critic('pkg0'), false, 'downloads older than 90 days do not count');
    assert.equal(await critic('pkg1'), true);
    assert.equal(await critic('pkg2'), true);
    assert.equal(await critic('pkg3'), true, 'a tie at the cut is included');
    assert.equal(await critic('pkg4'), false);
    assert.equal(await critical.maintainsCritical((await t.app.accounts.getUserByName('carol'))!.id), false);

    // pkg4 overtakes everyone, but the ranking is reused until the refresh interval passed.
    hits('pkg4', 1000);
    await t.app.downloads.flush();
    assert.equal(await critic('pkg4'), false);
    now += 601_000;
    assert.equal(await critic('pkg4'), true);
    assert.equal(await critic('pkg2'), false, 'pkg2 and pkg3 fell out of the top 2');
    assert.equal(await critical.maintainsCritical((await t.app.accounts.getUserByName('carol'))!.id), true);

    // 90 days on, pkg1's downloads (89 days old then) have left the window.
    now += 2 * DAY + 601_000;
    assert.equal(await critic('pkg1'), false);
  });

  test('an admin mark makes a package critical at once, and is an event', async () => {
    const critical = t.app.mfaPolicy.critical;
    const target = { packageId: ids.pkg100!.packageId, ecosystem: 'npm', name: 'pkg100' };
    assert.equal(await critical.isCritical(target.packageId), false);
    assert.equal(await critical.setMarked(target, true, admin.id), true);
    assert.equal(await critical.setMarked(target, true, admin.id), false, 'marking twice changes nothing');
    assert.equal(await critical.isCritical(target.packageId), true);
    const listed = await critical.list();
    assert.ok(listed.some((p) => p.name === 'pkg100' && p.marked && !p.byDownloads));
    assert.equal(await critical.setMarked(target, false, admin.id), true);
    assert.equal(await critical.isCritical(target.packageId), false);
    const events = (await t.events()).filter((e) => e.type === 'package:critical');
    assert.deepEqual(events.map((e) => e.subject), ['npm:pkg100', 'npm:pkg100']);
  });
});
