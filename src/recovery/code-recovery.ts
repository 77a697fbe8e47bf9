// Recovery with an MFA recovery code (policy: docs/security/account-recovery.md §2): user name,
// one unused recovery code, new password. Six digits (a TOTP code) are refused without being
// tried. An unknown name, an account without MFA and a wrong code give the same answer and
// count the same attempts (per name and per IP; the MFA service counts per account).
import { BulwarkError, isBulwarkError } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';
import type { RecoveryContext } from './context.js';
import { normalizeIdentifier, type RequestContext } from './email-recovery.js';

const codeInvalid = () => new BulwarkError('unauthenticated', 'RECOVERY_CODE_INVALID', 'That user name and recovery code do not match an unused recovery code.');

export function createCodeRecovery(ctx: RecoveryContext) {
  return {
    async recover(name: string, code: string, password: string, context: RequestContext = {}): Promise<{ userId: number; userName: string }> {
      const key = normalizeIdentifier(name);
      const nameKey = { account: `recover-code:${key}` };
      const ip = context.ip ? { ip: context.ip } : {};
      await ctx.limiter.assertAllowed('recovery-code', { ...nameKey, ...ip });
      await ctx.accounts.checkNewPassword(password);
      const typed = typeof code === 'string' ? code.trim().slice(0, 64) : '';
      const account = key && !key.includes('@') ? (await ctx.directory.find(key))[0] : undefined;
      const mfaOn = account && ctx.mfa ? (await ctx.mfa.status(account.id)).enabled : false;
      // Every refusal is logged against the name tried (like a failed sign-in), real or not.
      const refuse = async (userId: number | null) => {
        await appendEvent(ctx.db, ctx.clock, {
          type: 'recovery:refused',
          actor: { userId: null },
          subject: `user:${account?.name ?? key.slice(0, 64)}`,
          data: { userId, code: 'RECOVERY_CODE_INVALID', method: 'recovery-code' },
        });
        return codeInvalid();
      };
      if (!account || !mfaOn || !ctx.mfa || typed === '' || /^\d{6}$/.test(typed.replace(/\s/g, ''))) {
        await ctx.limiter.recordFailure('recovery-code', { ...nameKey, ...ip });
        throw await refuse(account?.id ?? null);
      }
      try {
        const kind = await ctx.mfa.verifyCode(account.id, typed, ip);
        if (kind !== 'recovery-code') throw codeInvalid();
      } catch (error) {
        if (isBulwarkError(error) && error.kind === 'rate_limited') throw error;
        // The MFA service counted the failure for the account and the IP; the name counts too.
        await ctx.limiter.recordFailure('recovery-code', nameKey);
        throw await refuse(account.id);
      }
      await ctx.accounts.changePassword(account.id, password);
      await ctx.links.dropUnused(account.id);
      await appendEvent(ctx.db, ctx.clock, {
        type: 'recovery:complete',
        actor: { userId: account.id },
        subject: `user:${account.name}`,
        data: { userId: account.id, method: 'recovery-code', secondFactor: 'recovery-code' },
      });
      await ctx.limiter.recordSuccess('recovery-code', nameKey);
      return { userId: account.id, userName: account.name };
    },
  };
}
