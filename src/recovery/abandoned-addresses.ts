// Is an address on a domain found abandoned? Whoever registers a lapsed domain receives its
// mail, so other features (the notification outbox) ask before mailing. An address counts as
// abandoned while its domain's last verdict is `abandoned`, or while an account flag for that
// domain is open: a domain re-registered by someone else has a mail route again and checks
// "ok", so only an administrator resolving the flag (administrator recovery) clears it.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { emailDomain } from './email-domains.js';

export function createAbandonedAddresses(db: Kysely<Database>) {
  return async function isAbandonedAddress(address: string): Promise<boolean> {
    const domain = emailDomain(address);
    if (!domain) return false;
    const verdict = await db.selectFrom('email_domain_checks').select('status').where('domain', '=', domain).executeTakeFirst();
    if (verdict?.status === 'abandoned') return true;
    const flag = await db
      .selectFrom('account_flags')
      .select('id')
      .where('reason', '=', 'email-domain-abandoned')
      .where('subject', '=', domain)
      .where('resolved_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return flag !== undefined;
  };
}
