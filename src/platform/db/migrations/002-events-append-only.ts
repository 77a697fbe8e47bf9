import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

// The event log is append-only in the database itself, not only by convention in our code:
// an UPDATE or DELETE on it fails whoever sends it.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`CREATE FUNCTION bulwark_events_append_only() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'events are append-only'; END; $$ LANGUAGE plpgsql`.execute(db);
    await sql`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION bulwark_events_append_only()`.execute(db);
  } else {
    await sql`CREATE TRIGGER events_no_update BEFORE UPDATE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END`.execute(db);
    await sql`CREATE TRIGGER events_no_delete BEFORE DELETE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END`.execute(db);
  }
}

export async function down(): Promise<void> {}
