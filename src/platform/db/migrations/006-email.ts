import { sql, type Kysely } from 'kysely';

// Verified email addresses, the single-use links that verify them, the devices each user has
// signed in from, and the cursor of the notification outbox.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'text').execute();
  // Every account so far was made by an administrator (or is the bootstrap admin): verified.
  await sql`UPDATE users SET email_verified_at = created_at`.execute(db);

  // A link's secret is 256 random bits; only its sha256 is kept. `email` is the address the link
  // proves (a new one for an email change); `purpose` is 'verify' or 'change'.
  await db.schema
    .createTable('email_tokens')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('email_tokens_user').on('email_tokens').column('user_id').execute();

  // `device_key` is a digest of the user agent's family and the network (IPv4 /24, IPv6 /48).
  await db.schema
    .createTable('known_devices')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('device_key', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('known_devices_pk', ['user_id', 'device_key'])
    .execute();

  // How far each outbox reader has got in the events table. Starts at the current end, so an
  // upgrade does not mail about the past.
  await db.schema
    .createTable('outbox_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_event_id', 'integer', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO outbox_cursors (name, last_event_id) SELECT 'email-notifications', COALESCE(MAX(id), 0) FROM events`.execute(db);
}

export async function down(): Promise<void> {}
