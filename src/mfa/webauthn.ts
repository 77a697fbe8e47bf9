// WebAuthn through @simplewebauthn/server: security keys (a second factor after the password),
// passkeys (discoverable credentials with user verification, enough on their own to sign in),
// and the challenges of each ceremony. A challenge is stored under the sha256 of a random handle
// that only the asking browser holds (in a cookie), is used once, and expires after 5 minutes.
import type { Kysely } from 'kysely';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { BulwarkError, invalid } from '../platform/errors.js';
import { constantTimeEqual, randomToken, sha256Hex } from '../platform/crypto.js';
import { appendEvent } from '../events/index.js';
import { checkLabel, toFactor, userSubject, type AttemptGuard } from './shared.js';
import { KIND_NAMES, PHISHING_RESISTANT, type Factor } from './types.js';

export interface WebAuthnSettings {
  /** The registry's host name (of BULWARK_PUBLIC_URL): credentials are scoped to it. */
  rpId: string;
  /** The name authenticators show. */
  rpName: string;
  /** The exact origin pages are served from (BULWARK_PUBLIC_URL's). */
  origin: string;
}

export type WebAuthnKind = 'security-key' | 'passkey';
type Purpose = 'register' | 'second-factor' | 'passwordless';

interface Deps {
  db: Kysely<Database>;
  clock: Clock;
  guard: AttemptGuard;
  settings: WebAuthnSettings;
  /** The opaque user handle passkeys carry (a keyed hash of the user id: no personal data). */
  userHandle(userId: number): string;
  issueRecoveryCodes(trx: Kysely<Database>, userId: number, reason: 'first-factor'): Promise<string[]>;
}

const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const TIMEOUT_MS = 120_000;
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

function webauthnFailed(): BulwarkError {
  return new BulwarkError('unauthenticated', 'WEBAUTHN_FAILED', 'The security key or passkey could not be verified. Try again.');
}

/** A credential response as the browser library sends it; anything else is refused unread. */
function isResponse(value: unknown): value is { id: string; rawId: string; type: string; response: Record<string, unknown> } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && v.id.length <= 1024 && typeof v.rawId === 'string' && v.type === 'public-key' && typeof v.response === 'object' && v.response !== null;
}

function bytes(base64url: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(base64url, 'base64url'));
}

function transportsOf(json: string | null): AuthenticatorTransportFuture[] {
  if (!json) return [];
  try {
    const list = JSON.parse(json) as unknown;
    return Array.isArray(list) ? (list.filter((t) => typeof t === 'string' && TRANSPORTS.has(t)) as AuthenticatorTransportFuture[]) : [];
  } catch {
    return [];
  }
}

