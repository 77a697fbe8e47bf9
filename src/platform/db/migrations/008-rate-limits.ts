import type { Kysely } from 'kysely';

// Attempt counters of the attempt limiter (platform/rate-limit) when it keeps them in the
// database: one row per counter key, `expire` in Unix milliseconds (bigint: past 2^31). And on
// users, when sign-in found the password leaked (the reason `must_change_password` is set).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('expire', 'bigint')
    .execute();
  await db.schema.createIndex('rate_limits_expire').on('rate_limits').column('expire').execute();
  await db.schema.alterTable('users').addColumn('password_leaked_at', 'text').execute();
}

export async function down(): Promise<void> {}
