// What happens when an address of an account sits on an abandoned domain, found by a recovery
// request or by the periodic check: the verdict is remembered, the account flagged (once per
// domain), and the account's other addresses and every administrator are told. A recovery
// request also logs its refusal (`recovery:refused`) in the same transaction as the flag.
import { forbidden } from '../platform/errors.js';
import { isoNow } from '../platform/clock.js';
import { appendEvent } from '../events/index.js';
import type { RecoveryContext } from './context.js';
import type { AccountContact } from './directory.js';
import type { DomainVerdict } from './email-domains.js';
import { flagAccount } from './flags.js';
import { abandonedDomainAdminMail, abandonedDomainOwnerMail, describeReason } from './notices.js';

/** The refusal recorded (never shown to the requester, who sees the answer everyone sees). */
export const domainAbandoned = (domain: string) =>
  forbidden('RECOVERY_EMAIL_DOMAIN_ABANDONED', `Recovery by email to the domain ${domain} is refused: the domain looks abandoned.`);

export async function rememberVerdict(ctx: RecoveryContext, verdict: DomainVerdict): Promise<void> {
  const row = { status: verdict.status, reason: verdict.reason, detail: verdict.detail ?? null, checked_at: isoNow(ctx.clock) };
  await ctx.db
    .insertInto('email_domain_checks')
    .values({ domain: verdict.domain, ...row })
    .onConflict((oc) => oc.column('domain').doUpdateSet(row))
    .execute();
}

/**
 * Records an abandoned address of an account. `otherAddresses` are the account's addresses not
 * on an abandoned domain (they get the owner's notice). Returns whether the account was newly
 * flagged.
 */
export async function reportAbandoned(
  ctx: RecoveryContext,
  input: { account: AccountContact; address: string; verdict: DomainVerdict; otherAddresses: string[]; source: 'recovery' | 'job' },
): Promise<boolean> {
  const { account, address, verdict, source } = input;
  const newlyFlagged = await ctx.db.transaction().execute(async (trx) => {
    if (source === 'recovery') {
      const refusal = domainAbandoned(verdict.domain);
      await appendEvent(trx, ctx.clock, {
        type: 'recovery:refused',
        actor: { userId: null },
        subject: `user:${account.name}`,
        data: { userId: account.id, code: refusal.code, domain: verdict.domain, reason: verdict.reason, ...(verdict.detail ? { detail: verdict.detail } : {}) },
      });
      ctx.log?.warn({ 'user.id': account.id, 'email.domain': verdict.domain, reason: verdict.reason, code: refusal.code }, 'recovery:refused');
    }
    return flagAccount(trx, ctx.clock, {
      userId: account.id,
      userName: account.name,
      reason: 'email-domain-abandoned',
      subject: verdict.domain,
      detail: { domainReason: verdict.reason, ...(verdict.detail ? { detail: verdict.detail } : {}) },
      source,
    });
  });
  await rememberVerdict(ctx, verdict);
  ctx.log?.warn({ 'user.id': account.id, 'email.domain': verdict.domain, reason: describeReason(verdict), source }, 'email domain of an account looks abandoned');
  // A recovery attempt is news every time; the periodic check tells once per flag.
  if (!newlyFlagged && source === 'job') return false;
  const owner = abandonedDomainOwnerMail({ name: account.name, address, verdict, publicUrl: ctx.publicUrl, refusedRecovery: source === 'recovery' });
  for (const other of input.otherAddresses) await ctx.mail(other, owner);
  await ctx.mailAdmins(abandonedDomainAdminMail({ name: account.name, address, verdict, publicUrl: ctx.publicUrl, source }), [address]);
  return newlyFlagged;
}
