import type { Kysely } from 'kysely';

// Trusted publishing: per-package publisher configs (a CI identity allowed to publish), the
// OIDC token ids already exchanged (each ID token is accepted once), the tokens publishers
// minted, and on a token the publisher it was minted for.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trusted_publishers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('package_id', 'integer', (c) => c.notNull().references('packages.id'))
    // The package's ecosystem and normalized name, copied: names never change, and an exchange
    // finds the names it mints for without reading the registry's tables.
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    // The `iss` its tokens must come from (GitLab and GitHub have self-hosted instances too).
    .addColumn('issuer', 'text', (c) => c.notNull())
    // The provider's main identity, lower-cased (GitHub repository, GitLab project path…): the
    // indexed column an exchange looks candidates up by.
    .addColumn('lookup_key', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await db.schema.createIndex('trusted_publishers_package').on('trusted_publishers').column('package_id').execute();
  await db.schema.createIndex('trusted_publishers_lookup').on('trusted_publishers').columns(['issuer', 'lookup_key']).execute();

  await db.schema
    .createTable('oidc_jti')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_jti_pk', ['issuer', 'jti'])
    .execute();
  await db.schema.createIndex('oidc_jti_expires').on('oidc_jti').column('expires_at').execute();

  // The live tokens each publisher minted (a token may cover several publishers' packages), so
  // revoking a publisher revokes them too. Rows are dropped once the tokens have expired.
  await db.schema
    .createTable('trusted_publisher_tokens')
    .addColumn('publisher_id', 'text', (c) => c.notNull().references('trusted_publishers.id'))
    .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('trusted_publisher_tokens_pk', ['publisher_id', 'token_id'])
    .execute();
  await db.schema.createIndex('trusted_publisher_tokens_expires').on('trusted_publisher_tokens').column('expires_at').execute();

  await db.schema.alterTable('tokens').addColumn('publisher_id', 'text', (c) => c.references('trusted_publishers.id')).execute();
}

export async function down(): Promise<void> {}
