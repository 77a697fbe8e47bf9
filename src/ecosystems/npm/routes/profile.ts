// npm's profile commands on /-/npm/v1/user: `npm profile get` (with the truth about 2FA),
// `npm profile enable-2fa auth-and-writes` (password → otpauth URI; then a code → recovery
// codes) and `npm profile disable-2fa` (password and a fresh code). Other profile edits are
// made on the web pages. Built on the MFA feature's TOTP enrolment.
import type { FastifyInstance } from 'fastify';
import { BulwarkError, forbidden, invalid, unauthenticated } from '../../../platform/errors.js';
import { requireUser, type UserActor } from '../../../auth/index.js';
import type { ErrorRenderer } from '../../../platform/http/index.js';
import type { EcosystemContext } from '../../types.js';

// A TOTP enrolment started by `enable-2fa` waits for its code this long (the MFA feature keeps
// it, unconfirmed, in the database).
const ENROLMENT_TTL_MS = 10 * 60_000;

export async function profileRoutes(app: FastifyInstance, ctx: EcosystemContext, renderError: ErrorRenderer) {
  const { accounts, mfa, mfaPolicy } = ctx;

  /** npm's `tfa`: false, or the mode with whether enrolment is still waiting for its code. */
  async function tfaOf(userId: number): Promise<false | { mode: 'auth-and-writes'; pending: boolean }> {
    const status = await mfa.status(userId);
    // Writes are asked for a code whenever the policy wants one; sign-in always is: auth-and-writes.
    if (status.enabled) return { mode: 'auth-and-writes', pending: false };
    return (await mfa.pendingTotp(userId, ENROLMENT_TTL_MS)) ? { mode: 'auth-and-writes', pending: true } : false;
  }

  app.get('/-/npm/v1/user', { config: { action: 'account:read', renderError } }, async (request) => {
    requireUser(request.actor);
    const user = await accounts.getUserById(request.actor.userId);
    if (!user) throw unauthenticated('AUTH_REQUIRED', 'You must be logged in to do this.');
    return {
      name: user.name,
      email: user.email,
      email_verified: await accounts.isEmailVerified(user.id),
      tfa: await tfaOf(user.id),
      created: user.createdAt,
      updated: user.updatedAt,
      fullname: '',
      homepage: '',
      freenode: '',
      twitter: '',
      github: '',
      cidr_whitelist: null,
    };
  });

  app.post('/-/npm/v1/user', { config: { action: 'user', renderError } }, async (request) => {
    requireUser(request.actor);
    const actor: UserActor = request.actor;
    // 2FA is the account's own business: not for read-only, publish-only or minted tokens.
    if (actor.readonly || actor.scope?.permission === 'publish' || actor.publisherId) {
      throw forbidden('NOT_PERMITTED', 'This token cannot change the account.');
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    const tfa = body.tfa;
    if (tfa === undefined) throw forbidden('PROFILE_EDIT_UNSUPPORTED', 'Change your account on the web pages.');

    // Second step of enable-2fa: the code from the app, then the recovery codes.
    if (Array.isArray(tfa)) {
      const pending = await mfa.pendingTotp(actor.userId, ENROLMENT_TTL_MS);
      if (!pending) throw invalid('TFA_ENROLMENT_NOT_STARTED', 'Start with npm profile enable-2fa.');
      const code = typeof tfa[0] === 'string' ? tfa[0] : '';
      const confirmed = await mfa.confirmTotp(actor.userId, pending.factorId, code, { ip: request.ip });
      return { tfa: confirmed.recoveryCodes ?? [] };
    }

    if (typeof tfa !== 'object' || tfa === null) throw invalid('BODY_INVALID', 'tfa must be an object or a list of codes.');
    const { password, mode } = tfa as { password?: unknown; mode?: unknown };
    const user = await accounts.verifyCredentials(actor.name, typeof password === 'string' ? password : '', { ip: request.ip });
    if (!user || user.id !== actor.userId) throw unauthenticated('CREDENTIALS_INVALID', 'Incorrect password.');

    if (mode === 'disable') {
      if ((await mfaPolicy.requirementFor(actor.userId, { account: true })) !== 'none') {
        throw forbidden('MFA_REQUIRED_BY_POLICY', "The registry's MFA policy requires two-factor authentication for your account; it cannot be turned off.");
      }
      await mfaPolicy.confirmSecondFactor(actor);
      for (const factor of (await mfa.status(actor.userId)).factors) await mfa.removeFactor(actor.userId, factor.id);
      return { tfa: false };
    }
    if (mode === 'auth-only') {
      throw invalid('TFA_MODE_UNSUPPORTED', 'Two-factor authentication for sign-in only is not offered; use auth-and-writes.');
    }
    if (mode !== 'auth-and-writes') throw invalid('TFA_MODE_UNSUPPORTED', 'The two-factor mode must be auth-and-writes or disable.');
    const status = await mfa.status(actor.userId);
    if (status.factors.some((f) => f.kind === 'totp')) return { tfa: { mode: 'auth-and-writes', pending: false } };
    // Adding a factor to an account that has one (a passkey) needs that factor first.
    await mfaPolicy.confirmSecondFactor(actor);
    try {
      const started = await mfa.startTotp(actor.userId);
      return { tfa: started.uri };
    } catch (error) {
      if (error instanceof BulwarkError && error.code === 'TOTP_ALREADY_ENABLED') return { tfa: { mode: 'auth-and-writes', pending: false } };
      throw error;
    }
  });
}
