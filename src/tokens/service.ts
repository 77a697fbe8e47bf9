// API tokens: 256 random bits shown once, stored only as a sha256 digest (a digest of that
// much entropy cannot be brute-forced, and a lookup by digest compares no secret in our code).
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { sha256Hex } from '../platform/crypto.js';
import { invalid, notFound } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';
import { generateToken, looksLikeToken } from './format.js';
import { ipAllowed, parseCidrList, type TokenScope } from './scope.js';

export interface TokenInfo {
  key: string;
  /** First characters of the token, enough to recognise it in a list. */
  prefix: string;
  name: string | null;
  readonly: boolean;
  scope: TokenScope;
  cidrWhitelist: string[];
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface NewTokenInput {
  userId: number;
  name?: string | null;
  scope?: TokenScope;
  cidrWhitelist?: unknown;
  expiresInDays?: number | null;
  /** For short-lived tokens (trusted publishing mints 15-minute ones); not with expiresInDays. */
  expiresInSeconds?: number | null;
  actorTokenId?: string | null;
  /** The trusted publisher a minted token acts for (recorded on the token and its event). */
  publisherId?: string | null;
}

export interface AuthenticatedToken {
  userId: number;
  tokenId: string;
  scope: TokenScope;
  /** Set when the token was minted for a trusted publisher. */
  publisherId: string | null;
}

const LAST_USED_GRANULARITY_MS = 60_000;

export function createTokensService({ db, clock }: { db: Kysely<Database>; clock: Clock }) {
  return {
    async create(input: NewTokenInput): Promise<{ token: string; info: TokenInfo }> {
      const scope = input.scope ?? { permission: 'read-write' as const, packages: null, scopes: null };
      const cidrs = parseCidrList(input.cidrWhitelist);
      const name = input.name == null ? null : String(input.name).slice(0, 128);
      let expiresAt: string | null = null;
      if (input.expiresInDays != null) {
        const days = Number(input.expiresInDays);
        if (!Number.isInteger(days) || days < 1 || days > 365) throw invalid('TOKEN_EXPIRY_INVALID', 'expires must be a whole number of days from 1 to 365.');
        expiresAt = new Date(clock.now().getTime() + days * 86_400_000).toISOString();
      }
      if (input.expiresInSeconds != null) {
        const seconds = Number(input.expiresInSeconds);
        if (input.expiresInDays != null || !Number.isInteger(seconds) || seconds < 1 || seconds > 365 * 86_400) {
          throw invalid('TOKEN_EXPIRY_INVALID', 'An expiry in seconds is a whole number up to a year, and not given with one in days.');
        }
        expiresAt = new Date(clock.now().getTime() + seconds * 1000).toISOString();
      }
      const token = generateToken();
      const now = isoNow(clock);
      // Hex, not a UUID: npm redacts UUID-shaped text in its output, which would hide the key
      // users pass to `npm token revoke`.
      const id = randomBytes(16).toString('hex');
      const row = {
        id,
        user_id: input.userId,
        name,
        token_hash: sha256Hex(token),
        token_prefix: token.slice(0, 10),
        readonly: scope.permission === 'read-only' ? 1 : 0,
        scopes: JSON.stringify(scope),
        cidr_whitelist: JSON.stringify(cidrs),
        created_at: now,
        updated_at: now,
        expires_at: expiresAt,
        last_used_at: null,
        revoked_at: null,
        publisher_id: input.publisherId ?? null,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('tokens').values(row).execute();
        await appendEvent(trx, clock, {
          type: 'token:create',
          actor: { userId: input.userId, tokenId: input.actorTokenId ?? null },
          subject: `token:${id}`,
          data: {
            // Whose token (the notifier mails them) and what it may do.
            userId: input.userId,
            name,
            permission: scope.permission,
            readonly: scope.permission === 'read-only',
            packages: scope.packages,
            scopes: scope.scopes,
            ecosystem: scope.ecosystem ?? null,
            cidrs,
            expiresAt,
            ...(input.publisherId ? { publisherId: input.publisherId } : {}),
          },
        });
      });
      return { token, info: toInfo(row) };
    },

    /** The token's owner and scope, or null for anything unknown, revoked, expired or off-range. */
    async authenticate(raw: string, ip: string | undefined): Promise<AuthenticatedToken | null> {
      if (!looksLikeToken(raw)) return null;
      const row = await db.selectFrom('tokens').selectAll().where('token_hash', '=', sha256Hex(raw)).executeTakeFirst();
      if (!row || row.revoked_at) return null;
      const now = clock.now();
      if (row.expires_at && row.expires_at <= now.toISOString()) return null;
      if (!ipAllowed(JSON.parse(row.cidr_whitelist) as string[], ip)) return null;
      if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > LAST_USED_GRANULARITY_MS) {
        // Written at most once a minute per token so the read path stays read-only.
        await db.updateTable('tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
      }
      return { userId: row.user_id, tokenId: row.id, scope: JSON.parse(row.scopes) as TokenScope, publisherId: row.publisher_id };
    },

    async list(userId: number): Promise<TokenInfo[]> {
      const rows = await db
        .selectFrom('tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        // Tokens minted for trusted publishers last minutes and belong to the publisher, not the
        // user's list (one per CI run would pile up there).
        .where('publisher_id', 'is', null)
        .orderBy('created_at', 'asc')
        .execute();
      return rows.map(toInfo);
    },

    /** Revokes by key, or by the token text itself (npm logout sends the token). */
    async revoke(userId: number, keyOrToken: string, actorTokenId: string | null = null): Promise<void> {
      const byToken = looksLikeToken(keyOrToken);
      const row = await db
        .selectFrom('tokens')
        .select(['id'])
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where(byToken ? 'token_hash' : 'id', '=', byToken ? sha256Hex(keyOrToken) : keyOrToken)
        .executeTakeFirst();
      if (!row) throw notFound('TOKEN_NOT_FOUND', 'No such token.');
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('tokens').set({ revoked_at: isoNow(clock), updated_at: isoNow(clock) }).where('id', '=', row.id).execute();
        await appendEvent(trx, clock, { type: 'token:revoke', actor: { userId, tokenId: actorTokenId }, subject: `token:${row.id}` });
      });
    },

    /**
     * Revokes those of these tokens that are live and were minted for a trusted publisher (when
     * the publisher is revoked); other tokens are left alone.
     */
    async revokeMinted(tokenIds: readonly string[], actor: { userId: number | null; tokenId: string | null }): Promise<number> {
      if (tokenIds.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('tokens')
          .select(['id', 'publisher_id'])
          .where('id', 'in', [...tokenIds])
          .where('publisher_id', 'is not', null)
          .where('revoked_at', 'is', null)
          .execute();
        if (rows.length === 0) return 0;
        const now = isoNow(clock);
        await trx.updateTable('tokens').set({ revoked_at: now, updated_at: now }).where('id', 'in', rows.map((r) => r.id)).execute();
        for (const row of rows) {
          await appendEvent(trx, clock, { type: 'token:revoke', actor, subject: `token:${row.id}`, data: { publisherId: row.publisher_id } });
        }
        return rows.length;
      });
    },
  };
}

function toInfo(row: Database['tokens'] & { id: string }): TokenInfo {
  return {
    key: row.id,
    prefix: row.token_prefix,
    name: row.name,
    readonly: row.readonly === 1,
    scope: JSON.parse(row.scopes) as TokenScope,
    cidrWhitelist: JSON.parse(row.cidr_whitelist) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
