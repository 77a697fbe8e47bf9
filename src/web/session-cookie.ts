// The web session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
// sends it), Path=/, Secure when the registry is served over https.
import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE } from '../api/authenticate.js';

export function setSessionCookie(reply: FastifyReply, sessionId: string, expiresAt: Date, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires: expiresAt });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure });
}
