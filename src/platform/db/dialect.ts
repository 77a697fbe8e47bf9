import { PostgresAdapter, type Kysely } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Auto-increment key type: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL's serial. */
export function idColumnType(db: Kysely<any>): 'integer' | 'serial' {
  return isPostgres(db) ? 'serial' : 'integer';
}
