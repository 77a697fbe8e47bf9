// GET/POST /account/register: self-registration (when BULWARK_REGISTRATION=open). The form has
// no session yet, so it carries a double-submit CSRF token like the sign-in form. Whether or not
// the address already has an account, the answer is the same "check your inbox" page (the
// address's owner is mailed instead); only a taken user name is said so, names being public.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BulwarkError } from '../../platform/errors.js';
import { MIN_PASSWORD_LENGTH } from '../../accounts/index.js';
import { html } from '../html.js';
import { checkDoubleSubmit, CSRF_COOKIE, CSRF_FIELD, doubleSubmitValue } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, seeOther, sendPage, type WebContext } from '../page.js';
import { viewerOf } from '../viewer.js';
import { FORM_EXPIRED } from './login.js';

export const REGISTER_PATH = '/account/register';
const MAX_FIELD = 1024;

interface RegisterForm {
  status: number;
  name?: string;
  email?: string;
  message?: string;
}

export function registerRegisterPage(app: FastifyInstance, ctx: WebContext): void {
  const { emailVerification, secureCookies } = ctx.deps;

  function showClosed(request: FastifyRequest, reply: FastifyReply) {
    return sendPage(ctx, request, reply, {
      status: 403,
      title: 'Registration closed',
      body: html`<section class="notice"><h1>Registration is closed</h1><p>Accounts on this registry are created by its administrators.</p><p><a href="/account/login">Sign in</a></p></section>`,
    });
  }

  function showForm(request: FastifyRequest, reply: FastifyReply, form: RegisterForm) {
    const csrf = doubleSubmitValue(request, reply, secureCookies, REGISTER_PATH);
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Create an account',
      body: html`<section class="card narrow">
  <h1>Create an account</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <form method="post" action="${REGISTER_PATH}" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    <label>User name <input name="name" autocomplete="username" required maxlength="39" value="${form.name ?? ''}" autofocus></label>
    <label>Email address <input name="email" type="email" autocomplete="email" required maxlength="254" value="${form.email ?? ''}"></label>
    <label>Password <input name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_FIELD}"></label>
    <label>Password again <input name="confirm" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_FIELD}"></label>
    <p class="meta">At least ${MIN_PASSWORD_LENGTH} characters. A long passphrase is best.</p>
    <button type="submit" class="primary">Create account</button>
  </form>
  <p class="meta">We will email you a link to verify your address. Until you follow it, you can sign in but not publish or create tokens.</p>
  <p class="meta">Already have an account? <a href="/account/login">Sign in</a></p>
</section>`,
    });
  }

  app.get(REGISTER_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    if (!emailVerification.registrationOpen) return showClosed(request, reply);
    if (viewerOf(request, ctx.deps.secret).sessionId) return seeOther(reply, '/');
    return showForm(request, reply, { status: 200 });
  }));

  app.post(REGISTER_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    if (!emailVerification.registrationOpen) return showClosed(request, reply);
    const body = request.body;
    const name = formField(body, 'name').slice(0, 64);
    const email = formField(body, 'email').slice(0, MAX_FIELD);
    const form = { name, email };
    if (!checkDoubleSubmit(request.cookies?.[CSRF_COOKIE], formField(body, CSRF_FIELD))) {
      return showForm(request, reply, { ...form, status: 403, message: FORM_EXPIRED });
    }
    const password = formField(body, 'password');
    if (password !== formField(body, 'confirm')) {
      return showForm(request, reply, { ...form, status: 400, message: 'The two passwords differ.' });
    }
    try {
      await emailVerification.register({ name, email, password }, { ip: request.ip });
    } catch (error) {
      if (error instanceof BulwarkError && (error.kind === 'invalid' || error.kind === 'conflict')) {
        return showForm(request, reply, { ...form, status: error.kind === 'conflict' ? 409 : 400, message: error.message });
      }
      // Too many sign-ups from this address: the form again, saying when to come back.
      if (error instanceof BulwarkError && error.kind === 'rate_limited') {
        const retry = error.detail?.retryAfterSeconds;
        if (typeof retry === 'number') reply.header('Retry-After', String(Math.ceil(retry)));
        return showForm(request, reply, { ...form, status: 429, message: error.message });
      }
      throw error;
    }
    return sendPage(ctx, request, reply, {
      title: 'Check your inbox',
      body: html`<section class="notice">
  <h1>Check your inbox</h1>
  <p>We sent a message to <strong>${email}</strong>. Follow the link in it within 24 hours to verify your address.</p>
  <p>You can already <a href="/account/login">sign in</a>; publishing and tokens wait for the verification.</p>
</section>`,
    });
  }));
}
