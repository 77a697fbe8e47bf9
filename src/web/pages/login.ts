// Sign-in and sign-out. The sign-in forms are protected by the double-submit cookie (there is no
// session yet); unknown user and wrong password get the same answer. An account with a second
// factor gets no session for its password alone: the password opens a pending sign-in (a
// short-lived HttpOnly cookie) and `/account/login/mfa` asks for a TOTP code, a recovery code or
// a security key; only then is the session created. A passkey signs in on its own (it is both
// factors: the device, and the PIN or biometric that unlocks it). After sign-in the browser goes
// to `next` only if it is a local path, to the password change first if the password is a
// one-time one. Sign-out is a POST with the session's CSRF token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../api/authenticate.js';
import type { SessionFactor, User } from '../../accounts/index.js';
import { BulwarkError, statusOfKind } from '../../platform/errors.js';
import { html, type SafeHtml } from '../html.js';
import { checkDoubleSubmit, checkSessionCsrf, clearLoginCsrf, CSRF_COOKIE, CSRF_FIELD, loginCsrfValue } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, queryParam, seeOther, sendPage, type WebContext } from '../page.js';
import { loginPath, passwordPath, safeLocalPath } from '../paths.js';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.js';
import {
  clearPendingCookie,
  clearWebAuthnCookie,
  credentialField,
  pendingCookie,
  setPendingCookie,
  setWebAuthnCookie,
  webAuthnCookie,
} from '../mfa-cookies.js';
import { viewerOf } from '../viewer.js';
import { deviceOf } from '../device.js';

const MAX_NAME_LENGTH = 64;
const MAX_PASSWORD_LENGTH = 1024;
export const BAD_CREDENTIALS = 'Incorrect user name or password.';
export const FORM_EXPIRED = 'This form has expired or was not sent from this site. Please try again.';
const SIGN_IN_EXPIRED = 'This sign-in has expired. Please sign in again.';
const PASSKEY_FAILED = 'That passkey could not sign you in. Try again, or sign in with your password.';
export const MFA_PATH = '/account/login/mfa';

interface LoginForm {
  status: number;
  next: string | null;
  name?: string;
  message?: string;
}

function withNext(path: string, next: string | null): string {
  return next && next !== '/' ? `${path}?next=${encodeURIComponent(next)}` : path;
}

function nextField(next: string | null): SafeHtml | null {
  return next ? html`<input type="hidden" name="next" value="${next}">` : null;
}

/** A refusal's message and status for a sign-in page (429 keeps its Retry-After). */
function refusal(reply: FastifyReply, error: unknown): { status: number; message: string } {
  if (!(error instanceof BulwarkError)) throw error;
  const retry = error.detail?.retryAfterSeconds;
  if (typeof retry === 'number') reply.header('Retry-After', String(Math.ceil(retry)));
  return { status: statusOfKind[error.kind], message: error.message };
}

