import type { Kysely } from 'kysely';

// MFA policies (issue 4): downloads per version per day (the measure of a critical package),
// the packages an administrator marked critical, the web-auth second-factor grants npm polls
// for, and the tokens created with a fresh second factor (the only factor PyPI's clients carry).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('download_counts')
    .addColumn('version_id', 'integer', (c) => c.notNull().references('versions.id'))
    .addColumn('package_id', 'integer', (c) => c.notNull().references('packages.id'))
    // UTC day, YYYY-MM-DD: sorts as text, compares across both databases.
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('download_counts_pk', ['version_id', 'day'])
    .execute();
  // The critical computation sums a window of days per package.
  await db.schema.createIndex('download_counts_day').on('download_counts').columns(['day', 'package_id']).execute();

  await db.schema
    .createTable('critical_packages')
    .addColumn('package_id', 'integer', (c) => c.primaryKey().references('packages.id'))
    // Null when marked with the `bulwark` CLI (the server's operator, no account).
    .addColumn('marked_by', 'integer', (c) => c.references('users.id'))
    .addColumn('marked_at', 'text', (c) => c.notNull())
    .execute();

  // npm's web-auth OTP flow: the CLI opens /account/otp/<id> and polls the done URL with the
  // secret; once the user proved a (phishing-resistant) factor in the browser the poll yields a
  // one-time grant, which npm sends back as `npm-otp`. Secrets are stored as sha256 digests.
  await db.schema
    .createTable('otp_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('done_secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'text')
    .addColumn('phishing_resistant', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('grant_hash', 'text', (c) => c.unique())
    .addColumn('grant_issued_at', 'text')
    .addColumn('consumed_at', 'text')
    .execute();

  await db.schema
    .createTable('second_factor_tokens')
    .addColumn('token_id', 'text', (c) => c.primaryKey().references('tokens.id'))
    .addColumn('verified_at', 'text', (c) => c.notNull())
    .addColumn('phishing_resistant', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(): Promise<void> {}
