// GET/POST /account/password: choose a new password. Required right after signing in with a
// one-time password (the administrator's generated one); otherwise the current password must be
// typed again, so a borrowed session cannot take the account over. A password change ends every
// session of the user, so the browser gets a new one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BulwarkError } from '../../platform/errors.js';
import { MIN_PASSWORD_LENGTH, type User } from '../../accounts/index.js';
import { html } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, queryParam, requireSession, seeOther, sendPage, type WebContext } from '../page.js';
import { passwordPath, safeLocalPath } from '../paths.js';
import { setSessionCookie } from '../session-cookie.js';
import { FORM_EXPIRED } from './login.js';
import { deviceOf } from '../device.js';

interface PasswordForm {
  status: number;
  csrf: string;
  user: User;
  next: string | null;
  message?: string;
}

export function registerPasswordPage(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, secureCookies, secret } = ctx.deps;

  function showForm(request: FastifyRequest, reply: FastifyReply, form: PasswordForm) {
    const forced = form.user.mustChangePassword;
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Change password',
      body: html`<section class="card narrow">
  <h1>${forced ? 'Choose a new password' : 'Change password'}</h1>
  ${forced
    ? form.user.passwordLeaked
      ? html`<p>Your password appears in a public list of passwords leaked from other sites, so attackers try it first. Choose a new one before going on.</p>`
      : html`<p>You signed in with a one-time password. Choose your own before going on.</p>`
    : null}
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <form method="post" action="/account/password" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${form.csrf}">
    ${form.next ? html`<input type="hidden" name="next" value="${form.next}">` : null}
    <input type="hidden" name="username" value="${form.user.name}" autocomplete="username">
    ${forced ? null : html`<label>Current password <input name="current" type="password" autocomplete="current-password" required maxlength="1024"></label>`}
    <label>New password <input name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="1024"></label>
    <label>New password again <input name="confirm" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="1024"></label>
    <p class="meta">At least ${MIN_PASSWORD_LENGTH} characters. A long passphrase is best.</p>
    <button type="submit" class="primary">Save password</button>
  </form>
</section>`,
    });
  }

  app.get('/account/password', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const next = safeLocalPath(queryParam(request, 'next'));
    const gate = await requireSession(ctx, request, passwordPath(next), { passwordChangePage: true });
    if (!gate.ok) return seeOther(reply, gate.location);
    return showForm(request, reply, { status: 200, csrf: gate.viewer.csrf, user: gate.user, next });
  }));

  app.post('/account/password', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const body = request.body;
    const next = safeLocalPath(formField(body, 'next'));
    const gate = await requireSession(ctx, request, passwordPath(next), { passwordChangePage: true });
    if (!gate.ok) return seeOther(reply, gate.location);
    const { viewer, user } = gate;
    const form = { csrf: viewer.csrf, user, next };
    if (!checkSessionCsrf(secret, viewer.sessionId, formField(body, CSRF_FIELD))) {
      return showForm(request, reply, { ...form, status: 403, message: FORM_EXPIRED });
    }
    const password = formField(body, 'password');
    if (password !== formField(body, 'confirm')) {
      return showForm(request, reply, { ...form, status: 400, message: 'The two new passwords differ.' });
    }
    if (!user.mustChangePassword) {
      const current = formField(body, 'current');
      const verified = current.length <= 1024 ? await accounts.verifyCredentials(user.name, current, { ip: request.ip }) : null;
      if (!verified || verified.id !== user.id) {
        return showForm(request, reply, { ...form, status: 401, message: 'Your current password is incorrect.' });
      }
      if (current === password) {
        return showForm(request, reply, { ...form, status: 400, message: 'The new password must differ from the current one.' });
      }
    }
    // The new session keeps the factor the old one was signed in with (changing the password ends it).
    const signedInWith = (await accounts.session(viewer.sessionId))?.secondFactor ?? null;
    try {
      await accounts.changePassword(user.id, password);
    } catch (error) {
      if (error instanceof BulwarkError && error.kind === 'invalid') {
        return showForm(request, reply, { ...form, status: 400, message: error.message });
      }
      throw error;
    }
    const session = await accounts.createSession(user.id, deviceOf(request), signedInWith);
    setSessionCookie(reply, session.sessionId, session.expiresAt, secureCookies);
    return seeOther(reply, next ?? '/');
  }));
}