export function registerLoginPages(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, mfa, secureCookies } = ctx.deps;

  function showLogin(request: FastifyRequest, reply: FastifyReply, form: LoginForm) {
    const csrf = loginCsrfValue(request, reply, secureCookies);
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Sign in',
      body: html`<section class="card narrow">
  <h1>Sign in</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <form method="post" action="/account/login" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    ${nextField(form.next)}
    <label>User name <input name="name" autocomplete="username" required maxlength="${MAX_NAME_LENGTH}" value="${form.name ?? ''}" autofocus></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="${MAX_PASSWORD_LENGTH}"></label>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <form method="post" action="/account/login/passkey" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    ${nextField(form.next)}
    <button type="submit">Sign in with a passkey</button>
  </form>
  ${ctx.deps.emailVerification.registrationOpen
    ? html`<p class="meta">No account yet? <a href="/account/register">Create one</a>.</p>`
    : html`<p class="meta">Accounts are created by the administrators of this registry.</p>`}
  <p class="meta">Forgot your password? <a href="/account/recover">Recover your account</a>.</p>
</section>`,
    });
  }

  /** Both factors are in: the session starts (any other session in this browser ends). */
  async function completeSignIn(request: FastifyRequest, reply: FastifyReply, user: User, next: string | null, factor: SessionFactor | null) {
    const previous = request.cookies?.[SESSION_COOKIE];
    if (typeof previous === 'string' && previous !== '') await accounts.endSession(previous);
    const session = await accounts.createSession(user.id, deviceOf(request), factor);
    setSessionCookie(reply, session.sessionId, session.expiresAt, secureCookies);
    clearLoginCsrf(reply, secureCookies);
    clearPendingCookie(reply, secureCookies);
    clearWebAuthnCookie(reply, secureCookies);
    return seeOther(reply, user.mustChangePassword ? passwordPath(next) : (next ?? '/'));
  }

  /** The user of this browser's pending sign-in, or null (unknown, expired, finished). */
  async function pendingUser(request: FastifyRequest): Promise<User | null> {
    const userId = await mfa.pendingSignInUser(pendingCookie(request));
    return userId === null ? null : accounts.getUserById(userId);
  }

  async function showSecondStep(request: FastifyRequest, reply: FastifyReply, user: User, form: { status: number; next: string | null; message?: string }) {
    const csrf = loginCsrfValue(request, reply, secureCookies);
    const webauthn = await mfa.startWebAuthnAuthentication(user.id);
    if (webauthn) setWebAuthnCookie(reply, webauthn.handle, secureCookies);
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Two-factor authentication',
      webauthn: Boolean(webauthn),
      body: html`<section class="card narrow">
  <h1>Two-factor authentication</h1>
  <p>Signing in as <strong>${user.name}</strong>. Confirm it is you with a second factor.</p>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  ${webauthn
    ? html`<form method="post" action="/account/login/mfa/webauthn" class="stack" data-webauthn="authenticate" data-options="${JSON.stringify(webauthn.options)}">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    ${nextField(form.next)}
    <input type="hidden" name="credential" value="">
    <button type="button" class="primary" data-webauthn-start>Use a security key or passkey</button>
    <p class="meta" data-webauthn-status role="status">Phishing-resistant.</p>
  </form>`
    : null}
  <form method="post" action="${MFA_PATH}" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    ${nextField(form.next)}
    <label>Code from your authenticator app, or a recovery code
      <input name="code" autocomplete="one-time-code" required maxlength="64"></label>
    ${webauthn ? html`<button type="submit">Verify</button>` : html`<button type="submit" class="primary">Verify</button>`}
    <p class="meta">App codes and recovery codes are not phishing-resistant: type them only on this site.</p>
  </form>
  <p><a href="/account/login">Start over</a></p>
</section>`,
    });
  }

  app.get('/account/login', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const next = safeLocalPath(queryParam(request, 'next'));
    if (viewerOf(request, ctx.deps.secret).sessionId) return seeOther(reply, next ?? '/');
    return showLogin(request, reply, { status: 200, next });
  }));

  app.post('/account/login', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const body = request.body;
    const next = safeLocalPath(formField(body, 'next'));
    const name = formField(body, 'name').slice(0, MAX_NAME_LENGTH);
    if (!checkDoubleSubmit(request.cookies?.[CSRF_COOKIE], formField(body, CSRF_FIELD))) {
      return showLogin(request, reply, { status: 403, next, name, message: FORM_EXPIRED });
    }
    const password = formField(body, 'password');
    let user;
    try {
      user = name !== '' && password.length <= MAX_PASSWORD_LENGTH ? await accounts.verifyCredentials(name, password, { ip: request.ip }) : null;
    } catch (error) {
      // Locked (too many failures for this name or from this address): the form again, saying when.
      return showLogin(request, reply, { next, name, ...refusal(reply, error) });
    }
    if (!user) return showLogin(request, reply, { status: 401, next, name, message: BAD_CREDENTIALS });

    if ((await mfa.status(user.id)).enabled) {
      const pending = await mfa.startPendingSignIn(user.id);
      setPendingCookie(reply, pending.pendingId, pending.expiresAt, secureCookies);
      return seeOther(reply, withNext(MFA_PATH, next));
    }
    return completeSignIn(request, reply, user, next, null);
  }));

  // --- second step -----------------------------------------------------------------------
  app.get(MFA_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const next = safeLocalPath(queryParam(request, 'next'));
    const user = await pendingUser(request);
    if (!user) return seeOther(reply, loginPath(next));
    return showSecondStep(request, reply, user, { status: 200, next });
  }));

  /**
   * A second-step form: the pending sign-in and the form's CSRF pair are checked, then `prove`
   * checks the factor (throwing a refusal to show on the step's page) and names it for the session.
   */
  const secondStep = (prove: (request: FastifyRequest, user: User) => Promise<SessionFactor>) =>
    pageHandler(ctx, async (request, reply) => {
      const body = request.body;
      const next = safeLocalPath(formField(body, 'next'));
      const user = await pendingUser(request);
      if (!user) return showLogin(request, reply, { status: 401, next, message: SIGN_IN_EXPIRED });
      if (!checkDoubleSubmit(request.cookies?.[CSRF_COOKIE], formField(body, CSRF_FIELD))) {
        return showSecondStep(request, reply, user, { status: 403, next, message: FORM_EXPIRED });
      }
      let factor: SessionFactor;
      try {
        factor = await prove(request, user);
      } catch (error) {
        return showSecondStep(request, reply, user, { next, ...refusal(reply, error) });
      }
      if (!(await mfa.finishPendingSignIn(pendingCookie(request)))) return showLogin(request, reply, { status: 401, next, message: SIGN_IN_EXPIRED });
      return completeSignIn(request, reply, user, next, factor);
    });

  app.post(MFA_PATH, PUBLIC_PAGE, secondStep((request, user) => mfa.verifyCode(user.id, formField(request.body, 'code'), { ip: request.ip })));

  app.post(
    '/account/login/mfa/webauthn',
    PUBLIC_PAGE,
    secondStep(async (request, user) => {
      const factor = await mfa.finishWebAuthnAuthentication(user.id, webAuthnCookie(request), credentialField(formField(request.body, 'credential')), { ip: request.ip });
      return factor.kind;
    }),
  );

  // --- passkey sign-in (no password) -----------------------------------------------------
  app.post('/account/login/passkey', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const body = request.body;
    const next = safeLocalPath(formField(body, 'next'));
    if (!checkDoubleSubmit(request.cookies?.[CSRF_COOKIE], formField(body, CSRF_FIELD))) {
      return showLogin(request, reply, { status: 403, next, message: FORM_EXPIRED });
    }
    let started;
    try {
      // Counted per address (each start stores a challenge): past the limit, the form says when.
      started = await mfa.startPasskeySignIn({ ip: request.ip });
    } catch (error) {
      return showLogin(request, reply, { next, ...refusal(reply, error) });
    }
    const { handle, options } = started;
    const csrf = loginCsrfValue(request, reply, secureCookies);
    setWebAuthnCookie(reply, handle, secureCookies);
    return sendPage(ctx, request, reply, {
      title: 'Sign in with a passkey',
      webauthn: true,
      body: html`<section class="card narrow">
  <h1>Sign in with a passkey</h1>
  <form method="post" action="/account/login/passkey/verify" class="stack" data-webauthn="authenticate" data-options="${JSON.stringify(options)}">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    ${nextField(next)}
    <input type="hidden" name="credential" value="">
    <button type="button" class="primary" data-webauthn-start>Use my passkey</button>
    <p class="meta" data-webauthn-status role="status">Your browser will ask which passkey to use and to unlock it.</p>
  </form>
  <p><a href="${loginPath(next)}">Sign in with a password instead</a></p>
</section>`,
    });
  }));

  app.post('/account/login/passkey/verify', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const body = request.body;
    const next = safeLocalPath(formField(body, 'next'));
    if (!checkDoubleSubmit(request.cookies?.[CSRF_COOKIE], formField(body, CSRF_FIELD))) {
      return showLogin(request, reply, { status: 403, next, message: FORM_EXPIRED });
    }
    let userId: number;
    try {
      ({ userId } = await mfa.finishPasskeySignIn(webAuthnCookie(request), credentialField(formField(body, 'credential')), { ip: request.ip }));
    } catch (error) {
      const { status, message } = refusal(reply, error);
      clearWebAuthnCookie(reply, secureCookies);
      return showLogin(request, reply, { status, next, message: status === 429 ? message : PASSKEY_FAILED });
    }
    const user = await accounts.getUserById(userId);
    if (!user) return showLogin(request, reply, { status: 401, next, message: PASSKEY_FAILED });
    return completeSignIn(request, reply, user, next, 'passkey');
  }));

  app.post('/account/logout', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const viewer = viewerOf(request, ctx.deps.secret);
    if (viewer.sessionId) {
      if (!checkSessionCsrf(ctx.deps.secret, viewer.sessionId, formField(request.body, CSRF_FIELD))) {
        return sendPage(ctx, request, reply, {
          status: 403,
          title: 'Sign out',
          body: html`<section class="notice"><h1>Sign out</h1><p class="error" role="alert">${FORM_EXPIRED}</p><p>Use the sign-out button at the top of this page.</p></section>`,
        });
      }
      await accounts.endSession(viewer.sessionId);
    }
    clearSessionCookie(reply, secureCookies);
    return seeOther(reply, '/');
  }));
}
