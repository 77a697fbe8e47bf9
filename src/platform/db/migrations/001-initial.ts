import type { Kysely } from 'kysely';
import { idColumnType, isPostgres } from '../dialect.js';

// Tables are created with portable types; see ../schema.ts for why.
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumnType(db);
  const autoId = (col: any) => (pg ? col.primaryKey() : col.primaryKey().autoIncrement());

  await db.schema
    .createTable('users')
    .addColumn('id', id, autoId)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('readonly', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('cidr_whitelist', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();

  await db.schema
    .createTable('cli_logins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('done_secret_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'text')
    .addColumn('consumed_at', 'text')
    .execute();

  await db.schema
    .createTable('packages')
    .addColumn('id', id, autoId)
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('last_event_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('packages_ecosystem_name', ['ecosystem', 'name'])
    .execute();

  await db.schema
    .createTable('package_owners')
    .addColumn('package_id', 'integer', (c) => c.notNull().references('packages.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('package_owners_pk', ['package_id', 'user_id'])
    .execute();
  await db.schema.createIndex('package_owners_user').on('package_owners').column('user_id').execute();

  await db.schema
    .createTable('versions')
    .addColumn('id', id, autoId)
    .addColumn('package_id', 'integer', (c) => c.notNull().references('packages.id'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('deprecated', 'text')
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('readme', 'text')
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('published_by', 'integer', (c) => c.references('users.id'))
    .addColumn('removed_at', 'text')
    .addUniqueConstraint('versions_package_version', ['package_id', 'version'])
    .execute();

  await db.schema
    .createTable('artifacts')
    .addColumn('id', id, autoId)
    .addColumn('version_id', 'integer', (c) => c.notNull().references('versions.id'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('sha512', 'text', (c) => c.notNull())
    .addColumn('sha1', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('artifacts_version_filename', ['version_id', 'filename'])
    .execute();

  await db.schema
    .createTable('dist_tags')
    .addColumn('package_id', 'integer', (c) => c.notNull().references('packages.id'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('version_id', 'integer', (c) => c.notNull().references('versions.id'))
    .addPrimaryKeyConstraint('dist_tags_pk', ['package_id', 'tag'])
    .execute();

  await db.schema
    .createTable('dependencies')
    .addColumn('version_id', 'integer', (c) => c.notNull().references('versions.id'))
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('range', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dependencies_target').on('dependencies').columns(['ecosystem', 'name']).execute();
  await db.schema.createIndex('dependencies_version').on('dependencies').column('version_id').execute();

  await db.schema
    .createTable('events')
    .addColumn('id', id, autoId)
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'integer')
    .addColumn('actor_token_id', 'text')
    .addColumn('package_id', 'integer')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_package').on('events').column('package_id').execute();
  await db.schema.createIndex('events_actor').on('events').column('actor_user_id').execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  // Never run: migrations only move forward in a registry that keeps its history.
}
