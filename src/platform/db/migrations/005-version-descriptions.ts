import type { Kysely } from 'kysely';

// A one-line description per version in a neutral column (each ecosystem keeps it under its own
// field name in its manifest), so search works the same across ecosystems.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('versions').addColumn('description', 'text').execute();
}

export async function down(): Promise<void> {}
