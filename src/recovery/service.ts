// Account recovery and takeover prevention, as docs/security/account-recovery.md states it:
// email links (not to abandoned domains), recovery codes, administrator-assisted recovery with
// an audit trail, and the periodic check of email domains.
import type { RecoveryDeps } from './deps.js';
import { createRecoveryContext } from './context.js';
import { createEmailRecovery } from './email-recovery.js';
import { createCodeRecovery } from './code-recovery.js';
import { createAdminRecovery } from './admin-recovery.js';
import { createDomainJob } from './domain-job.js';
import { openFlags } from './flags.js';
import { createAbandonedAddresses } from './abandoned-addresses.js';

export function createRecoveryService(deps: RecoveryDeps) {
  const ctx = createRecoveryContext(deps);
  const email = createEmailRecovery(ctx);
  const code = createCodeRecovery(ctx);
  const admin = createAdminRecovery(ctx);
  const job = createDomainJob(ctx);
  return {
    /** `/account/recover`: same outcome for every input; links and checks follow in the background. */
    requestEmailRecovery: email.request,
    /** The account a recovery link is for (the reset form), without using the link. */
    inspectRecoveryLink: email.inspect,
    completeEmailRecovery: email.complete,
    recoverWithCode: code.recover,
    adminRecover: admin.recover,
    /** One run of the email domain check over every account. */
    checkEmailDomains: job.run,
    /** Open flags, of one account or all. */
    openFlags: (userId?: number) => openFlags(deps.db, userId),
    /** Whether an address is on a domain found abandoned (no notices go there). */
    isAbandonedAddress: createAbandonedAddresses(deps.db),
    /** Resolves when the work started by requests so far has finished (tests, shutdown). */
    settled: ctx.settled,
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;
