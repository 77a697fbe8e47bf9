import type { Kysely } from 'kysely';
import { idColumnType, isPostgres } from '../dialect.js';

// Account recovery (docs/security/account-recovery.md): the single-use links mailed for email
// recovery, the flags set on accounts (an address on an abandoned domain), and the last verdict
// of the domain check per email domain.
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  // A link's secret is 256 random bits; only its sha256 is kept, with the address it went to.
  await db.schema
    .createTable('recovery_links')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('recovery_links_user').on('recovery_links').column('user_id').execute();

  // `detail` is JSON (e.g. the domain and the checker's reason). Open while `resolved_at` is null.
  await db.schema
    .createTable('account_flags')
    .addColumn('id', idColumnType(db), (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await db.schema.createIndex('account_flags_user').on('account_flags').column('user_id').execute();

  await db.schema
    .createTable('email_domain_checks')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {}
