// Who is looking at a page: the actor the authentication hook found, and, when they are signed
// in with the web session cookie, that session and the CSRF token of their forms.
import type { FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../api/authenticate.js';
import type { Actor, UserActor } from '../auth/index.js';
import { sessionCsrfToken } from './csrf.js';

/** Who is looking at a page, and the CSRF token of their forms. */
export interface Viewer {
  actor: Actor;
  /** The signed-in user, however they proved it. */
  user: UserActor | null;
  /** The web session (only when signed in with the cookie); forms need one. */
  sessionId: string | null;
  /** Token for forms shown to a signed-in user; null without a session. */
  csrf: string | null;
}

export function viewerOf(request: FastifyRequest, secret: string): Viewer {
  const actor = request.actor;
  const user = actor.kind === 'user' ? actor : null;
  const cookie = request.cookies?.[SESSION_COOKIE];
  const sessionId = user?.via === 'session' && typeof cookie === 'string' ? cookie : null;
  return { actor, user, sessionId, csrf: sessionId ? sessionCsrfToken(secret, sessionId) : null };
}

