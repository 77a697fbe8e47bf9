// Account recovery pages (policy: docs/security/account-recovery.md).
// - /account/recover: a user name or an address in, always the same page out (no enumeration);
//   the links and domain checks happen after the answer.
// - /account/recover/reset?token=…: opening the link only shows the form (mail scanners that
//   prefetch links spend nothing); submitting it, with a second-factor code on MFA accounts,
//   sets the new password and ends every session.
// - /account/recover/code: user name, recovery code and new password.
// No session exists on these pages, so their forms carry a double-submit cookie scoped to
// /account/recover. The link's token never reaches another site: no external resources, and
// `Referrer-Policy: no-referrer`.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BulwarkError } from '../../platform/errors.js';
import { MIN_PASSWORD_LENGTH } from '../../accounts/index.js';
import { html } from '../html.js';
import { checkDoubleSubmit, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, queryParam, sendPage, type WebContext } from '../page.js';
import { FORM_EXPIRED } from './login.js';

export const RECOVER_CSRF_COOKIE = 'bulwark_recover_csrf';
const COOKIE_PATH = '/account/recover';
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;
const MAX_IDENTIFIER_LENGTH = 254;
const MAX_PASSWORD_LENGTH = 1024;

export const RECOVERY_REQUESTED =
  'If an account matches, we sent a recovery link to each of its verified email addresses. The link works once, for 30 minutes. ' +
  'Nothing arrived? Check the spelling and your spam folder, use a recovery code, or ask an administrator.';

function csrfValue(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const current = request.cookies?.[RECOVER_CSRF_COOKIE];
  if (typeof current === 'string' && COOKIE_VALUE.test(current)) return current;
  const value = randomBytes(32).toString('base64url');
  reply.setCookie(RECOVER_CSRF_COOKIE, value, { path: COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure, maxAge: 2 * 60 * 60 });
  return value;
}

function csrfOk(request: FastifyRequest): boolean {
  return checkDoubleSubmit(request.cookies?.[RECOVER_CSRF_COOKIE], formField(request.body, CSRF_FIELD));
}

const passwordFields = html`<label>New password <input name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}"></label>
    <label>New password again <input name="confirm" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}"></label>
    <p class="meta">At least ${MIN_PASSWORD_LENGTH} characters. A long passphrase is best.</p>`;

