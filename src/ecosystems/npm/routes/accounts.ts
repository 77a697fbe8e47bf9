// npm's account commands: login (web and legacy), whoami, logout, tokens, profile, user lookup.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BulwarkError, invalid, notFound, unauthenticated } from '../../../platform/errors.js';
import { authorize, requireUser, type UserActor } from '../../../auth/index.js';
import type { TokenScope } from '../../../tokens/index.js';
import type { EcosystemContext } from '../../types.js';

const COUCH_USER = 'org.couchdb.user:';
const DONE_RETRY_SECONDS = '1';

function scopeFromNpm(body: Record<string, unknown>): TokenScope {
  if (body.orgs !== undefined || body.orgs_permission !== undefined) {
    throw invalid('TOKEN_ORGS_UNSUPPORTED', 'Organisation-scoped tokens are not supported yet.');
  }
  if (body.bypass_2fa !== undefined) {
    throw invalid('TOKEN_BYPASS_2FA_UNSUPPORTED', 'Tokens that bypass two-factor authentication are not supported.');
  }
  const permission = body.packages_and_scopes_permission ?? (body.readonly === true ? 'read-only' : 'read-write');
  if (permission !== 'read-only' && permission !== 'read-write') {
    throw invalid('TOKEN_PERMISSION_INVALID', 'packages_and_scopes_permission must be read-only or read-write.');
  }
  const list = (value: unknown, field: string): string[] | null => {
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || value.length > 100 || !value.every((v) => typeof v === 'string' && v.length <= 214)) {
      throw invalid('TOKEN_SCOPE_INVALID', `${field} must be a list of at most 100 names.`);
    }
    return value as string[];
  };
  const packages = body.packages_all === true ? null : list(body.packages, 'packages');
  const scopes = body.packages_all === true ? null : list(body.scopes, 'scopes');
  return { permission, packages, scopes };
}

// A one-time password (the generated admin one) buys nothing but the web page that replaces it.
const passwordChangeRequired = (publicUrl: string) =>
  new BulwarkError('forbidden', 'PASSWORD_CHANGE_REQUIRED', `Choose a new password first: sign in at ${publicUrl}/account/login.`);

const emailNotVerified = () =>
  new BulwarkError('forbidden', 'EMAIL_NOT_VERIFIED', 'Verify your email address first: follow the link we mailed you (or ask for a new one on /account/email).');

/** `org.couchdb.user:alice` → `alice`. */
function userNameOf(params: unknown): string {
  const id = (params as { couchId: string }).couchId;
  if (!id.startsWith(COUCH_USER)) throw new BulwarkError('not_found', 'NOT_FOUND', 'Not found.');
  return id.slice(COUCH_USER.length);
}

