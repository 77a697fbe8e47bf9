import type {} from '@fastify/cookie';
// Turns a request's credentials into an Actor: a Bearer token, HTTP Basic (npm's `_auth`), or
// the web session cookie. Bad credentials are refused outright rather than treated as
// anonymous, so a client with a revoked token learns it at once.
import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BulwarkError } from '../platform/errors.js';
import { anonymous, type Actor, type UserActor } from '../auth/index.js';
import { isPhishingResistantFactor, type AccountsService, type User } from '../accounts/index.js';
import { isUnrestricted, type TokensService } from '../tokens/index.js';
import type { MfaService } from '../mfa/index.js';

export const SESSION_COOKIE = 'bulwark_session';
/** The Basic user name that says "the password is an API token". */
export const TOKEN_USERNAME = '__token__';

export interface AuthenticateDeps {
  accounts: AccountsService;
  tokens: TokensService;
  secret: string;
  /** Accounts with a second factor may not use their password alone as an API credential. */
  mfa: Pick<MfaService, 'status'>;
}

const BASIC_CACHE_MS = 5 * 60_000;

export function createAuthenticator({ accounts, tokens, secret, mfa }: AuthenticateDeps) {
  // Verified Basic credentials, keyed by an HMAC of the header so no password sits in memory
  // in the clear: argon2 on every request would make each read cost ~50 ms of CPU.
  const basicCache = new Map<string, { userId: number; until: number }>();

  function userActor(user: User, via: UserActor['via'], tokenId: string | null, scope: UserActor['scope'], publisherId: string | null = null): UserActor {
    return {
      kind: 'user',
      userId: user.id,
      name: user.name,
      // Admin rights never pass through a token narrower than its user (a package-limited,
      // publish-only or minted one).
      isAdmin: user.isAdmin && isUnrestricted(scope),
      via,
      tokenId,
      readonly: scope?.permission === 'read-only',
      scope,
      publisherId,
      emailVerified: user.emailVerified,
    };
  }

  // A password is one factor: on an account with two, it would bypass the second one. Such
  // accounts use API tokens (created after signing in with both).
  async function refuseIfMfa(user: User): Promise<void> {
    if ((await mfa.status(user.id)).enabled) {
      throw new BulwarkError(
        'unauthenticated',
        'PASSWORD_AUTH_MFA',
        'This account uses two-factor authentication: use an API token (npm login, or a token from the web pages), not the password.',
      );
    }
  }

  const invalidToken = () =>
    new BulwarkError('unauthenticated', 'TOKEN_INVALID', 'The token is invalid, expired or revoked.');

  async function fromToken(raw: string, ip: string | undefined): Promise<Actor> {
    const found = await tokens.authenticate(raw, ip);
    if (!found) throw invalidToken();
    const user = await accounts.getUserById(found.userId);
    if (!user) throw invalidToken();
    return userActor(user, 'token', found.tokenId, found.scope, found.publisherId);
  }

  async function fromBasic(encoded: string, ip: string | undefined): Promise<Actor> {
    const key = createHmac('sha256', secret).update(encoded).digest('base64url');
    const hit = basicCache.get(key);
    if (hit && hit.until > Date.now()) {
      const user = await accounts.getUserById(hit.userId);
      if (user) {
        await refuseIfMfa(user);
        return userActor(user, 'password', null, null);
      }
    }
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new BulwarkError('unauthenticated', 'CREDENTIALS_INVALID', 'Incorrect user name or password.');
    // `__token__` + a token as the password: the convention by which clients that only speak
    // HTTP Basic send an API token.
    if (decoded.slice(0, colon) === TOKEN_USERNAME) return fromToken(decoded.slice(colon + 1), ip);
    const user = await accounts.verifyCredentials(decoded.slice(0, colon), decoded.slice(colon + 1), { ip });
    if (!user) throw new BulwarkError('unauthenticated', 'CREDENTIALS_INVALID', 'Incorrect user name or password.');
    if (user.mustChangePassword) {
      throw new BulwarkError('forbidden', 'PASSWORD_CHANGE_REQUIRED', 'Choose a new password on the web sign-in page first.');
    }
    await refuseIfMfa(user);
    if (basicCache.size > 10_000) basicCache.clear();
    basicCache.set(key, { userId: user.id, until: Date.now() + BASIC_CACHE_MS });
    return userActor(user, 'password', null, null);
  }

  async function identify(request: FastifyRequest): Promise<Actor> {
    // The route reads the header itself: it holds an ID token for the trust service to verify.
    if (request.routeOptions.config?.credentials === 'oidc') return anonymous;
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.length > 0) {
      const [scheme, value = ''] = header.split(/\s+/, 2);
      if (/^bearer$/i.test(scheme ?? '')) return fromToken(value, request.ip);
      if (/^basic$/i.test(scheme ?? '')) return fromBasic(value, request.ip);
      throw new BulwarkError('unauthenticated', 'AUTH_SCHEME_UNSUPPORTED', 'Use a Bearer token or Basic credentials.');
    }
    // Only web routes take the cookie, so no API write can be driven cross-site by a browser.
    const sessionId = request.routeOptions.config?.web ? request.cookies?.[SESSION_COOKIE] : undefined;
    if (sessionId) {
      const session = await accounts.session(sessionId);
      if (session) {
        const actor = userActor(session.user, 'session', null, null);
        // The factor this session was signed in with stands for the request's second factor.
        const factor = session.secondFactor;
        if (factor) actor.secondFactor = { otp: null, ip: null, verified: { phishingResistant: isPhishingResistantFactor(factor) } };
        return actor;
      }
    }
    return anonymous;
  }

  return {
    async authenticate(request: FastifyRequest): Promise<Actor> {
      const actor = await identify(request);
      if (actor.kind === 'user') {
        // npm's one-time password for this request; verified only if the MFA policy asks for one.
        const otp = request.headers['npm-otp'];
        actor.secondFactor = {
          ...actor.secondFactor,
          otp: typeof otp === 'string' && otp.length > 0 && otp.length <= 200 ? otp : null,
          ip: request.ip ?? null,
        };
      }
      return actor;
    },
    forgetBasicCredentials() {
      basicCache.clear();
    },
  };
}
