// `bulwark policy mfa` and `bulwark package critical` as an operator runs them: a child process
// on a fresh data folder; each change is an event, an unknown package is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../src/platform/db/index.js';
import { cleanEnv, runBulwark } from '../helpers/bulwark-cli.js';


describe('bulwark policy mfa / package critical', () => {
  let dataDir: string;
  const run = (args: string[]) => runBulwark(args, { env: { ...cleanEnv(), BULWARK_DATA_DIR: dataDir } });
  const withDb = async <T>(work: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> => {
    const db = openDatabase({ dataDir });
    try {
      await migrateToLatest(db);
      return await work(db);
    } finally {
      await db.destroy();
    }
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-policy-cli-'));
    await withDb(async (db) => {
      const at = new Date().toISOString();
      await db.insertInto('packages').values({ ecosystem: 'pypi', name: 'requests-lib', display_name: 'Requests_Lib', access: 'public', created_at: at, updated_at: at, last_event_id: 0 }).execute();
    });
  });
  after(async () => rm(dataDir, { recursive: true, force: true }));

  test('shows and changes the MFA policy', async () => {
    const shown = await run(['policy', 'mfa']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /mode: optional\nphishing-resistant for critical packages: no/);
    const set = await run(['policy', 'mfa', '--mode', 'critical-maintainers', '--phishing-resistant']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /mode: critical-maintainers\nphishing-resistant for critical packages: yes/);
    assert.match(set.stderr, /MFA policy changed/);
    const wrong = await run(['policy', 'mfa', '--mode', 'sometimes']);
    assert.equal(wrong.code, 1);
    const events = await withDb((db) => db.selectFrom('events').selectAll().where('type', '=', 'policy:change').execute());
    assert.equal(events.length, 1);
    assert.equal(events[0]!.actor_user_id, null);
  });

  test('marks a package critical by the name as typed', async () => {
    const on = await run(['package', 'critical', 'pypi', 'Requests.Lib', '--on']);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /pypi:requests-lib: critical \(marked by an administrator\)/);
    const off = await run(['package', 'critical', 'pypi', 'requests-lib', '--off']);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /not critical/);
    const missing = await run(['package', 'critical', 'npm', 'nope', '--on']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No npm package named "nope"/);
    const events = await withDb((db) => db.selectFrom('events').select(['subject', 'data']).where('type', '=', 'package:critical').execute());
    assert.deepEqual(events.map((e) => [e.subject, JSON.parse(e.data).critical]), [['pypi:requests-lib', true], ['pypi:requests-lib', false]]);
  });
});
