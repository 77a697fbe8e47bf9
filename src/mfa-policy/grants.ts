// npm's web-auth OTP flow. A refused change answers 401 `WWW-Authenticate: OTP` with an
// `authUrl` and a `doneUrl`; npm opens the first in a browser and polls the second. The page
// has the signed-in user prove a factor (a WebAuthn assertion); the next poll then yields a
// one-time grant, which npm sends back as `npm-otp` when it repeats the change. Every secret
// (done secret, grant) is 256 random bits stored as its sha256 digest.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import { randomToken, sha256Hex } from '../platform/crypto.js';
import { BulwarkError } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';

/** The prefix that tells a grant from a TOTP or recovery code in `npm-otp`. */
export const GRANT_PREFIX = 'bwo_';
const REQUEST_TTL_MS = 10 * 60_000;
const GRANT_TTL_MS = 5 * 60_000;

export type PollResult = { state: 'pending' } | { state: 'granted'; grant: string };

const requestUnknown = () => new BulwarkError('not_found', 'OTP_REQUEST_UNKNOWN', 'This authentication request is unknown, expired or already used.');

export function createGrants({ db, clock }: { db: Kysely<Database>; clock: Clock }) {
  const now = () => clock.now();

  return {
    /** A new request for `userId`: the id goes into the page URL, the done secret into the poll URL. */
    async start(userId: number): Promise<{ id: string; doneSecret: string }> {
      const id = randomToken(16);
      const doneSecret = randomToken(32);
      const at = now();
      // The user's expired requests go: refusals must not pile up rows.
      await db.deleteFrom('otp_grants').where('user_id', '=', userId).where('expires_at', '<=', at.toISOString()).execute();
      await db
        .insertInto('otp_grants')
        .values({
          id,
          done_secret_hash: sha256Hex(doneSecret),
          user_id: userId,
          created_at: at.toISOString(),
          expires_at: new Date(at.getTime() + REQUEST_TTL_MS).toISOString(),
          approved_at: null,
          grant_hash: null,
          grant_issued_at: null,
          consumed_at: null,
        })
        .execute();
      return { id, doneSecret };
    },

    /** The open request behind a page URL, for the user it belongs to (others see "unknown"). */
    async pending(id: string, userId: number): Promise<{ id: string; createdAt: string; approved: boolean }> {
      const row = await db.selectFrom('otp_grants').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row || row.user_id !== userId || row.expires_at <= now().toISOString() || row.grant_issued_at !== null) throw requestUnknown();
      return { id: row.id, createdAt: row.created_at, approved: row.approved_at !== null };
    },

    /** The user proved a factor in the browser: the next poll gets the grant. An `otp:grant` event. */
    async approve(id: string, userId: number, factor: { phishingResistant: boolean; kind: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const at = now().toISOString();
        const result = await trx
          .updateTable('otp_grants')
          .set({ approved_at: at, phishing_resistant: factor.phishingResistant ? 1 : 0 })
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .where('approved_at', 'is', null)
          .where('expires_at', '>', at)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw requestUnknown();
        const user = await trx.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow();
        await appendEvent(trx, clock, {
          type: 'otp:grant',
          actor: { userId },
          subject: `user:${user.name}`,
          data: { userId, kind: factor.kind, phishingResistant: factor.phishingResistant },
        });
      });
    },

    /** npm's poll: pending until approved, then the grant, exactly once. */
    async poll(doneSecret: string): Promise<PollResult> {
      const row = await db.selectFrom('otp_grants').selectAll().where('done_secret_hash', '=', sha256Hex(doneSecret)).executeTakeFirst();
      const at = now();
      if (!row || row.grant_issued_at !== null || row.expires_at <= at.toISOString()) throw requestUnknown();
      if (row.approved_at === null) return { state: 'pending' };
      const grant = `${GRANT_PREFIX}${randomToken(32)}`;
      const result = await db
        .updateTable('otp_grants')
        .set({ grant_hash: sha256Hex(grant), grant_issued_at: at.toISOString(), expires_at: new Date(at.getTime() + GRANT_TTL_MS).toISOString() })
        .where('id', '=', row.id)
        .where('grant_issued_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw requestUnknown();
      return { state: 'granted', grant };
    },

    /** Uses up a grant of `userId`; null when it is not one (unknown, expired, used, someone else's). */
    async consume(userId: number, grant: string): Promise<{ phishingResistant: boolean } | null> {
      const at = now().toISOString();
      const row = await db.selectFrom('otp_grants').selectAll().where('grant_hash', '=', sha256Hex(grant)).executeTakeFirst();
      if (!row || row.user_id !== userId || row.consumed_at !== null || row.expires_at <= at) return null;
      const result = await db.updateTable('otp_grants').set({ consumed_at: at }).where('id', '=', row.id).where('consumed_at', 'is', null).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      return { phishingResistant: row.phishing_resistant === 1 };
    },
  };
}

export type Grants = ReturnType<typeof createGrants>;
