// Opens the database the configuration names (SQLite in the data folder, or PostgreSQL) and
// brings its schema up to date. Only composition code and admin CLI commands call this.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-events-append-only.js';
import * as m003 from './migrations/003-files-and-yanks.js';
import * as m004 from './migrations/004-trusted-publishers.js';
import * as m005 from './migrations/005-version-descriptions.js';
import * as m006 from './migrations/006-email.js';
import * as m007 from './migrations/007-mfa.js';
import * as m008 from './migrations/008-rate-limits.js';
import * as m009 from './migrations/009-critical-packages.js';
import * as m010 from './migrations/010-account-recovery.js';
import * as m011 from './migrations/011-session-factors.js';

export type { Database } from './schema.js';
export type Db = Kysely<Database>;
export { isPostgres } from './dialect.js';

const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-events-append-only': m002,
  '003-files-and-yanks': m003,
  '004-trusted-publishers': m004,
  '005-version-descriptions': m005,
  '006-email': m006,
  '007-mfa': m007,
  '008-rate-limits': m008,
  '009-critical-packages': m009,
  '010-account-recovery': m010,
  '011-session-factors': m011,
};

export interface DbOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
}

export function openDatabase(options: DbOptions): Db {
  if (options.databaseUrl && /^postgres(ql)?:/.test(options.databaseUrl)) {
    // Counts and sums come back as JS numbers, not strings: our values stay far below 2^53.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  if (options.databaseUrl && !options.databaseUrl.startsWith('sqlite:')) {
    throw new Error('DATABASE_URL must start with postgres://, postgresql:// or sqlite:');
  }
  const file = options.databaseUrl?.slice('sqlite:'.length) || join(options.dataDir, 'bulwark.sqlite');
  if (file !== ':memory:') mkdirSync(join(file, '..'), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing was a fifth of the CPU of a cached package read.
 * Statements are reused by SQL text (Kysely runs one query at a time per connection, so a
 * statement is never used twice at once), least recently used first out, since queries with
 * IN lists of varying length make new texts.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
