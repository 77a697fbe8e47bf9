// Queries of trusted publishing's own tables: trusted_publishers and oidc_jti.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../platform/db/index.js';

type Db = Kysely<Database> | Transaction<Database>;
export type PublisherRow = Selectable<Database['trusted_publishers']>;

export async function insertPublisher(db: Db, row: PublisherRow): Promise<void> {
  await db.insertInto('trusted_publishers').values(row).execute();
}

export async function activePublishersOf(db: Db, packageId: number): Promise<PublisherRow[]> {
  return db
    .selectFrom('trusted_publishers')
    .selectAll()
    .where('package_id', '=', packageId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

export async function activePublisher(db: Db, packageId: number, id: string): Promise<PublisherRow | undefined> {
  return db
    .selectFrom('trusted_publishers')
    .selectAll()
    .where('package_id', '=', packageId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Active publishers a token may be for: same issuer and main identity, optionally one package. */
export async function findCandidates(
  db: Db,
  filter: { issuer: string; provider: string; lookupKey: string; ecosystem: string; packageName?: string | undefined },
): Promise<PublisherRow[]> {
  let query = db
    .selectFrom('trusted_publishers')
    .selectAll()
    .where('issuer', '=', filter.issuer)
    .where('lookup_key', '=', filter.lookupKey)
    .where('provider', '=', filter.provider)
    .where('ecosystem', '=', filter.ecosystem)
    .where('revoked_at', 'is', null);
  if (filter.packageName !== undefined) query = query.where('package_name', '=', filter.packageName);
  return query.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(1000).execute();
}

export async function anyPublisherOfIssuer(db: Db, issuer: string): Promise<boolean> {
  const row = await db.selectFrom('trusted_publishers').select('id').where('issuer', '=', issuer).where('revoked_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

export async function markRevoked(db: Db, id: string, at: string, by: number | null): Promise<void> {
  await db.updateTable('trusted_publishers').set({ revoked_at: at, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/**
 * Records a token id as used. One INSERT that does nothing on conflict: of two exchanges racing
 * with the same token, exactly one inserts (on SQLite and PostgreSQL alike), and only it goes on.
 */
export async function claimJti(db: Db, issuer: string, jti: string, expiresAt: string): Promise<boolean> {
  const result = await db
    .insertInto('oidc_jti')
    .values({ issuer, jti, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['issuer', 'jti']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Forgets token ids whose tokens can no longer verify (past `exp` and the leeway), and minted tokens that expired. */
export async function pruneExpired(db: Db, now: string): Promise<void> {
  await db.deleteFrom('oidc_jti').where('expires_at', '<', now).execute();
  await db.deleteFrom('trusted_publisher_tokens').where('expires_at', '<', now).execute();
}

export async function recordMinted(db: Db, publisherIds: readonly string[], tokenId: string, expiresAt: string): Promise<void> {
  await db
    .insertInto('trusted_publisher_tokens')
    .values(publisherIds.map((publisher_id) => ({ publisher_id, token_id: tokenId, expires_at: expiresAt })))
    .execute();
}

/** The tokens a publisher minted that may still be live. */
export async function mintedBy(db: Db, publisherId: string, now: string): Promise<string[]> {
  const rows = await db
    .selectFrom('trusted_publisher_tokens')
    .select('token_id')
    .where('publisher_id', '=', publisherId)
    .where('expires_at', '>=', now)
    .execute();
  return rows.map((row) => row.token_id);
}

/** An active publisher by id, whatever its package. */
export async function activePublisherById(db: Db, id: string): Promise<PublisherRow | undefined> {
  return db.selectFrom('trusted_publishers').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst() as Promise<PublisherRow | undefined>;
}
