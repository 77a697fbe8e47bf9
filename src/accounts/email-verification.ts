// Proving email addresses: self-registration, the verification link, resending it, and changing
// the address. A link carries a 256-bit random secret; only its sha256 is stored, with the
// address it proves, its purpose and a 24-hour expiry, and it is marked used in the same
// statement that checks it is unused, so it works once. Registration never tells whether an
// address is already in use: the same page follows, and the address's owner is mailed instead.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { BulwarkError, conflict, forbidden, invalid, notFound } from '../platform/errors.js';
import { randomToken, sha256Hex } from '../platform/crypto.js';
import type { Mailer } from '../platform/mail/index.js';
import { createAttemptLimiter, type AttemptLimiter } from '../platform/rate-limit/index.js';
import { appendEvent } from '../events/index.js';
import { checkEmail, checkUserName } from './names.js';
import { hashPassword } from './passwords.js';
import type { AccountsService } from './service.js';

export const EMAIL_LINK_TTL_MS = 24 * 60 * 60 * 1000;
/** A new verification mail at most this often per account. */
const RESEND_INTERVAL_MS = 60 * 1000;
export const VERIFY_EMAIL_PATH = '/account/verify-email';

export type EmailLinkPurpose = 'verify' | 'change';

export interface EmailVerificationDeps {
  db: Kysely<Database>;
  clock: Clock;
  accounts: AccountsService;
  mailer: Mailer;
  publicUrl: string;
  registration: 'open' | 'closed';
  /** Counts sign-ups per IP (kind `sign-up`); a memory one by default. */
  limiter?: AttemptLimiter;
}

