// Multi-factor authentication: which factors a user has, TOTP enrolment and codes, one-time
// recovery codes, removing and resetting factors, and sign-ins waiting for their second step.
// WebAuthn (security keys, passkeys) lives in webauthn.ts and joins this service.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { BulwarkError, conflict, notFound } from '../platform/errors.js';
import { randomToken, sha256Hex } from '../platform/crypto.js';
import { appendEvent } from '../events/index.js';
import type { MfaAttemptLimiter } from './limiter.js';
import { createSecretBox } from './secret-box.js';
import { matchTotp, newTotpSecret, totpUri, looksLikeTotp } from './totp.js';
import { newRecoveryCode, normaliseRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { checkLabel, createAttemptGuard, otpInvalid, toFactor, userSubject } from './shared.js';
import { createWebAuthn, type WebAuthnSettings } from './webauthn.js';
import { KIND_NAMES, PHISHING_RESISTANT, type MfaStatus } from './types.js';

export interface MfaDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** The application secret: TOTP secrets are encrypted and recovery codes keyed under keys derived from it. */
  secret: string;
  limiter: MfaAttemptLimiter;
  webauthn: WebAuthnSettings;
}

const PENDING_SIGN_IN_TTL_MS = 10 * 60 * 1000;
export function createMfaService({ db, clock, secret, limiter, webauthn }: MfaDeps) {
  const box = createSecretBox(secret);
  const guard = createAttemptGuard(db, clock, limiter);

  async function confirmedFactors(userId: number) {
    return db
      .selectFrom('mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  /** Replaces the user's recovery codes with ten new ones (inside the caller's transaction). */
  async function issueRecoveryCodes(trx: Kysely<Database>, userId: number, reason: 'first-factor' | 'regenerated'): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const now = isoNow(clock);
    await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
    await trx
      .insertInto('mfa_recovery_codes')
      .values(codes.map((code) => ({ code_hash: box.mac(normaliseRecoveryCode(code)!), user_id: userId, created_at: now, used_at: null })))
      .execute();
    await appendEvent(trx, clock, {
      type: 'mfa:recovery-codes',
      actor: { userId },
      subject: await userSubject(trx, userId),
      data: { userId, action: 'generated', reason, count: codes.length },
    });
    return codes;
  }

  const webAuthn = createWebAuthn({
    db,
    clock,
    guard,
    settings: webauthn,
    userHandle: (userId) => Buffer.from(box.mac(`webauthn-user-handle:${userId}`), 'hex').toString('base64url'),
    issueRecoveryCodes,
  });

  const service = {
    async status(userId: number): Promise<MfaStatus> {
      const factors = (await confirmedFactors(userId)).map(toFactor);
      const left = await db
        .selectFrom('mfa_recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return {
        enabled: factors.length > 0,
        phishingResistant: factors.some((f) => f.phishingResistant),
        factors,
        recoveryCodesLeft: Number(left.n),
      };
    },

    /**
     * Checks a one-time code typed by the user: six digits are a TOTP code (accepted once per
     * time step), anything else a recovery code (accepted once). Every failure is counted by the
     * limiter and logged as `mfa:failed`; a locked-out account or address is refused first.
     */
    async verifyCode(userId: number, code: string, options: { ip?: string } = {}): Promise<'totp' | 'recovery-code'> {
      const typed = typeof code === 'string' ? code.trim().slice(0, 64) : '';
      const ip = options.ip;
      if (looksLikeTotp(typed.replace(/\s/g, ''))) {
        const digits = typed.replace(/\s/g, '');
        await guard.allowed('totp', userId, ip);
        const factor = await db
          .selectFrom('mfa_factors')
          .selectAll()
          .where('user_id', '=', userId)
          .where('kind', '=', 'totp')
          .where('confirmed_at', 'is not', null)
          .executeTakeFirst();
        const step = factor?.totp_secret ? await matchTotp(box.open(factor.totp_secret, factor.id), digits, clock) : null;
        if (!factor || step === null) throw await guard.failed('totp', userId, ip, 'invalid', otpInvalid());
        // Claim the step: one statement, so two requests with the same code cannot both pass.
        const claimed = await db
          .updateTable('mfa_factors')
          .set({ totp_last_step: step, last_used_at: isoNow(clock) })
          .where('id', '=', factor.id)
          .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) {
          throw await guard.failed(
            'totp',
            userId,
            ip,
            'replayed',
            new BulwarkError('unauthenticated', 'OTP_REPLAYED', 'This code was already used. Wait for the next code from your app.'),
          );
        }
        await guard.succeeded('totp', userId, ip);
        return 'totp';
      }

      await guard.allowed('recovery-code', userId, ip);
      const normalised = normaliseRecoveryCode(typed);
      const used = normalised
        ? await db.transaction().execute(async (trx) => {
            const now = isoNow(clock);
            const result = await trx
              .updateTable('mfa_recovery_codes')
              .set({ used_at: now })
              .where('code_hash', '=', box.mac(normalised))
              .where('user_id', '=', userId)
              .where('used_at', 'is', null)
              .executeTakeFirst();
            if (Number(result.numUpdatedRows) !== 1) return false;
            const left = await trx
              .selectFrom('mfa_recovery_codes')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('user_id', '=', userId)
              .where('used_at', 'is', null)
              .executeTakeFirstOrThrow();
            await appendEvent(trx, clock, {
              type: 'mfa:recovery-codes',
              actor: { userId },
              subject: await userSubject(trx, userId),
              data: { userId, action: 'used', left: Number(left.n) },
            });
            return true;
          })
        : false;
      if (!used) throw await guard.failed('recovery-code', userId, ip, 'invalid', otpInvalid());
      await guard.succeeded('recovery-code', userId, ip);
      return 'recovery-code';
    },

    // --- TOTP enrolment ------------------------------------------------------------------
    /**
     * Starts adding an authenticator app: a new secret (shown once, with its otpauth URI) on a
     * factor that stays inactive until `confirmTotp` sees a code from it. A previous unfinished
     * enrolment is dropped. One app per account.
     */
    async startTotp(userId: number): Promise<{ factorId: string; secret: string; uri: string }> {
      const existing = await db
        .selectFrom('mfa_factors')
        .select('id')
        .where('user_id', '=', userId)
        .where('kind', '=', 'totp')
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      if (existing) throw conflict('TOTP_ALREADY_ENABLED', 'An authenticator app is already set up. Remove it first to set up another.');
      const factorId = randomToken(16);
      const totpSecret = newTotpSecret();
      const subject = await userSubject(db, userId);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_factors').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
        await trx
          .insertInto('mfa_factors')
          .values({
            id: factorId,
            user_id: userId,
            kind: 'totp',
            label: KIND_NAMES.totp,
            confirmed_at: null,
            created_at: isoNow(clock),
            last_used_at: null,
            totp_secret: box.seal(totpSecret, factorId),
            totp_last_step: null,
            credential_id: null,
            public_key: null,
            sign_count: null,
            transports: null,
            backed_up: null,
          })
          .execute();
      });
      return { factorId, secret: totpSecret, uri: totpUri(totpSecret, webauthn.rpName, subject.slice('user:'.length)) };
    },

    /**
     * The authenticator app waiting for its first code (started within `maxAgeMs`), or null. Kept
     * in the database, so the code may reach another server than the one that started it.
     */
    async pendingTotp(userId: number, maxAgeMs: number): Promise<{ factorId: string } | null> {
      const row = await db
        .selectFrom('mfa_factors')
        .select('id')
        .where('user_id', '=', userId)
        .where('kind', '=', 'totp')
        .where('confirmed_at', 'is', null)
        .where('created_at', '>', new Date(clock.now().getTime() - maxAgeMs).toISOString())
        .executeTakeFirst();
      return row ? { factorId: row.id } : null;
    },

    /**
     * Activates a pending TOTP factor once the user proves their app has the secret. The first
     * factor of an account also brings its recovery codes (returned once, never again).
     */
    async confirmTotp(userId: number, factorId: string, code: string, options: { ip?: string; label?: string } = {}): Promise<{ factorId: string; recoveryCodes: string[] | null }> {
      const label = checkLabel(options.label, KIND_NAMES.totp);
      await guard.allowed('totp', userId, options.ip);
      const factor = await db
        .selectFrom('mfa_factors')
        .selectAll()
        .where('id', '=', String(factorId))
        .where('user_id', '=', userId)
        .where('kind', '=', 'totp')
        .where('confirmed_at', 'is', null)
        .executeTakeFirst();
      if (!factor) throw notFound('MFA_FACTOR_NOT_FOUND', 'This authenticator app setup has expired. Start again.');
      const digits = typeof code === 'string' ? code.replace(/\s/g, '') : '';
      const step = factor.totp_secret ? await matchTotp(box.open(factor.totp_secret, factor.id), digits, clock) : null;
      if (step === null) throw await guard.failed('totp', userId, options.ip, 'invalid', otpInvalid());
      await guard.succeeded('totp', userId, options.ip);
      const recoveryCodes = await db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('mfa_factors')
          .select('id')
          .where('user_id', '=', userId)
          .where('confirmed_at', 'is not', null)
          .executeTakeFirst();
        const now = isoNow(clock);
        const updated = await trx
          .updateTable('mfa_factors')
          .set({ confirmed_at: now, label, totp_last_step: step, last_used_at: now })
          .where('id', '=', factor.id)
          .where('confirmed_at', 'is', null)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw notFound('MFA_FACTOR_NOT_FOUND', 'This authenticator app setup has expired. Start again.');
        await appendEvent(trx, clock, {
          type: 'mfa:add',
          actor: { userId },
          subject: await userSubject(trx, userId),
          data: { userId, factorId: factor.id, kind: 'totp', label, phishingResistant: PHISHING_RESISTANT.totp },
        });
        return before ? null : issueRecoveryCodes(trx, userId, 'first-factor');
      });
      return { factorId: factor.id, recoveryCodes };
    },

    // --- recovery codes, removal, reset ---------------------------------------------------
    /** Ten new recovery codes (the old ones stop working), shown once. Needs MFA on. */
    async regenerateRecoveryCodes(userId: number): Promise<string[]> {
      if ((await confirmedFactors(userId)).length === 0) {
        throw conflict('MFA_NOT_ENABLED', 'Recovery codes come with a second factor: add an authenticator app, security key or passkey first.');
      }
      return db.transaction().execute((trx) => issueRecoveryCodes(trx, userId, 'regenerated'));
    },

    /**
     * Removes one of the user's factors. The caller has re-authenticated the user (password or a
     * factor). Removing the last factor turns MFA off and voids the recovery codes.
     */
    async removeFactor(userId: number, factorId: string): Promise<{ mfaEnabled: boolean }> {
      return db.transaction().execute(async (trx) => {
        const factor = await trx
          .selectFrom('mfa_factors')
          .selectAll()
          .where('id', '=', String(factorId))
          .where('user_id', '=', userId)
          .where('confirmed_at', 'is not', null)
          .executeTakeFirst();
        if (!factor) throw notFound('MFA_FACTOR_NOT_FOUND', 'No such factor on this account.');
        await trx.deleteFrom('mfa_factors').where('id', '=', factor.id).execute();
        const remaining = await trx
          .selectFrom('mfa_factors')
          .select('id')
          .where('user_id', '=', userId)
          .where('confirmed_at', 'is not', null)
          .executeTakeFirst();
        if (!remaining) await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
        const { phishingResistant, kind, label } = toFactor(factor);
        await appendEvent(trx, clock, {
          type: 'mfa:remove',
          actor: { userId },
          subject: await userSubject(trx, userId),
          data: { userId, factorId: factor.id, kind, label, phishingResistant, mfaEnabled: Boolean(remaining) },
        });
        return { mfaEnabled: Boolean(remaining) };
      });
    },

    /** Admin-assisted recovery: every factor, recovery code and pending step of the user goes. */
    async resetAllFactors(userId: number, byUserId: number | null): Promise<{ removed: number }> {
      return db.transaction().execute(async (trx) => {
        const factors = await trx.selectFrom('mfa_factors').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).execute();
        await trx.deleteFrom('mfa_factors').where('user_id', '=', userId).execute();
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
        await trx.deleteFrom('mfa_pending_logins').where('user_id', '=', userId).execute();
        await trx.deleteFrom('webauthn_challenges').where('user_id', '=', userId).execute();
        await appendEvent(trx, clock, {
          type: 'mfa:reset',
          actor: { userId: byUserId },
          subject: await userSubject(trx, userId),
          data: { userId, byUserId, removed: factors.length },
        });
        return { removed: factors.length };
      });
    },

    // --- sign-ins waiting for their second step -------------------------------------------
    /** After a correct password on an MFA account: a short-lived handle for the second step. */
    async startPendingSignIn(userId: number): Promise<{ pendingId: string; expiresAt: Date }> {
      const pendingId = randomToken(32);
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + PENDING_SIGN_IN_TTL_MS);
      await db.deleteFrom('mfa_pending_logins').where('expires_at', '<=', now.toISOString()).execute();
      await db
        .insertInto('mfa_pending_logins')
        .values({ id_hash: sha256Hex(pendingId), user_id: userId, created_at: now.toISOString(), expires_at: expiresAt.toISOString() })
        .execute();
      return { pendingId, expiresAt };
    },

    /** The user a pending sign-in is for, or null when unknown or expired. */
    async pendingSignInUser(pendingId: string): Promise<number | null> {
      if (typeof pendingId !== 'string' || pendingId === '' || pendingId.length > 128) return null;
      const row = await db.selectFrom('mfa_pending_logins').selectAll().where('id_hash', '=', sha256Hex(pendingId)).executeTakeFirst();
      return row && row.expires_at > isoNow(clock) ? row.user_id : null;
    },

    /** Ends a pending sign-in (after its second step passed): true if it was still live. */
    async finishPendingSignIn(pendingId: string): Promise<boolean> {
      if (typeof pendingId !== 'string' || pendingId === '' || pendingId.length > 128) return false;
      const result = await db
        .deleteFrom('mfa_pending_logins')
        .where('id_hash', '=', sha256Hex(pendingId))
        .where('expires_at', '>', isoNow(clock))
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    ...webAuthn,
  };
  return service;
}

export type MfaService = ReturnType<typeof createMfaService>;
