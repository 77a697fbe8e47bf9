// `bulwark policy mfa` and `bulwark package critical` as an operator runs them: a child process
// on a fresh data folder; each change is an event, an unknown package is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, openDatabase } from '../../src/platform/db/index.js';

const BIN = fileURLToPath(new URL('../../bin/bulwark.js', import.meta.url));

function cleanEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(BULWARK_|S3_)/.test(key) && key !== 'DATABASE_URL' && key !== 'BLOB_URL') env[key] = value;
  }
  return { ...env, BULWARK_DATA_DIR: dataDir };
}

describe('bulwark policy mfa / package critical', () => {
  let dataDir: string;
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
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
