import type { Kysely } from 'kysely';

// Ecosystems whose versions hold several files, uploaded one by one: per-file metadata and
// removal, and a reason for yanked versions.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('artifacts').addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  await db.schema.alterTable('artifacts').addColumn('removed_at', 'text').execute();
  await db.schema.alterTable('versions').addColumn('yank_reason', 'text').execute();
  await db.schema.createIndex('artifacts_blob_key').on('artifacts').column('blob_key').execute();
  await db.schema.createIndex('artifacts_filename').on('artifacts').column('filename').execute();
}

export async function down(): Promise<void> {}
