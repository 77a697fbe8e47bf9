// Flags on accounts: an administrator should look (today: an address on an abandoned domain).
// One open flag per account, reason and subject, so the periodic check does not pile them up
// or mail about the same domain every day. Administrator recovery resolves them.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { appendEvent } from '../events/index.js';

export type FlagReason = 'email-domain-abandoned';

export interface NewFlag {
  userId: number;
  userName: string;
  reason: FlagReason;
  /** What it is about, e.g. the domain. */
  subject: string;
  detail: Record<string, unknown>;
  /** Who noticed: a recovery request or the periodic check. */
  source: 'recovery' | 'job';
}

/** Flags the account unless the same flag is open; true when a new flag (and `user:flag` event) was written. */
export async function flagAccount(trx: Transaction<Database>, clock: Clock, flag: NewFlag): Promise<boolean> {
  const open = await trx
    .selectFrom('account_flags')
    .select('id')
    .where('user_id', '=', flag.userId)
    .where('reason', '=', flag.reason)
    .where('subject', '=', flag.subject)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  if (open) return false;
  await trx
    .insertInto('account_flags')
    .values({
      user_id: flag.userId,
      reason: flag.reason,
      subject: flag.subject,
      detail: JSON.stringify(flag.detail),
      created_at: isoNow(clock),
      resolved_at: null,
      resolved_by: null,
    })
    .execute();
  await appendEvent(trx, clock, {
    type: 'user:flag',
    actor: { userId: null },
    subject: `user:${flag.userName}`,
    data: { userId: flag.userId, reason: flag.reason, domain: flag.subject, source: flag.source, ...flag.detail },
  });
  return true;
}

/** Resolves every open flag of the account; returns how many. */
export async function resolveFlags(trx: Transaction<Database>, clock: Clock, userId: number, byUserId: number): Promise<number> {
  const result = await trx
    .updateTable('account_flags')
    .set({ resolved_at: isoNow(clock), resolved_by: byUserId })
    .where('user_id', '=', userId)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface OpenFlag {
  userId: number;
  userName: string;
  reason: string;
  subject: string;
  createdAt: string;
}

export async function openFlags(db: Kysely<Database>, userId?: number): Promise<OpenFlag[]> {
  let query = db
    .selectFrom('account_flags')
    .innerJoin('users', 'users.id', 'account_flags.user_id')
    .select(['account_flags.user_id', 'users.name', 'account_flags.reason', 'account_flags.subject', 'account_flags.created_at'])
    .where('account_flags.resolved_at', 'is', null);
  if (userId !== undefined) query = query.where('account_flags.user_id', '=', userId);
  const rows = await query.orderBy('account_flags.id').execute();
  return rows.map((r) => ({ userId: r.user_id, userName: r.name, reason: r.reason, subject: r.subject, createdAt: r.created_at }));
}
