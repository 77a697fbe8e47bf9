// The two short-lived cookies of multi-factor sign-in, both HttpOnly and SameSite=Strict:
// - the pending sign-in (password right, second step still owed), for the sign-in pages only;
// - the handle of a WebAuthn challenge, which binds the challenge to this browser.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const PENDING_COOKIE = 'bulwark_mfa';
export const WEBAUTHN_COOKIE = 'bulwark_webauthn';
const PENDING_PATH = '/account/login';
const WEBAUTHN_PATH = '/account';
const WEBAUTHN_MAX_AGE_S = 5 * 60;

function read(request: FastifyRequest, name: string): string {
  const value = request.cookies?.[name];
  return typeof value === 'string' && value.length <= 128 ? value : '';
}

export function setPendingCookie(reply: FastifyReply, pendingId: string, expiresAt: Date, secure: boolean): void {
  reply.setCookie(PENDING_COOKIE, pendingId, { path: PENDING_PATH, httpOnly: true, sameSite: 'strict', secure, expires: expiresAt });
}

export function pendingCookie(request: FastifyRequest): string {
  return read(request, PENDING_COOKIE);
}

export function clearPendingCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(PENDING_COOKIE, { path: PENDING_PATH, httpOnly: true, sameSite: 'strict', secure });
}

export function setWebAuthnCookie(reply: FastifyReply, handle: string, secure: boolean): void {
  reply.setCookie(WEBAUTHN_COOKIE, handle, { path: WEBAUTHN_PATH, httpOnly: true, sameSite: 'strict', secure, maxAge: WEBAUTHN_MAX_AGE_S });
}

export function webAuthnCookie(request: FastifyRequest): string {
  return read(request, WEBAUTHN_COOKIE);
}

export function clearWebAuthnCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(WEBAUTHN_COOKIE, { path: WEBAUTHN_PATH, httpOnly: true, sameSite: 'strict', secure });
}

/** The credential JSON a WebAuthn form posts, parsed; null when absent, too big or not JSON. */
export function credentialField(value: string): unknown {
  if (value === '' || value.length > 32 * 1024) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}
