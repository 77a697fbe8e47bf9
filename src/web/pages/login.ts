// Sign-in and sign-out. The sign-in form is protected by the double-submit cookie (there is no
// session yet); unknown user and wrong password get the same answer. After sign-in the browser
// goes to `next` only if it is a local path, to the password change first if the password is a
// one-time one. Sign-out is a POST with the session's CSRF token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../api/authenticate.js';
import { html } from '../html.js';
import { checkDoubleSubmit, checkSessionCsrf, clearLoginCsrf, CSRF_COOKIE, CSRF_FIELD, loginCsrfValue } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, queryParam, seeOther, sendPage, type WebContext } from '../page.js';
import { passwordPath, safeLocalPath } from '../paths.js';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.js';
import { viewerOf } from '../viewer.js';
import { deviceOf } from '../device.js';

const MAX_NAME_LENGTH = 64;
const MAX_PASSWORD_LENGTH = 1024;
export const BAD_CREDENTIALS = 'Incorrect user name or password.';
export const FORM_EXPIRED = 'This form has expired or was not sent from this site. Please try again.';

interface LoginForm {
  status: number;
  next: string | null;
  name?: string;
  message?: string;
}

export function registerLoginPages(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, secureCookies } = ctx.deps;

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
    ${form.next ? html`<input type="hidden" name="next" value="${form.next}">` : null}
    <label>User name <input name="name" autocomplete="username" required maxlength="${MAX_NAME_LENGTH}" value="${form.name ?? ''}" autofocus></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="${MAX_PASSWORD_LENGTH}"></label>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p class="meta">Accounts are created by the administrators of this registry.</p>
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
    const user = name !== '' && password.length <= MAX_PASSWORD_LENGTH ? await accounts.verifyCredentials(name, password) : null;
    if (!user) return showLogin(request, reply, { status: 401, next, name, message: BAD_CREDENTIALS });

    // A session already in this browser (another user's, or a stale one) ends here.
    const previous = request.cookies?.[SESSION_COOKIE];
    if (typeof previous === 'string' && previous !== '') await accounts.endSession(previous);
    const session = await accounts.createSession(user.id, deviceOf(request));
    setSessionCookie(reply, session.sessionId, session.expiresAt, secureCookies);
    clearLoginCsrf(reply, secureCookies);
    return seeOther(reply, user.mustChangePassword ? passwordPath(next) : (next ?? '/'));
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
