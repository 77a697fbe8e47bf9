import type { Kysely } from 'kysely';

// Multi-factor authentication: second factors per user (TOTP with its secret encrypted at rest,
// WebAuthn security keys and passkeys), one-time recovery codes (stored as keyed hashes), the
// WebAuthn challenges in flight (single use, expiring, bound to the browser that asked), and
// sign-ins whose password was right but whose second factor is still pending.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mfa_factors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    // 'totp' | 'security-key' | 'passkey'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    // NULL while a TOTP enrolment waits for its first code; WebAuthn factors are born confirmed.
    .addColumn('confirmed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    // TOTP: `v1.<iv>.<ciphertext>.<tag>` (AES-256-GCM, key derived from the app secret), and the
    // last time step accepted, so a code is good once.
    .addColumn('totp_secret', 'text')
    .addColumn('totp_last_step', 'integer')
    // WebAuthn: credential id and COSE public key (base64url), signature counter, transports
    // (JSON list; the counter is an unsigned 32-bit value, hence bigint), whether the authenticator says the credential is backed up (synced passkey).
    .addColumn('credential_id', 'text')
    .addColumn('public_key', 'text')
    .addColumn('sign_count', 'bigint')
    .addColumn('transports', 'text')
    .addColumn('backed_up', 'integer')
    .execute();
  await db.schema.createIndex('mfa_factors_user').on('mfa_factors').column('user_id').execute();
  await db.schema.createIndex('mfa_factors_credential').on('mfa_factors').column('credential_id').unique().execute();

  await db.schema
    .createTable('mfa_recovery_codes')
    // HMAC-SHA256 of the normalised code under a key derived from the app secret.
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('mfa_recovery_codes_user').on('mfa_recovery_codes').column('user_id').execute();

  await db.schema
    .createTable('webauthn_challenges')
    // sha256 of the random handle kept in the browser's cookie: the challenge is bound to it.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    // 'register' | 'second-factor' | 'passwordless'
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    // Registration: the kind being added ('security-key' | 'passkey').
    .addColumn('factor_kind', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webauthn_challenges_expires').on('webauthn_challenges').column('expires_at').execute();

  await db.schema
    .createTable('mfa_pending_logins')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mfa_pending_logins_expires').on('mfa_pending_logins').column('expires_at').execute();
}

export async function down(): Promise<void> {}
