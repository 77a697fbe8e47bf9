// The MFA policy: what the administrator chose, whom it binds for which change, and the check
// every enforced change passes (publish, unpublish, yank, owner changes, token changes).
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import { BulwarkError } from '../platform/errors.js';
import type { Actor, UserActor } from '../auth/index.js';
import { createCriticalPackages } from './critical.js';
import { createGrants, GRANT_PREFIX } from './grants.js';
import { readPolicy, writePolicy, type MfaPolicy } from './policy-store.js';

/** What the policy needs of the MFA feature (src/mfa/): satisfied by its service. */
export interface MfaPort {
  status(userId: number): Promise<{ enabled: boolean; phishingResistant: boolean; factors: ReadonlyArray<{ kind: string }> }>;
  /** Throws OTP_INVALID or OTP_REPLAYED (or a rate-limit refusal) for a wrong or replayed code. */
  verifyCode(userId: number, code: string, context: { ip?: string }): Promise<'totp' | 'recovery-code'>;
}

/** What a change needs: nothing, any second factor, or a phishing-resistant one. */
export type MfaRequirement = 'none' | 'mfa' | 'phishing-resistant';

/** What is being changed: a package (null: a new one) or the account itself (its tokens). */
export type PolicyTarget = { packageId: number | null } | { account: true };

/**
 * How the client can prove a factor: `otp` (npm: a code or web-auth grant in `npm-otp`, asked
 * for with 401 `WWW-Authenticate: OTP`), `token` (twine: only an API token created with a
 * fresh second factor counts).
 */
export type StepUpChannel = 'otp' | 'token';

export interface MfaPolicyOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** The MFA feature; null until it exists (then nobody has MFA and a requirement cannot be met). */
  mfa: MfaPort | null;
  publicUrl: string;
  criticalRefreshMs?: number;
}

