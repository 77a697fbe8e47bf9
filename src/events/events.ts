// The append-only log of every state change, named `resource:action`. Written in the same
// transaction as the change it records, so the log and the state can never disagree.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';

export interface EventActor {
  userId: number | null;
  tokenId?: string | null;
}

export interface NewEvent {
  type: EventType;
  actor: EventActor;
  packageId?: number | null;
  /** What the event is about, e.g. `npm:@acme/demo@1.0.0` or `user:alice`. */
  subject: string;
  data?: Record<string, unknown>;
}

export type EventType =
  | 'user:create'
  | 'user:login'
  | 'user:login-failed'
  | 'user:locked'
  | 'user:password-leaked'
  | 'user:logout'
  | 'session:create'
  | 'token:create'
  | 'token:revoke'
  | 'cli-login:approve'
  | 'package:create'
  | 'package:unpublish'
  | 'package:access'
  | 'version:publish'
  | 'version:deprecate'
  | 'version:undeprecate'
  | 'version:unpublish'
  | 'version:yank'
  | 'version:unyank'
  | 'file:upload'
  | 'tag:set'
  | 'tag:remove'
  | 'owner:add'
  | 'owner:remove'
  | 'trust:add'
  | 'trust:revoke'
  | 'trust:exchange'
  | 'mfa:add'
  | 'mfa:remove'
  | 'mfa:recovery-codes'
  | 'mfa:failed'
  | 'mfa:reset'
  // Email and account security (A). Account events carry `data.userId` and `subject: 'user:<name>'`.
  | 'user:email-verify'
  | 'user:email-change'
  | 'user:password-change'
  | 'session:new-device'
  // MFA policy (issue 4, C)
  | 'policy:change'
  | 'package:critical'
  | 'otp:grant'
  // account recovery (docs/security/account-recovery.md)
  | 'recovery:request'
  | 'recovery:complete'
  | 'recovery:refused'
  | 'recovery:admin'
  | 'user:flag';

export interface StoredEvent {
  id: number;
  type: string;
  actorUserId: number | null;
  actorTokenId: string | null;
  packageId: number | null;
  subject: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** Appends an event; when it concerns a package, moves that package's revision to it (cache key). */
export async function appendEvent(trx: Transaction<Database> | Kysely<Database>, clock: Clock, event: NewEvent): Promise<number> {
  const row = await trx
    .insertInto('events')
    .values({
      type: event.type,
      actor_user_id: event.actor.userId,
      actor_token_id: event.actor.tokenId ?? null,
      package_id: event.packageId ?? null,
      subject: event.subject,
      data: JSON.stringify(event.data ?? {}),
      created_at: clock.now().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (event.packageId != null) {
    await trx.updateTable('packages').set({ last_event_id: row.id }).where('id', '=', event.packageId).execute();
  }
  return row.id;
}

export async function listEvents(
  db: Kysely<Database>,
  filter: { packageId?: number; actorUserId?: number; afterId?: number; limit?: number } = {},
): Promise<StoredEvent[]> {
  let query = db.selectFrom('events').selectAll().orderBy('id', 'asc').limit(filter.limit ?? 1000);
  if (filter.packageId !== undefined) query = query.where('package_id', '=', filter.packageId);
  if (filter.actorUserId !== undefined) query = query.where('actor_user_id', '=', filter.actorUserId);
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
  const rows = await query.execute();
  return rows.map(toStoredEvent);
}

/** A row of the events table as features read it. */
export function toStoredEvent(r: Selectable<Database['events']>): StoredEvent {
  return {
    id: r.id,
    type: r.type,
    actorUserId: r.actor_user_id,
    actorTokenId: r.actor_token_id,
    packageId: r.package_id,
    subject: r.subject,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: r.created_at,
  };
}
