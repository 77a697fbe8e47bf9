// Recovery links: 256 random bits mailed once, only their sha256 stored. A link works once
// (consumed by a conditional update, so two submissions cannot both pass) and for 30 minutes;
// a new request replaces the account's older unused links.
import type { Kysely, Transaction } from 'kysely';
import { isPostgres, type Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { invalid } from '../platform/errors.js';
import { randomToken, sha256Hex } from '../platform/crypto.js';

export const RECOVERY_LINK_TTL_MS = 30 * 60 * 1000;
export const RECOVERY_RESET_PATH = '/account/recover/reset';

export const linkInvalid = () => invalid('RECOVERY_LINK_INVALID', 'This recovery link is not valid. Use the newest link we sent, or ask for a new one.');
const linkUsed = () => invalid('RECOVERY_LINK_USED', 'This recovery link was already used. Each link works once; ask for a new one.');
const linkExpired = () => invalid('RECOVERY_LINK_EXPIRED', 'This recovery link has expired (links work for 30 minutes). Ask for a new one.');

export interface LinkRow {
  idHash: string;
  userId: number;
  email: string;
}

async function dropUnusedIn(trx: Kysely<Database> | Transaction<Database>, userId: number): Promise<void> {
  await trx.deleteFrom('recovery_links').where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

export function createLinks(db: Kysely<Database>, clock: Clock) {
  return {
    /** Drops the account's unused links (a new request, or a completed recovery). */
    async dropUnused(userId: number): Promise<void> {
      await dropUnusedIn(db, userId);
    },

    dropUnusedIn,

    /**
     * New links for the account's addresses, replacing its unused ones; returns the secrets (for
     * the mail only). One transaction, the account's row locked on PostgreSQL (SQLite runs one
     * transaction at a time), so two requests at once leave one request's links, not both.
     */
    async replace(userId: number, addresses: readonly string[]): Promise<Array<{ address: string; secret: string }>> {
      return db.transaction().execute(async (trx) => {
        if (isPostgres(db)) await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
        await dropUnusedIn(trx, userId);
        const now = clock.now();
        const issued: Array<{ address: string; secret: string }> = [];
        for (const address of addresses) {
          const secret = randomToken(32);
          await trx
            .insertInto('recovery_links')
            .values({
              id_hash: sha256Hex(secret),
              user_id: userId,
              email: address,
              created_at: now.toISOString(),
              expires_at: new Date(now.getTime() + RECOVERY_LINK_TTL_MS).toISOString(),
              used_at: null,
            })
            .execute();
          issued.push({ address, secret });
        }
        return issued;
      });
    },

    /** The live link for a secret, or the refusal to show. Reading never uses it. */
    async find(secret: string): Promise<LinkRow> {
      if (typeof secret !== 'string' || secret.length < 40 || secret.length > 64) throw linkInvalid();
      const row = await db.selectFrom('recovery_links').selectAll().where('id_hash', '=', sha256Hex(secret)).executeTakeFirst();
      if (!row) throw linkInvalid();
      if (row.used_at) throw linkUsed();
      if (row.expires_at <= isoNow(clock)) throw linkExpired();
      return { idHash: row.id_hash, userId: row.user_id, email: row.email };
    },

    /** Marks the link used if it still is usable; false when another request got there first. */
    async consume(link: LinkRow): Promise<string | null> {
      const now = isoNow(clock);
      const result = await db
        .updateTable('recovery_links')
        .set({ used_at: now })
        .where('id_hash', '=', link.idHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? now : null;
    },

    /** Gives a consumed link back when the step after it refused (e.g. the new password). */
    async release(link: LinkRow, usedAt: string): Promise<void> {
      await db.updateTable('recovery_links').set({ used_at: null }).where('id_hash', '=', link.idHash).where('used_at', '=', usedAt).execute();
    },

    usedError: linkUsed,
  };
}