export async function accountRoutes(app: FastifyInstance, ctx: EcosystemContext, renderError: any) {
  const { accounts, tokens, settings, mfaPolicy } = ctx;

  // A login token is a new credential: refused until the address is verified, and the device
  // it is issued to is noted (a new one is notified).
  async function issueLoginToken(userId: number, request: FastifyRequest): Promise<string> {
    if (!(await accounts.isEmailVerified(userId))) throw emailNotVerified();
    await accounts.recordDevice(userId, { userAgent: request.headers['user-agent'], ip: request.ip, via: 'cli' });
    const { token } = await tokens.create({ userId, name: 'npm login' });
    return token;
  }

  // Web login: the CLI opens loginUrl in a browser and polls doneUrl until the user approves.
  app.post('/-/v1/login', { config: { action: 'public', renderError } }, async () => {
    const { id, doneSecret } = await accounts.startCliLogin();
    return {
      loginUrl: `${settings.publicUrl}/account/cli-login/${id}`,
      doneUrl: `${settings.publicUrl}/-/v1/done?session=${doneSecret}`,
    };
  });

  // npm polls with the method and body of the request that started it: accept any method.
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/-/v1/done',
    config: { action: 'public', renderError },
    handler: async (request, reply) => {
      const { session } = request.query as { session?: string };
      if (!session) throw invalid('CLI_LOGIN_INVALID', 'Missing session.');
      const state = await accounts.pollCliLogin(session);
      if (state.state === 'pending') {
        reply.header('Retry-After', DONE_RETRY_SECONDS);
        return reply.code(202).send({});
      }
      return { token: await issueLoginToken(state.userId, request) };
    },
  });

  // The web-auth OTP flow's poll (the doneUrl of an OTP_PHISHING_RESISTANT_REQUIRED answer):
  // pending until the user approved in the browser, then a one-time grant npm sends as npm-otp.
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/-/npm/v1/otp/done',
    config: { action: 'public', renderError },
    handler: async (request, reply) => {
      const { session } = request.query as { session?: string };
      if (!session) throw notFound('OTP_REQUEST_UNKNOWN', 'Missing session.');
      const state = await mfaPolicy.grants.poll(session);
      if (state.state === 'pending') {
        reply.header('Retry-After', DONE_RETRY_SECONDS);
        return reply.code(202).send({});
      }
      return { token: state.grant };
    },
  });

  /**
   * An account with a second factor logs in with a code too. npm sends it in `npm-otp` after a
   * 401 with `WWW-Authenticate: OTP` (the mfa_required kind), prompting for it on a terminal,
   * and asks again when told the code was rejected.
   */
  async function requireSecondFactor(userId: number, header: unknown, ip: string): Promise<void> {
    if (!(await ctx.mfa.status(userId)).enabled) return;
    const otp = typeof header === 'string' ? header.trim() : '';
    if (otp === '' || otp.length > 64) {
      throw new BulwarkError('mfa_required', 'OTP_REQUIRED', 'This account uses two-factor authentication: enter a one-time password from your authenticator (npm: --otp=<code>).');
    }
    try {
      await ctx.mfa.verifyCode(userId, otp, { ip });
    } catch (error) {
      if (error instanceof BulwarkError && (error.code === 'OTP_INVALID' || error.code === 'OTP_REPLAYED')) {
        throw new BulwarkError('mfa_required', 'OTP_REJECTED', `The one-time password is wrong, expired or already used. ${error.message}`);
      }
      throw error;
    }
  }

  // Legacy ("couch") login: name and password in, token out. Registration is not open here:
  // accounts are created by an administrator (`bulwark user create`).
  app.put('/-/user/:couchId', { config: { action: 'public', renderError } }, async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const name = typeof body?.name === 'string' ? body.name : userNameOf(request.params);
    const password = typeof body?.password === 'string' ? body.password : '';
    const user = await accounts.verifyCredentials(name, password, { ip: request.ip });
    if (!user) throw unauthenticated('CREDENTIALS_INVALID', 'Incorrect user name or password.');
    if (user.mustChangePassword) throw passwordChangeRequired(settings.publicUrl);
    await requireSecondFactor(user.id, request.headers['npm-otp'], request.ip);
    return reply.code(201).send({ ok: true, id: `${COUCH_USER}${user.name}`, token: await issueLoginToken(user.id, request) });
  });

  app.put('/-/user/:couchId/-rev/:rev', { config: { action: 'public', renderError } }, async () => {
    throw new BulwarkError('forbidden', 'PROFILE_EDIT_UNSUPPORTED', 'Change your account on the web pages.');
  });

  // `npm owner add` looks the user up first. Only signed-in users may, to limit enumeration.
  app.get('/-/user/:couchId', { config: { action: 'user', renderError } }, async (request) => {
    requireUser(request.actor);
    const user = await accounts.getUserByName(userNameOf(request.params));
    if (!user) throw new BulwarkError('not_found', 'USER_NOT_FOUND', 'No such user.');
    return { _id: `${COUCH_USER}${user.name}`, name: user.name, email: user.email };
  });

  app.get('/-/whoami', { config: { action: 'user', renderError } }, async (request) => {
    requireUser(request.actor);
    return { username: request.actor.name };
  });

  app.delete('/-/user/token/:token', { config: { action: 'user', renderError } }, async (request) => {
    requireUser(request.actor);
    await tokens.revoke(request.actor.userId, (request.params as { token: string }).token, request.actor.tokenId);
    return { ok: true };
  });

  app.get('/-/npm/v1/tokens', { config: { action: 'account:tokens', renderError } }, async (request) => {
    requireUser(request.actor);
    const list = await tokens.list(request.actor.userId);
    return {
      objects: list.map((t) => ({
        key: t.key,
        token: `${t.prefix}…`,
        name: t.name ?? undefined,
        created: t.createdAt,
        updated: t.updatedAt,
        expires: t.expiresAt ?? undefined,
        readonly: t.readonly,
        cidr_whitelist: t.cidrWhitelist.length > 0 ? t.cidrWhitelist : null,
      })),
      total: list.length,
      urls: {},
    };
  });

  // A new token needs the password again: a stolen token cannot mint itself successors.
  app.post('/-/npm/v1/tokens', { config: { action: 'account:tokens', renderError } }, async (request) => {
    requireUser(request.actor);
    const actor: UserActor = request.actor;
    if (actor.readonly) throw new BulwarkError('forbidden', 'TOKEN_READ_ONLY', 'A read-only token cannot create tokens.');
    authorize(actor, 'account:tokens', { user: { id: actor.userId } });
    const body = (request.body ?? {}) as Record<string, unknown>;
    const user = await accounts.verifyCredentials(actor.name, typeof body.password === 'string' ? body.password : '', { ip: request.ip });
    if (!user || user.id !== actor.userId) throw unauthenticated('CREDENTIALS_INVALID', 'Incorrect password.');
    if (user.mustChangePassword) throw passwordChangeRequired(settings.publicUrl);
    // Token changes are under the MFA policy: a second factor in npm-otp when it asks for one.
    await mfaPolicy.enforce(actor, { account: true }, 'otp');
    const { token, info } = await tokens.create({
      userId: actor.userId,
      name: typeof body.name === 'string' ? body.name : null,
      scope: scopeFromNpm(body),
      cidrWhitelist: body.cidr_whitelist,
      expiresInDays: body.expires === undefined ? null : (body.expires as number),
      actorTokenId: actor.tokenId,
    });
    await mfaPolicy.recordTokenFactor(actor, info.key);
    return {
      token,
      key: info.key,
      name: info.name ?? undefined,
      created: info.createdAt,
      readonly: info.readonly,
      cidr_whitelist: info.cidrWhitelist,
      expires: info.expiresAt ?? undefined,
    };
  });

  app.delete('/-/npm/v1/tokens/token/:key', { config: { action: 'account:tokens', renderError } }, async (request) => {
    requireUser(request.actor);
    await mfaPolicy.enforce(request.actor, { account: true }, 'otp');
    await tokens.revoke(request.actor.userId, (request.params as { key: string }).key, request.actor.tokenId);
    return { ok: true };
  });
}