export function createWebAuthn({ db, clock, guard, settings, userHandle, issueRecoveryCodes }: Deps) {
  async function saveChallenge(purpose: Purpose, challenge: string, userId: number | null, factorKind: WebAuthnKind | null): Promise<string> {
    const handle = randomToken(32);
    const now = clock.now();
    await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now.toISOString()).execute();
    await db
      .insertInto('webauthn_challenges')
      .values({
        id_hash: sha256Hex(handle),
        purpose,
        challenge,
        user_id: userId,
        factor_kind: factorKind,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
      })
      .execute();
    return handle;
  }

  /** Takes the challenge out (used once whatever happens next); null if unknown, expired or not this ceremony's. */
  async function takeChallenge(handle: string, purpose: Purpose, userId: number | null) {
    if (typeof handle !== 'string' || handle === '' || handle.length > 128) return null;
    const row = await db.deleteFrom('webauthn_challenges').where('id_hash', '=', sha256Hex(handle)).returningAll().executeTakeFirst();
    if (!row || row.expires_at <= isoNow(clock) || row.purpose !== purpose || row.user_id !== userId) return null;
    return row;
  }

  async function credentialsOf(userId: number) {
    return db
      .selectFrom('mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .where('kind', 'in', ['security-key', 'passkey'])
      .where('confirmed_at', 'is not', null)
      .execute();
  }

  type FactorRow = Awaited<ReturnType<typeof credentialsOf>>[number];

  async function verifyAssertion(row: FactorRow, response: AuthenticationResponseJSON, challenge: string, requireUserVerification: boolean) {
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: settings.origin,
        expectedRPID: settings.rpId,
        credential: { id: row.credential_id!, publicKey: bytes(row.public_key!), counter: row.sign_count ?? 0, transports: transportsOf(row.transports) },
        requireUserVerification,
      });
      if (!result.verified) return false;
      await db
        .updateTable('mfa_factors')
        .set({ sign_count: result.authenticationInfo.newCounter, backed_up: result.authenticationInfo.credentialBackedUp ? 1 : 0, last_used_at: isoNow(clock) })
        .where('id', '=', row.id)
        .execute();
      return true;
    } catch {
      // A malformed response, a wrong origin or RP, a signature or counter that does not check out.
      return false;
    }
  }

  return {
    /** Options for `navigator.credentials.create`: a passkey (discoverable, user verification) or a security key. */
    async startWebAuthnRegistration(userId: number, kind: WebAuthnKind): Promise<{ handle: string; options: PublicKeyCredentialCreationOptionsJSON }> {
      const subject = await userSubject(db, userId);
      const existing = await credentialsOf(userId);
      const options = await generateRegistrationOptions({
        rpName: settings.rpName,
        rpID: settings.rpId,
        userName: subject.slice('user:'.length),
        userID: bytes(userHandle(userId)),
        attestationType: 'none',
        timeout: TIMEOUT_MS,
        excludeCredentials: existing.map((f) => ({ id: f.credential_id!, transports: transportsOf(f.transports) })),
        authenticatorSelection:
          kind === 'passkey'
            ? { residentKey: 'required', requireResidentKey: true, userVerification: 'required' }
            : { residentKey: 'discouraged', userVerification: 'preferred' },
      });
      const handle = await saveChallenge('register', options.challenge, userId, kind);
      return { handle, options };
    },

    /** Stores the new credential; the first factor of an account brings its recovery codes. */
    async finishWebAuthnRegistration(userId: number, handle: string, response: unknown, options: { label?: string } = {}): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
      const challenge = await takeChallenge(handle, 'register', userId);
      const refused = () => invalid('WEBAUTHN_REGISTRATION_FAILED', 'The security key or passkey could not be registered. Start again.');
      if (!challenge || !isResponse(response)) throw refused();
      const kind: WebAuthnKind = challenge.factor_kind === 'passkey' ? 'passkey' : 'security-key';
      const label = checkLabel(options.label, KIND_NAMES[kind]);
      let info;
      try {
        const result = await verifyRegistrationResponse({
          response: response as unknown as RegistrationResponseJSON,
          expectedChallenge: challenge.challenge,
          expectedOrigin: settings.origin,
          expectedRPID: settings.rpId,
          requireUserVerification: kind === 'passkey',
        });
        if (!result.verified) throw refused();
        info = result.registrationInfo;
      } catch {
        throw refused();
      }
      const credential = info.credential;
      const factorId = randomToken(16);
      const now = isoNow(clock);
      return db.transaction().execute(async (trx) => {
        const taken = await trx.selectFrom('mfa_factors').select('id').where('credential_id', '=', credential.id).executeTakeFirst();
        if (taken) throw refused();
        const before = await trx.selectFrom('mfa_factors').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
        await trx
          .insertInto('mfa_factors')
          .values({
            id: factorId,
            user_id: userId,
            kind,
            label,
            confirmed_at: now,
            created_at: now,
            last_used_at: null,
            totp_secret: null,
            totp_last_step: null,
            credential_id: credential.id,
            public_key: Buffer.from(credential.publicKey).toString('base64url'),
            sign_count: credential.counter,
            transports: JSON.stringify((credential.transports ?? []).filter((t) => TRANSPORTS.has(t))),
            backed_up: info.credentialBackedUp ? 1 : 0,
          })
          .execute();
        await appendEvent(trx, clock, {
          type: 'mfa:add',
          actor: { userId },
          subject: await userSubject(trx, userId),
          data: { userId, factorId, kind, label, phishingResistant: PHISHING_RESISTANT[kind], backedUp: info.credentialBackedUp },
        });
        const recoveryCodes = before ? null : await issueRecoveryCodes(trx, userId, 'first-factor');
        return { factor: toFactor({ id: factorId, kind, label, created_at: now, last_used_at: null }), recoveryCodes };
      });
    },

    /** Second step of a sign-in: any of the user's security keys or passkeys. */
    async startWebAuthnAuthentication(userId: number): Promise<{ handle: string; options: PublicKeyCredentialRequestOptionsJSON } | null> {
      const credentials = await credentialsOf(userId);
      if (credentials.length === 0) return null;
      const options = await generateAuthenticationOptions({
        rpID: settings.rpId,
        timeout: TIMEOUT_MS,
        userVerification: 'preferred',
        allowCredentials: credentials.map((f) => ({ id: f.credential_id!, transports: transportsOf(f.transports) })),
      });
      return { handle: await saveChallenge('second-factor', options.challenge, userId, null), options };
    },

    async finishWebAuthnAuthentication(userId: number, handle: string, response: unknown, options: { ip?: string } = {}): Promise<Factor> {
      await guard.allowed('webauthn', userId, options.ip);
      const challenge = await takeChallenge(handle, 'second-factor', userId);
      const row =
        challenge && isResponse(response)
          ? (await credentialsOf(userId)).find((f) => f.credential_id === response.id)
          : undefined;
      const ok = row && challenge ? await verifyAssertion(row, response as unknown as AuthenticationResponseJSON, challenge.challenge, false) : false;
      if (!row || !ok) throw await guard.failed('webauthn', userId, options.ip, challenge ? 'invalid' : 'challenge', webauthnFailed());
      await guard.succeeded('webauthn', userId, options.ip);
      return toFactor(row);
    },

    /**
     * Passwordless sign-in: the browser offers whichever passkey it holds for this site. Anyone
     * may start one and each start stores a challenge, so starts are counted per IP address
     * (kind `passkey-start`; TOO_MANY_ATTEMPTS past the limit) to bound what one client stores.
     */
    async startPasskeySignIn(options: { ip?: string } = {}): Promise<{ handle: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      await guard.countFromIp('passkey-start', options.ip);
      const request = await generateAuthenticationOptions({ rpID: settings.rpId, timeout: TIMEOUT_MS, userVerification: 'required' });
      return { handle: await saveChallenge('passwordless', request.challenge, null, null), options: request };
    },

    /**
     * Checks a passkey assertion: a registered passkey, its user handle, user verification (the
     * passkey is both factors at once), signature and counter. Returns the user it signs in.
     */
    async finishPasskeySignIn(handle: string, response: unknown, options: { ip?: string } = {}): Promise<{ userId: number; factor: Factor }> {
      await guard.allowedFromIp('webauthn', options.ip);
      const challenge = await takeChallenge(handle, 'passwordless', null);
      const row =
        challenge && isResponse(response)
          ? await db.selectFrom('mfa_factors').selectAll().where('credential_id', '=', response.id).where('kind', '=', 'passkey').where('confirmed_at', 'is not', null).executeTakeFirst()
          : undefined;
      if (!row || !challenge) throw await guard.failedFromIp('webauthn', options.ip, webauthnFailed());
      await guard.allowed('webauthn', row.user_id, options.ip);
      const sentHandle = (response as { response: Record<string, unknown> }).response.userHandle;
      const handleOk = typeof sentHandle === 'string' && constantTimeEqual(sentHandle, userHandle(row.user_id));
      const ok = handleOk && (await verifyAssertion(row, response as unknown as AuthenticationResponseJSON, challenge.challenge, true));
      if (!ok) throw await guard.failed('webauthn', row.user_id, options.ip, 'invalid', webauthnFailed());
      await guard.succeeded('webauthn', row.user_id, options.ip);
      return { userId: row.user_id, factor: toFactor(row) };
    },
  };
}
