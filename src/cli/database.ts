// The database as admin commands see it: the configured one, its schema brought up to date
// first (as `bulwark serve` does at start), closed again when the command is done.
import type { Config } from '../platform/config.js';
import { loadConfig } from '../platform/config.js';
import { migrateToLatest, openDatabase, type Db } from '../platform/db/index.js';

export async function withDatabase<T>(work: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = openDatabase(config);
  try {
    const applied = await migrateToLatest(db);
    for (const name of applied) process.stderr.write(`Applied migration ${name}\n`);
    return await work(db, config);
  } finally {
    await db.destroy();
  }
}

/** Which database the configuration names, without credentials. */
export function describeDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string {
  const url = config.databaseUrl;
  if (url && /^postgres(ql)?:/.test(url)) {
    try {
      const parsed = new URL(url);
      return `PostgreSQL at ${parsed.host}${parsed.pathname}`;
    } catch {
      return 'PostgreSQL';
    }
  }
  const file = url?.startsWith('sqlite:') ? url.slice('sqlite:'.length) : `${config.dataDir}/bulwark.sqlite`;
  return `SQLite at ${file}`;
}