const linkInvalid = () => invalid('EMAIL_LINK_INVALID', 'This link is not valid. Use the newest link we sent, or ask for a new one.');
const linkUsed = () => invalid('EMAIL_LINK_USED', 'This link was already used. Each link works once.');
const linkExpired = () => invalid('EMAIL_LINK_EXPIRED', 'This link has expired (links work for 24 hours). Sign in and ask for a new one.');

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function createEmailVerificationService({
  db,
  clock,
  accounts,
  mailer,
  publicUrl,
  registration,
  limiter = createAttemptLimiter({ store: { kind: 'memory' } }),
}: EmailVerificationDeps) {
  async function addressInUse(email: string, exceptUserId?: number): Promise<boolean> {
    let query = db.selectFrom('users').select('id').where(sql<string>`lower(email)`, '=', email.toLowerCase());
    if (exceptUserId !== undefined) query = query.where('id', '!=', exceptUserId);
    return (await query.limit(1).executeTakeFirst()) !== undefined;
  }

  async function issueLink(userId: number, purpose: EmailLinkPurpose, email: string): Promise<string> {
    const secret = randomToken(32);
    const now = clock.now();
    await db
      .insertInto('email_tokens')
      .values({
        id_hash: sha256Hex(secret),
        purpose,
        user_id: userId,
        email,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + EMAIL_LINK_TTL_MS).toISOString(),
        used_at: null,
      })
      .execute();
    return `${publicUrl}${VERIFY_EMAIL_PATH}?token=${secret}`;
  }

  async function sendVerification(userId: number, name: string, email: string): Promise<void> {
    const link = await issueLink(userId, 'verify', email);
    await mailer.send({
      to: email,
      subject: 'Verify your email address for Bulwark',
      text: [
        `Hello ${name},`,
        '',
        `Someone (hopefully you) created the account "${name}" on ${publicUrl} with this address.`,
        'To confirm the address, open this link within 24 hours:',
        '',
        link,
        '',
        'Until then the account cannot publish packages or create tokens.',
        'If this was not you, ignore this message: nothing else will happen.',
      ].join('\n'),
    });
  }

  // Sent instead of a verification link when the address already has an account: its owner
  // learns of the attempt, the person registering learns nothing.
  async function sendAlreadyRegistered(email: string): Promise<void> {
    await mailer.send({
      to: email,
      subject: 'Someone tried to register with your email address',
      text: [
        `Someone tried to create an account on ${publicUrl} with this address, which already has one.`,
        'No account was created. If this was you, sign in with your existing account instead.',
        'If it was not, you can ignore this message.',
      ].join('\n'),
    });
  }

  /** Reads a link without using it (the confirmation page shows what it is for). */
  async function findLink(secret: string) {
    if (typeof secret !== 'string' || secret.length < 20 || secret.length > 128) throw linkInvalid();
    const row = await db.selectFrom('email_tokens').selectAll().where('id_hash', '=', sha256Hex(secret)).executeTakeFirst();
    if (!row) throw linkInvalid();
    if (row.used_at) throw linkUsed();
    if (row.expires_at <= isoNow(clock)) throw linkExpired();
    return row;
  }

  return {
    registrationOpen: registration === 'open',

    /**
     * Creates an unverified account and mails its link. When the address already has an account,
     * creates nothing, mails that address instead and returns the same way (no enumeration);
     * the password is hashed anyway, so both paths cost about the same. A taken user name is
     * refused (USER_EXISTS): names are public.
     *
     * Sign-ups are limited per IP address (attempt kind `sign-up`, TOO_MANY_ATTEMPTS 429): every
     * well-formed one counts, whatever its outcome, and the count is taken before anything is
     * looked up, so the limit says nothing about which names or addresses exist.
     */
    async register(input: { name: string; email: string; password: string }, options: { ip?: string } = {}): Promise<void> {
      if (registration !== 'open') throw forbidden('REGISTRATION_CLOSED', 'Accounts on this registry are created by its administrators.');
      const keys = options.ip ? { ip: options.ip } : {};
      await limiter.assertAllowed('sign-up', keys);
      const name = checkUserName(input.name);
      const email = checkEmail(input.email);
      // Malformed input above costs nothing and sends nothing; from here on each sign-up counts.
      await limiter.recordFailure('sign-up', keys);
      await accounts.checkNewPassword(input.password);
      if (await accounts.getUserByName(name)) throw conflict('USER_EXISTS', `The user name ${name} is taken.`);
      if (await addressInUse(email)) {
        // The work createUser would do (its own password check, the hash), so the time taken
        // does not tell an address in use from a new one.
        await accounts.checkNewPassword(input.password);
        await hashPassword(input.password);
        await sendAlreadyRegistered(email);
        return;
      }
      const user = await accounts.createUser({ name, email, password: input.password, emailVerified: false });
      await sendVerification(user.id, user.name, user.email);
    },

    /** Mails a new verification link to the user's current address, unless verified already. */
    async resendVerification(userId: number): Promise<void> {
      const user = await accounts.getUserById(userId);
      if (!user || user.emailVerified) return;
      const since = new Date(clock.now().getTime() - RESEND_INTERVAL_MS).toISOString();
      const recent = await db
        .selectFrom('email_tokens')
        .select('id_hash')
        .where('user_id', '=', userId)
        .where('purpose', '=', 'verify')
        .where('created_at', '>', since)
        .executeTakeFirst();
      if (recent) {
        throw new BulwarkError('rate_limited', 'EMAIL_RESEND_TOO_SOON', 'A link was sent less than a minute ago. Check your inbox (and spam folder) first.', {
          detail: { retryAfterSeconds: Math.ceil(RESEND_INTERVAL_MS / 1000) },
        });
      }
      await sendVerification(user.id, user.name, user.email);
    },

    /**
     * Starts an address change: a link goes to the new address, which replaces the old one only
     * when the link is followed; the old address is told once it has (a notification). If the
     * new address belongs to another account, its owner is mailed instead, and the caller sees
     * the same answer.
     */
    async requestEmailChange(userId: number, rawEmail: string): Promise<void> {
      const email = checkEmail(rawEmail);
      const user = await accounts.getUserById(userId);
      if (!user) throw notFound('USER_NOT_FOUND', 'No such user.');
      if (sameAddress(email, user.email)) throw invalid('EMAIL_UNCHANGED', 'That is already your address.');
      if (await addressInUse(email, userId)) {
        await sendAlreadyRegistered(email);
        return;
      }
      const link = await issueLink(userId, 'change', email);
      await mailer.send({
        to: email,
        subject: 'Confirm your new email address for Bulwark',
        text: [
          `Hello ${user.name},`,
          '',
          `You asked to use this address for your account "${user.name}" on ${publicUrl}.`,
          'To confirm, open this link within 24 hours:',
          '',
          link,
          '',
          'Your old address stays in use until then. If this was not you, ignore this message.',
        ].join('\n'),
      });
    },

    /** What a link is for, without using it; throws the refusal to show when it cannot be used. */
    async inspectLink(secret: string): Promise<{ purpose: EmailLinkPurpose; email: string; userId: number }> {
      const row = await findLink(secret);
      return { purpose: row.purpose as EmailLinkPurpose, email: row.email, userId: row.user_id };
    },

    /**
     * Uses a link: marks it used (once: the update requires it unused and unexpired), then
     * verifies the address or completes the change, with its event, in one transaction.
     */
    async confirmLink(secret: string): Promise<{ purpose: EmailLinkPurpose; email: string; userId: number }> {
      const row = await findLink(secret);
      return db.transaction().execute(async (trx) => {
        const now = isoNow(clock);
        const used = await trx
          .updateTable('email_tokens')
          .set({ used_at: now })
          .where('id_hash', '=', row.id_hash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) throw linkUsed();
        const user = await trx.selectFrom('users').select(['id', 'name', 'email', 'email_verified_at']).where('id', '=', row.user_id).executeTakeFirst();
        if (!user) throw linkInvalid();
        if (row.purpose === 'verify') {
          // The address changed since the link was sent: it proves nothing about the new one.
          if (!sameAddress(user.email, row.email)) throw linkInvalid();
          await trx.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', user.id).execute();
          await appendEvent(trx, clock, { type: 'user:email-verify', actor: { userId: user.id }, subject: `user:${user.name}`, data: { userId: user.id, email: row.email } });
        } else {
          const taken = await trx
            .selectFrom('users')
            .select('id')
            .where(sql<string>`lower(email)`, '=', row.email.toLowerCase())
            .where('id', '!=', user.id)
            .executeTakeFirst();
          if (taken) throw conflict('EMAIL_IN_USE', 'Another account uses this address now; the change was not made.');
          await trx.updateTable('users').set({ email: row.email, email_verified_at: now, updated_at: now }).where('id', '=', user.id).execute();
          // Links for the old address must not verify it again later.
          await trx.updateTable('email_tokens').set({ used_at: now }).where('user_id', '=', user.id).where('used_at', 'is', null).execute();
          await appendEvent(trx, clock, {
            type: 'user:email-change',
            actor: { userId: user.id },
            subject: `user:${user.name}`,
            data: { userId: user.id, from: user.email, to: row.email },
          });
        }
        return { purpose: row.purpose as EmailLinkPurpose, email: row.email, userId: user.id };
      });
    },
  };
}

export type EmailVerificationService = ReturnType<typeof createEmailVerificationService>;
