// Recovery by email (policy: docs/security/account-recovery.md §1). The request is answered the
// same way whatever it names; the domain checks and mails run after the answer. Completing
// needs the link, a new password and, for an account with MFA, a code from a second factor.
import { BulwarkError, isBulwarkError } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';
import type { RecoveryContext } from './context.js';
import type { AccountContact } from './directory.js';
import { emailDomain, type DomainVerdict } from './email-domains.js';
import { RECOVERY_RESET_PATH, linkInvalid } from './links.js';
import { recoveryLinkMail } from './notices.js';
import { reportAbandoned, rememberVerdict } from './abandoned.js';

const MAX_IDENTIFIER_LENGTH = 254;

export interface RequestContext {
  ip?: string | undefined;
}

/** What the requester typed, made comparable; '' when it cannot name anything. */
export function normalizeIdentifier(text: string): string {
  const trimmed = typeof text === 'string' ? text.trim().toLowerCase() : '';
  return trimmed.length > 0 && trimmed.length <= MAX_IDENTIFIER_LENGTH ? trimmed : '';
}

export function createEmailRecovery(ctx: RecoveryContext) {
  async function mfaEnabled(userId: number): Promise<boolean> {
    return ctx.mfa ? (await ctx.mfa.status(userId)).enabled : false;
  }

  /** The background part of a request for one account. */
  async function sendLinks(account: AccountContact): Promise<void> {
    const verdicts = new Map<string, DomainVerdict>();
    for (const address of account.addresses) {
      const domain = emailDomain(address);
      if (domain && !verdicts.has(domain)) verdicts.set(domain, await ctx.checker.check(domain));
    }
    const abandoned = (address: string) => {
      const domain = emailDomain(address);
      return domain ? verdicts.get(domain)?.status === 'abandoned' : false;
    };
    const usable = account.addresses.filter((a) => !abandoned(a));
    const needsSecondFactor = await mfaEnabled(account.id);
    for (const { address, secret } of await ctx.links.replace(account.id, usable)) {
      const link = `${ctx.publicUrl}${RECOVERY_RESET_PATH}?token=${secret}`;
      await ctx.mail(address, recoveryLinkMail({ name: account.name, link, publicUrl: ctx.publicUrl, needsSecondFactor }));
    }
    const refused = account.addresses.filter(abandoned);
    await appendEvent(ctx.db, ctx.clock, {
      type: 'recovery:request',
      actor: { userId: null },
      subject: `user:${account.name}`,
      data: { userId: account.id, sent: usable.length, refused: refused.length },
    });
    for (const verdict of verdicts.values()) if (verdict.status !== 'abandoned') await rememberVerdict(ctx, verdict);
    for (const address of refused) {
      await reportAbandoned(ctx, { account, address, verdict: verdicts.get(emailDomain(address)!)!, otherAddresses: usable, source: 'recovery' });
    }
  }

  return {
    /**
     * Asks for recovery links for the account named by a user name or an address. Resolves the
     * same way for every input (only a lockout, TOO_MANY_ATTEMPTS, is thrown, and it is keyed by
     * what was typed, so it too is the same for real and unknown accounts).
     */
    async request(identifier: string, context: RequestContext = {}): Promise<void> {
      const key = normalizeIdentifier(identifier);
      const keys = { account: `recover:${key}`, ...(context.ip ? { ip: context.ip } : {}) };
      await ctx.limiter.assertAllowed('email-recovery', keys);
      // Every request counts: a request is an attempt to reach someone's mailbox.
      await ctx.limiter.recordFailure('email-recovery', keys);
      const accounts = key ? await ctx.directory.find(key) : [];
      for (const account of accounts) ctx.inBackground(() => sendLinks(account));
    },

    /** Who a link recovers, without using it; throws the refusal to show for a dead link. */
    async inspect(secret: string): Promise<{ userName: string; needsSecondFactor: boolean }> {
      const link = await ctx.links.find(secret);
      const account = await ctx.directory.byId(link.userId);
      if (!account) throw linkInvalid();
      return { userName: account.name, needsSecondFactor: await mfaEnabled(account.id) };
    },

    /**
     * Completes a recovery: the new password is checked first (a refused password spends
     * nothing), then the second factor of an MFA account, then the link is consumed and the
     * password set (which ends every session).
     */
    async complete(secret: string, input: { password: string; code?: string | undefined }, context: RequestContext = {}): Promise<{ userId: number; userName: string }> {
      const ipKeys = context.ip ? { ip: context.ip } : {};
      await ctx.limiter.assertAllowed('email-recovery', ipKeys);
      let link;
      try {
        link = await ctx.links.find(secret);
      } catch (error) {
        if (isBulwarkError(error) && error.code === 'RECOVERY_LINK_INVALID') await ctx.limiter.recordFailure('email-recovery', ipKeys);
        throw error;
      }
      const account = await ctx.directory.byId(link.userId);
      if (!account) throw linkInvalid();
      await ctx.accounts.checkNewPassword(input.password);
      let secondFactor: 'totp' | 'recovery-code' | null = null;
      if (ctx.mfa && (await mfaEnabled(account.id))) {
        const code = (input.code ?? '').trim();
        if (!code) {
          throw new BulwarkError('unauthenticated', 'RECOVERY_SECOND_FACTOR_REQUIRED', 'This account uses two-factor authentication: enter a code from your authenticator app or a recovery code.');
        }
        secondFactor = await ctx.mfa.verifyCode(account.id, code, ipKeys);
      }
      const usedAt = await ctx.links.consume(link);
      if (!usedAt) throw ctx.links.usedError();
      try {
        await ctx.accounts.changePassword(account.id, input.password);
      } catch (error) {
        await ctx.links.release(link, usedAt);
        throw error;
      }
      await ctx.links.dropUnused(account.id);
      await appendEvent(ctx.db, ctx.clock, {
        type: 'recovery:complete',
        actor: { userId: account.id },
        subject: `user:${account.name}`,
        data: { userId: account.id, method: 'email', secondFactor },
      });
      return { userId: account.id, userName: account.name };
    },
  };
}
