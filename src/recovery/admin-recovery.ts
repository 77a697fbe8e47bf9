// Administrator-assisted recovery (policy: docs/security/account-recovery.md §3). The operator
// has checked the person's identity by their own means; this records who did it and why, resets
// what the policy says, and tells the account's addresses and every administrator.
import { BulwarkError, forbidden, invalid } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';
import { generateOneTimePassword, hashOneTimePassword, setOneTimePassword } from '../accounts/index.js';
import type { RecoveryContext } from './context.js';
import { resolveFlags } from './flags.js';
import { adminRecoveredMail } from './notices.js';

const MAX_REASON_LENGTH = 500;

export interface AdminRecoveryInput {
  /** The account to recover. */
  name: string;
  /** The administrator account doing it. */
  by: string;
  reason: string;
  /** Keep the MFA factors (the owner still has one and lost only the password). */
  keepMfa?: boolean;
  /** Revoke every API token too (the account may have been taken over). */
  revokeTokens?: boolean;
  /** The operating-system user who ran the command, for the audit trail. */
  osUser?: string | undefined;
  /** Where it was done: the `bulwark` command or the administrators' web page. */
  via?: 'cli' | 'web';
}

export interface AdminRecoveryResult {
  userName: string;
  /** Shown once to the administrator; the owner must replace it at the next sign-in. */
  oneTimePassword: string;
  reset: string[];
}

export function createAdminRecovery(ctx: RecoveryContext) {
  return {
    async recover(input: AdminRecoveryInput): Promise<AdminRecoveryResult> {
      const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
      if (reason.length === 0 || reason.length > MAX_REASON_LENGTH || /[\u0000-\u001f\u007f]/.test(reason)) {
        throw invalid('RECOVERY_REASON_REQUIRED', `Say why the account is recovered (--reason, one line of at most ${MAX_REASON_LENGTH} characters): it goes into the audit trail.`);
      }
      const admin = await ctx.accounts.getUserByName(input.by);
      if (!admin?.isAdmin) throw forbidden('RECOVERY_ADMIN_REQUIRED', `${input.by} is not an administrator account; --by must name the administrator doing the recovery.`);
      const user = await ctx.accounts.getUserByName(input.name);
      if (!user) throw new BulwarkError('not_found', 'USER_NOT_FOUND', `No user ${input.name}.`);

      const reset = ['password', 'sessions'];
      if (!input.keepMfa && ctx.mfa) {
        const { removed } = await ctx.mfa.resetAllFactors(user.id, admin.id);
        reset.push(`mfa (${removed} factor${removed === 1 ? '' : 's'})`);
      }
      if (input.revokeTokens) {
        const tokens = await ctx.tokens.list(user.id);
        for (const token of tokens) await ctx.tokens.revoke(user.id, token.key);
        reset.push(`tokens (${tokens.length})`);
      }
      const oneTimePassword = generateOneTimePassword();
      const passwordHash = await hashOneTimePassword(oneTimePassword);
      await ctx.db.transaction().execute(async (trx) => {
        await setOneTimePassword(trx, ctx.clock, user.id, passwordHash);
        await ctx.links.dropUnusedIn(trx, user.id);
        const resolved = await resolveFlags(trx, ctx.clock, user.id, admin.id);
        await appendEvent(trx, ctx.clock, {
          type: 'recovery:admin',
          actor: { userId: admin.id },
          subject: `user:${user.name}`,
          data: { userId: user.id, byUserId: admin.id, by: admin.name, reason, via: input.via ?? 'cli', osUser: input.osUser ?? null, reset, flagsResolved: resolved },
        });
      });
      // The owner hears of it from the notifications (the recovery:admin event); the admins from here.
      const account = await ctx.directory.byId(user.id);
      await ctx.mailAdmins(adminRecoveredMail({ name: user.name, adminName: admin.name, reset, publicUrl: ctx.publicUrl }), account?.addresses ?? []);
      return { userName: user.name, oneTimePassword, reset };
    },
  };
}
