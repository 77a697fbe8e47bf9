// CSRF protection of the web forms, two ways:
// - signed-in forms carry HMAC(secret, session id): a page from another site cannot read it, and
//   it dies with the session (sign-out, password change);
// - the sign-in form has no session yet, so it uses a double-submit cookie: a random value in an
//   HttpOnly, SameSite=Strict cookie that must equal the hidden form field.
// Comparisons hash both sides and use timingSafeEqual, so neither length nor content leaks
// through timing. The session cookie is SameSite=Strict too; these tokens are the second lock.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Name of the hidden field every form carries. */
export const CSRF_FIELD = '_csrf';
/** Double-submit cookie of the sign-in form. */
export const CSRF_COOKIE = 'bulwark_csrf';

const CSRF_COOKIE_MAX_AGE_S = 2 * 60 * 60;
const LABEL = 'bulwark web csrf v1\u0000';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time equality of two strings of any length. */
export function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The token of forms shown to a signed-in user, bound to their session. */
export function sessionCsrfToken(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(LABEL + sessionId, 'utf8').digest('base64url');
}

export function checkSessionCsrf(secret: string, sessionId: string | null, submitted: unknown): boolean {
  if (!sessionId || typeof submitted !== 'string' || submitted.length === 0 || submitted.length > 256) return false;
  return sameToken(sessionCsrfToken(secret, sessionId), submitted);
}

export function checkDoubleSubmit(cookieValue: unknown, submitted: unknown): boolean {
  if (typeof cookieValue !== 'string' || typeof submitted !== 'string') return false;
  if (cookieValue.length < 32 || cookieValue.length > 256) return false;
  return sameToken(cookieValue, submitted);
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The double-submit value for the sign-in form: the one already in the browser's cookie when it
 * looks like ours (so two open sign-in tabs both work), else a new one, set on the reply.
 */
export function loginCsrfValue(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  return doubleSubmitValue(request, reply, secure, '/account/login');
}

/**
 * The same double-submit value for another form shown before there is a session (sign-up), its
 * cookie limited to that form's path.
 */
export function doubleSubmitValue(request: FastifyRequest, reply: FastifyReply, secure: boolean, path: string): string {
  const current = request.cookies?.[CSRF_COOKIE];
  if (typeof current === 'string' && COOKIE_VALUE.test(current)) return current;
  const value = randomBytes(32).toString('base64url');
  reply.setCookie(CSRF_COOKIE, value, {
    path,
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge: CSRF_COOKIE_MAX_AGE_S,
  });
  return value;
}

export function clearLoginCsrf(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(CSRF_COOKIE, { path: '/account/login', httpOnly: true, sameSite: 'strict', secure });
}
