// What every web route shares: who is looking (the viewer), how a page is sent (with the
// security headers, never cached), how a redirect is sent, and how a refusal becomes a page.
// Web routes declare `web: true`, so the session cookie counts as identity on them only.
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { BulwarkError, statusOfKind } from '../platform/errors.js';
import type { WebDeps } from './deps.js';
import type { SafeHtml } from './html.js';
import type { UserActor } from '../auth/index.js';
import type { User } from '../accounts/index.js';
import { viewerOf, type Viewer } from './viewer.js';
import { loginPath, passwordPath } from './paths.js';
import { layout } from './layout.js';
import { errorPage } from './pages/error.js';

/** Route options of a page. Pages that need a user check it themselves and redirect to sign-in. */
export const PUBLIC_PAGE = { config: { action: 'public', web: true } } as const;

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The policy of a page that runs the WebAuthn scripts: scripts from this site, nothing inline. */
export const SCRIPT_CONTENT_SECURITY_POLICY = `${CONTENT_SECURITY_POLICY}; script-src 'self'`;

export interface WebContext {
  deps: WebDeps;
  /** URL of the stylesheet, with its content hash so it can be cached for good. */
  stylesheetHref: string;
  /** URLs of the scripts WebAuthn pages load (library, then ours), with their content hashes. */
  webauthnScripts: string[];
}

function securityHeaders(reply: FastifyReply, withScripts = false): FastifyReply {
  return reply
    .header('Content-Security-Policy', withScripts ? SCRIPT_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY)
    .header('X-Frame-Options', 'DENY')
    .header('Cache-Control', 'no-store');
}

export interface PageOptions {
  status?: number;
  title: string;
  body: SafeHtml;
  /** Text to keep in the header's search box. */
  query?: string;
  /** Load the WebAuthn scripts (the page then gets `script-src 'self'`). */
  webauthn?: boolean;
}

export function sendPage(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, options: PageOptions) {
  const viewer = viewerOf(request, ctx.deps.secret);
  const scripts = options.webauthn ? ctx.webauthnScripts : [];
  const document = layout({ title: options.title, body: options.body, viewer, stylesheetHref: ctx.stylesheetHref, query: options.query ?? '', scripts });
  return securityHeaders(reply, scripts.length > 0)
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(document.toString());
}

/** 303 See Other: after a form, the browser follows with a GET. `location` must be local. */
export function seeOther(reply: FastifyReply, location: string) {
  return securityHeaders(reply).redirect(location, 303);
}

/** 301 Moved Permanently, to a page's one canonical address. `location` must be local. */
export function movedPermanently(reply: FastifyReply, location: string) {
  return securityHeaders(reply).redirect(location, 301);
}

export function sendErrorPage(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, error: BulwarkError) {
  const status = statusOfKind[error.kind];
  const retryAfter = error.detail?.retryAfterSeconds;
  if (status === 429 && typeof retryAfter === 'number') reply.header('Retry-After', String(retryAfter));
  return sendPage(ctx, request, reply, { status, ...errorPage(error, request.actor.kind === 'user') });
}

/**
 * A page handler whose refusals become pages: a BulwarkError shows its safe message with its
 * kind's status; anything else is logged once and shown as a plain 500.
 */
export function pageHandler(
  ctx: WebContext,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): RouteHandlerMethod {
  return async function handle(request, reply) {
    try {
      return await handler(request, reply);
    } catch (error) {
      if (error instanceof BulwarkError) return sendErrorPage(ctx, request, reply, error);
      request.log.error({ err: error }, 'web page failed');
      return sendPage(ctx, request, reply, { status: 500, ...errorPage(null, false) });
    }
  };
}

/** One string field of an urlencoded form; missing, repeated or non-string fields read as ''. */
export function formField(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** One string query parameter; repeated parameters read as absent. */
export function queryParam(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** A viewer signed in with a web session: the only kind that may use signed-in forms. */
export interface SessionViewer extends Viewer {
  user: UserActor;
  sessionId: string;
  csrf: string;
}

export type SessionGate = { ok: true; viewer: SessionViewer; user: User } | { ok: false; location: string };

/**
 * The viewer of a page that needs a web session, or where to send them: to sign in (coming back
 * to `here` afterwards), or to choose a new password first when their password is a one-time
 * one (which must not buy anything else, CLI tokens included).
 */
export async function requireSession(ctx: WebContext, request: FastifyRequest, here: string, options: { passwordChangePage?: boolean } = {}): Promise<SessionGate> {
  const viewer = viewerOf(request, ctx.deps.secret);
  const user = viewer.user && viewer.sessionId ? await ctx.deps.accounts.getUserById(viewer.user.userId) : null;
  if (!user || !viewer.user || !viewer.sessionId || !viewer.csrf) return { ok: false, location: loginPath(here) };
  if (user.mustChangePassword && !options.passwordChangePage) return { ok: false, location: passwordPath(here) };
  return { ok: true, viewer: { ...viewer, user: viewer.user, sessionId: viewer.sessionId, csrf: viewer.csrf }, user };
}