export function registerRecoverPages(app: FastifyInstance, ctx: WebContext): void {
  const { recovery, secureCookies } = ctx.deps;
  const noReferrer = (reply: FastifyReply) => reply.header('Referrer-Policy', 'no-referrer');

  function showRequest(request: FastifyRequest, reply: FastifyReply, form: { status: number; message?: string }) {
    const csrf = csrfValue(request, reply, secureCookies);
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Recover your account',
      body: html`<section class="card narrow">
  <h1>Recover your account</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <form method="post" action="/account/recover" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    <label>User name or email address <input name="identifier" autocomplete="username" required maxlength="${MAX_IDENTIFIER_LENGTH}" autofocus></label>
    <button type="submit" class="primary">Send a recovery link</button>
  </form>
  <p class="meta">The link goes only to verified addresses of the account. Have a recovery code instead? <a href="/account/recover/code">Use a recovery code</a>.</p>
</section>`,
    });
  }

  function showDone(request: FastifyRequest, reply: FastifyReply, title: string, text: string) {
    return sendPage(ctx, request, reply, {
      title,
      body: html`<section class="notice"><h1>${title}</h1><p>${text}</p><p><a href="/account/login">Sign in</a></p></section>`,
    });
  }

  app.get('/account/recover', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => showRequest(request, reply, { status: 200 })));

  app.post('/account/recover', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    if (!csrfOk(request)) return showRequest(request, reply, { status: 403, message: FORM_EXPIRED });
    await recovery.requestEmailRecovery(formField(request.body, 'identifier').slice(0, MAX_IDENTIFIER_LENGTH + 1), { ip: request.ip });
    return sendPage(ctx, request, reply, {
      title: 'Check your email',
      body: html`<section class="notice"><h1>Check your email</h1><p>${RECOVERY_REQUESTED}</p><p><a href="/account/login">Back to sign-in</a></p></section>`,
    });
  }));

  function showReset(request: FastifyRequest, reply: FastifyReply, form: { status: number; token: string; userName: string; needsSecondFactor: boolean; message?: string }) {
    const csrf = csrfValue(request, reply, secureCookies);
    noReferrer(reply);
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Choose a new password',
      body: html`<section class="card narrow">
  <h1>Choose a new password</h1>
  <p>For the account <strong>${form.userName}</strong>. Every session of the account will be signed out.</p>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <form method="post" action="/account/recover/reset" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    <input type="hidden" name="token" value="${form.token}">
    <input type="hidden" name="username" value="${form.userName}" autocomplete="username">
    ${passwordFields}
    ${form.needsSecondFactor
      ? html`<label>Code from your authenticator app, or a recovery code <input name="code" autocomplete="one-time-code" required maxlength="64"></label>`
      : null}
    <button type="submit" class="primary">Save password</button>
  </form>
</section>`,
    });
  }

  app.get('/account/recover/reset', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    noReferrer(reply);
    const token = queryParam(request, 'token');
    const link = await recovery.inspectRecoveryLink(token);
    return showReset(request, reply, { status: 200, token, ...link });
  }));

  app.post('/account/recover/reset', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    noReferrer(reply);
    const body = request.body;
    const token = formField(body, 'token');
    const link = await recovery.inspectRecoveryLink(token);
    const form = { token, ...link };
    if (!csrfOk(request)) return showReset(request, reply, { ...form, status: 403, message: FORM_EXPIRED });
    const password = formField(body, 'password');
    if (password !== formField(body, 'confirm')) return showReset(request, reply, { ...form, status: 400, message: 'The two new passwords differ.' });
    try {
      await recovery.completeEmailRecovery(token, { password, code: formField(body, 'code') }, { ip: request.ip });
    } catch (error) {
      if (error instanceof BulwarkError && (error.kind === 'invalid' || error.kind === 'unauthenticated') && !error.code.startsWith('RECOVERY_LINK_')) {
        return showReset(request, reply, { ...form, status: error.kind === 'invalid' ? 400 : 401, message: error.message });
      }
      throw error;
    }
    return showDone(request, reply, 'Password changed', 'Your account is recovered. Every session was signed out; sign in with your new password.');
  }));

  function showCode(request: FastifyRequest, reply: FastifyReply, form: { status: number; name?: string; message?: string }) {
    const csrf = csrfValue(request, reply, secureCookies);
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Recover with a recovery code',
      body: html`<section class="card narrow">
  <h1>Recover with a recovery code</h1>
  <p>One of the recovery codes you saved when you set up two-factor authentication. Each code works once.</p>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <form method="post" action="/account/recover/code" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    <label>User name <input name="name" autocomplete="username" required maxlength="64" value="${form.name ?? ''}"></label>
    <label>Recovery code <input name="code" autocomplete="off" required maxlength="64"></label>
    ${passwordFields}
    <button type="submit" class="primary">Save password</button>
  </form>
</section>`,
    });
  }

  app.get('/account/recover/code', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => showCode(request, reply, { status: 200 })));

  app.post('/account/recover/code', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const body = request.body;
    const name = formField(body, 'name').slice(0, 64);
    if (!csrfOk(request)) return showCode(request, reply, { status: 403, name, message: FORM_EXPIRED });
    const password = formField(body, 'password');
    if (password !== formField(body, 'confirm')) return showCode(request, reply, { status: 400, name, message: 'The two new passwords differ.' });
    try {
      await recovery.recoverWithCode(name, formField(body, 'code'), password, { ip: request.ip });
    } catch (error) {
      if (error instanceof BulwarkError && (error.kind === 'invalid' || error.kind === 'unauthenticated')) {
        return showCode(request, reply, { status: error.kind === 'invalid' ? 400 : 401, name, message: error.message });
      }
      throw error;
    }
    return showDone(request, reply, 'Password changed', 'Your account is recovered. Every session was signed out; sign in with your new password and a second factor.');
  }));
}
