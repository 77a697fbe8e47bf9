// The two storage pairs every storage-facing test runs on: SQLite + files, and PostgreSQL + S3.
// PostgreSQL is the machine's server on 127.0.0.1:5432 (a database per test, dropped after);
// S3 is the real protocol, served by s3rver on a free port. Nothing is skipped: if PostgreSQL
// is down the test fails and says how to start it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export type StoragePair = 'sqlite+files' | 'postgres+s3';
export const storagePairs: StoragePair[] = ['sqlite+files', 'postgres+s3'];

export const POSTGRES_ADMIN_URL = process.env.BULWARK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PreparedStorage {
  dataDir: string;
  overrides: Record<string, unknown>;
  cleanup(): Promise<void>;
}

export async function prepareStorage(pair: StoragePair): Promise<PreparedStorage> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bulwark-test-'));
  if (pair === 'sqlite+files') {
    return { dataDir, overrides: { dataDir }, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const database = `bulwark_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (${(error as Error).message}). ` +
        "Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set BULWARK_TEST_POSTGRES_URL.",
    );
  }
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();

  const s3Dir = join(dataDir, 's3');
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: 'bulwark' }] });
  const { port } = (await s3.run()) as { port: number };
  const adminUrl = new URL(POSTGRES_ADMIN_URL);
  adminUrl.pathname = `/${database}`;
  return {
    dataDir,
    overrides: {
      dataDir,
      databaseUrl: adminUrl.toString(),
      blobUrl: 's3://bulwark/artifacts',
      s3Endpoint: `http://127.0.0.1:${port}`,
      s3AccessKeyId: 'S3RVER',
      s3SecretAccessKey: 'S3RVER',
      s3ForcePathStyle: 'true',
    },
    async cleanup() {
      await s3.close();
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