export function createMfaPolicyService(options: MfaPolicyOptions) {
  const { db, clock, mfa, publicUrl } = options;
  const critical = createCriticalPackages({ db, clock, refreshMs: options.criticalRefreshMs });
  const grants = createGrants({ db, clock });

  async function requirementFor(userId: number, target: PolicyTarget): Promise<MfaRequirement> {
    const policy = await readPolicy(db);
    if (policy.mode === 'optional') return 'none';
    const packageCritical = 'packageId' in target && target.packageId !== null ? await critical.isCritical(target.packageId) : false;
    const maintainsCritical = await critical.maintainsCritical(userId);
    const required = policy.mode === 'all-maintainers' || maintainsCritical || packageCritical;
    if (!required) return 'none';
    // A critical maintainer's tokens can publish the critical package: they count as changes to it.
    const touchesCritical = packageCritical || ('account' in target && maintainsCritical);
    return policy.criticalNeedsPhishingResistant && touchesCritical ? 'phishing-resistant' : 'mfa';
  }

  const enrolmentRequired = (phishingResistant: boolean) =>
    new BulwarkError(
      'forbidden',
      'MFA_ENROLMENT_REQUIRED',
      phishingResistant
        ? `The registry's MFA policy requires a phishing-resistant second factor (a security key or passkey) for this change. Add one at ${publicUrl}/account/mfa.`
        : `The registry's MFA policy requires two-factor authentication for this change. Set it up at ${publicUrl}/account/mfa.`,
    );

  /** npm's prompt: a 401 with `WWW-Authenticate: OTP`; with authUrl/doneUrl for the web flow. */
  async function otpRequired(userId: number, requirement: MfaRequirement, rejected = false): Promise<BulwarkError> {
    // Without an authenticator app (security keys or passkeys only) there is no code to type:
    // the browser flow is the way to answer, whatever the requirement.
    const hasApp = mfa ? (await mfa.status(userId)).factors.some((f) => f.kind === 'totp') : false;
    if (!hasApp && requirement === 'mfa') {
      const { id, doneSecret } = await grants.start(userId);
      return new BulwarkError(
        'mfa_required',
        'OTP_REQUIRED',
        'This operation requires a one-time password: authenticate with your security key or passkey in the browser, or give a recovery code.',
        { detail: { authUrl: `${publicUrl}/account/otp/${id}`, doneUrl: `${publicUrl}/-/npm/v1/otp/done?session=${doneSecret}` } },
      );
    }
    if (requirement === 'phishing-resistant') {
      const { id, doneSecret } = await grants.start(userId);
      return new BulwarkError(
        'mfa_required',
        'OTP_PHISHING_RESISTANT_REQUIRED',
        'This operation requires a one-time password from a phishing-resistant factor: authenticate with your security key or passkey in the browser.',
        { detail: { authUrl: `${publicUrl}/account/otp/${id}`, doneUrl: `${publicUrl}/-/npm/v1/otp/done?session=${doneSecret}` } },
      );
    }
    if (rejected) {
      return new BulwarkError('mfa_required', 'OTP_REJECTED', 'This operation requires a one-time password; the one given is wrong, expired or already used.');
    }
    return new BulwarkError('mfa_required', 'OTP_REQUIRED', 'This operation requires a one-time password from your authenticator (npm: --otp=<code>).');
  }

  const sessionFactorRequired = (phishingResistant: boolean) =>
    new BulwarkError(
      'forbidden',
      'SESSION_SECOND_FACTOR_REQUIRED',
      phishingResistant
        ? 'This change needs a session signed in with a security key or passkey: sign out, then sign in again with one.'
        : 'This change needs a session signed in with a second factor: sign out, then sign in again with your second factor.',
    );

  const tokenRequired = (phishingResistant: boolean) =>
    new BulwarkError(
      'forbidden',
      'MFA_TOKEN_REQUIRED',
      `The registry's MFA policy requires a second factor for this change, and this client cannot send one: authenticate with an API token created with a${phishingResistant ? ' phishing-resistant' : ''} second factor: create one at ${publicUrl}/account/tokens while signed in with ${phishingResistant ? 'a security key or passkey' : 'your second factor'} (or with npm token create --otp=<code>).`,
    );

  async function verifyOtp(actor: UserActor, requirement: MfaRequirement, otp: string): Promise<{ phishingResistant: boolean }> {
    if (otp.startsWith(GRANT_PREFIX)) {
      const grant = await grants.consume(actor.userId, otp);
      if (!grant) throw await otpRequired(actor.userId, requirement, true);
      if (requirement === 'phishing-resistant' && !grant.phishingResistant) throw await otpRequired(actor.userId, requirement);
      return grant;
    }
    // A code typed from an app can be phished: it does not meet a phishing-resistant requirement.
    if (requirement === 'phishing-resistant') throw await otpRequired(actor.userId, requirement);
    try {
      await mfa!.verifyCode(actor.userId, otp, { ip: actor.secondFactor?.ip ?? undefined });
    } catch (error) {
      // npm re-prompts on EOTP, so a wrong code is told as another OTP request.
      if (error instanceof BulwarkError && (error.code === 'OTP_INVALID' || error.code === 'OTP_REPLAYED')) throw await otpRequired(actor.userId, requirement, true);
      throw error;
    }
    return { phishingResistant: false };
  }

  /**
   * Refuses the change unless the policy's requirement for this actor and target is met. The
   * outcome is kept on the actor for the rest of the request (a code is accepted once).
   */
  async function enforce(actor: Actor, target: PolicyTarget, channel: StepUpChannel | undefined): Promise<void> {
    if (actor.kind !== 'user') return;
    // A trusted publisher's minted token: the CI identity (an OIDC token from the CI) is the factor.
    if (actor.publisherId) return;
    const requirement = await requirementFor(actor.userId, target);
    if (requirement === 'none') return;
    const wantsPhishingResistant = requirement === 'phishing-resistant';
    const verified = actor.secondFactor?.verified;
    if (verified && (verified.phishingResistant || !wantsPhishingResistant)) return;
    const status = mfa ? await mfa.status(actor.userId) : { enabled: false, phishingResistant: false };
    if (!status.enabled || (wantsPhishingResistant && !status.phishingResistant)) throw enrolmentRequired(wantsPhishingResistant);

    // Web pages: the session's own factor (set by the authenticator) was checked above; a
    // session signed in without one, or with a code where a key is needed, must sign in again.
    if (actor.via === 'session') throw sessionFactorRequired(wantsPhishingResistant);
    let proof: { phishingResistant: boolean };
    if (channel === 'otp') {
      const otp = actor.secondFactor?.otp ?? null;
      if (otp === null) throw await otpRequired(actor.userId, requirement);
      proof = await verifyOtp(actor, requirement, otp);
    } else {
      const token = actor.tokenId ? await db.selectFrom('second_factor_tokens').select('phishing_resistant').where('token_id', '=', actor.tokenId).executeTakeFirst() : undefined;
      if (!token || (wantsPhishingResistant && token.phishing_resistant !== 1)) throw tokenRequired(wantsPhishingResistant);
      proof = { phishingResistant: token.phishing_resistant === 1 };
    }
    if (actor.secondFactor) actor.secondFactor.verified = proof;
    else actor.secondFactor = { otp: null, ip: null, verified: proof };
  }

  /**
   * A fresh second factor from a user who has one, whatever the policy (npm's profile changes,
   * such as turning 2FA off). Users without MFA pass.
   */
  async function confirmSecondFactor(actor: UserActor): Promise<void> {
    if (actor.secondFactor?.verified) return;
    const status = mfa ? await mfa.status(actor.userId) : { enabled: false };
    if (!status.enabled) return;
    const otp = actor.secondFactor?.otp ?? null;
    if (otp === null) throw await otpRequired(actor.userId, 'mfa');
    const proof = await verifyOtp(actor, 'mfa', otp);
    if (actor.secondFactor) actor.secondFactor.verified = proof;
  }

  return {
    getPolicy: (): Promise<MfaPolicy> => readPolicy(db),
    confirmSecondFactor,
    /** Changes the policy (a `policy:change` event); false when it was already so. */
    setPolicy: (policy: MfaPolicy, by: { userId: number | null; tokenId?: string | null }) => writePolicy(db, clock, policy, by),
    requirementFor,
    enforce,
    /** A token created by a request that proved a second factor stands for that factor later (twine). */
    async recordTokenFactor(actor: Actor, tokenId: string): Promise<void> {
      const verified = actor.kind === 'user' ? actor.secondFactor?.verified : undefined;
      if (!verified) return;
      await db
        .insertInto('second_factor_tokens')
        .values({ token_id: tokenId, verified_at: clock.now().toISOString(), phishing_resistant: verified.phishingResistant ? 1 : 0 })
        .onConflict((oc) => oc.column('token_id').doNothing())
        .execute();
    },
    critical,
    grants,
  };
}

export type MfaPolicyService = ReturnType<typeof createMfaPolicyService>;
