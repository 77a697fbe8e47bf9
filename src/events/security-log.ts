// A user's security log: the events about their account (subject `user:<name>`, or the
// `user:<id>` form that sign-ins, sign-outs and CLI login approvals had before, in databases
// that still hold such events), the security-relevant things they did (tokens, owners, trusted publishers,
// CLI logins), and owner changes that added or removed them. Newest first, paged by event id.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { toStoredEvent, type StoredEvent } from './events.js';

/** Actions of a user that belong in their security log even when the subject is something else. */
const ACTED_TYPES = ['token:create', 'token:revoke', 'owner:add', 'owner:remove', 'trust:add', 'trust:revoke', 'cli-login:approve'];
/**
 * Events a user only ever writes about themselves, which older versions wrote with subject
 * `user:<id>`. Their subject alone is ambiguous (a user may be *named* "7"), so they count only
 * when the user is also the actor.
 */
const SELF_TYPES = ['session:create', 'user:logout', 'cli-login:approve'];

export interface SecurityLogPage {
  events: StoredEvent[];
  /** The `before` of the next (older) page, or null at the end. */
  nextBefore: number | null;
}

export function createSecurityLog(db: Kysely<Database>) {
  return {
    async forUser(user: { id: number; name: string }, options: { before?: number | null; limit?: number } = {}): Promise<SecurityLogPage> {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
      // Owner events name the affected user in their JSON data: `"userId":<id>` followed by `,` or `}`.
      const asData = [`%"userId":${user.id},%`, `%"userId":${user.id}}%`];
      let query = db
        .selectFrom('events')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('subject', '=', `user:${user.name}`), eb.or([eb('type', 'not in', SELF_TYPES), eb('actor_user_id', '=', user.id)])]),
            // Events written before every account event named the user (sign-ins, sign-outs, CLI
            // login approvals) have `user:<id>`; a user *named* like that id is someone else, so
            // those count only when the user is also the actor.
            eb.and([eb('actor_user_id', '=', user.id), eb.or([eb('type', 'in', ACTED_TYPES), eb('subject', '=', `user:${user.id}`)])]),
            eb.and([eb('type', 'in', ['owner:add', 'owner:remove']), eb.or(asData.map((pattern) => eb(sql<string>`data`, 'like', pattern)))]),
          ]),
        )
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (options.before != null) query = query.where('id', '<', options.before);
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      return {
        events: page.map(toStoredEvent),
        nextBefore: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },
  };
}

export type SecurityLog = ReturnType<typeof createSecurityLog>;
