import type { Kysely } from 'kysely';

// How a web session was signed in: the second factor proven at sign-in (or since, in that
// session), or null for a password alone. The MFA policy asks it, so a session opened with an
// app code does not pass for phishing-resistant because the account also has a passkey.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('second_factor', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('second_factor').execute();
}
