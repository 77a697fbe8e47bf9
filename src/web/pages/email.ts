// The address pages:
// - GET /account/verify-email?token=…: what the mailed link opens. It only shows a button: mail
//   scanners and link previews fetch links, and must not use up a single-use link by doing so.
// - POST /account/verify-email: uses the link (verifies the address, or completes a change).
// - GET/POST /account/email: the signed-in user's address: resend the verification link, or
//   change the address (current password again; the new address must follow its own link).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BulwarkError } from '../../platform/errors.js';
import { VERIFY_EMAIL_PATH, type User } from '../../accounts/index.js';
import { html, type SafeHtml } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, queryParam, requireSession, seeOther, sendPage, type WebContext } from '../page.js';
import { viewerOf } from '../viewer.js';
import { FORM_EXPIRED } from './login.js';

export const EMAIL_PATH = '/account/email';
const RESEND_PATH = '/account/email/resend';

export function registerEmailPages(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, emailVerification, secret } = ctx.deps;

  function linkRefused(request: FastifyRequest, reply: FastifyReply, error: BulwarkError) {
    return sendPage(ctx, request, reply, {
      status: 400,
      title: 'Link not usable',
      body: html`<section class="notice" data-code="${error.code}">
  <h1>This link cannot be used</h1>
  <p class="error" role="alert">${error.message}</p>
  <p>Signed in, you can ask for a new link on <a href="${EMAIL_PATH}">your email page</a>.</p>
</section>`,
    });
  }

  async function guard<T>(request: FastifyRequest, reply: FastifyReply, run: () => Promise<T>): Promise<T | FastifyReply> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof BulwarkError && (error.code.startsWith('EMAIL_LINK_') || error.code === 'EMAIL_IN_USE')) return linkRefused(request, reply, error);
      throw error;
    }
  }

  app.get(VERIFY_EMAIL_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const token = queryParam(request, 'token');
    return guard(request, reply, async () => {
      const link = await emailVerification.inspectLink(token);
      const what = link.purpose === 'verify' ? 'Verify your email address' : 'Confirm your new email address';
      return sendPage(ctx, request, reply, {
        title: what,
        body: html`<section class="card narrow">
  <h1>${what}</h1>
  <p>Confirm that <strong>${link.email}</strong> is your address${link.purpose === 'change' ? ' and should replace the old one' : ''}.</p>
  <form method="post" action="${VERIFY_EMAIL_PATH}" class="actions">
    <input type="hidden" name="token" value="${token}">
    <button type="submit" class="primary">Confirm ${link.email}</button>
  </form>
</section>`,
      });
    });
  }));

  app.post(VERIFY_EMAIL_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const token = formField(request.body, 'token');
    return guard(request, reply, async () => {
      const done = await emailVerification.confirmLink(token);
      const viewer = viewerOf(request, secret);
      const signedInAsOwner = viewer.user?.userId === done.userId && viewer.sessionId !== null;
      return sendPage(ctx, request, reply, {
        title: 'Email address verified',
        body: html`<section class="notice">
  <h1>Email address verified</h1>
  <p><strong>${done.email}</strong> is now ${done.purpose === 'change' ? 'the address of your account' : 'verified'}.</p>
  ${signedInAsOwner
    ? html`<p><a class="button primary" href="/account/security">Continue</a></p>`
    : html`<p><a class="button primary" href="/account/login">Sign in</a></p>`}
</section>`,
      });
    });
  }));

  function showEmailPage(request: FastifyRequest, reply: FastifyReply, page: { status?: number; user: User; csrf: string; message?: SafeHtml; error?: string }) {
    const { user, csrf } = page;
    return sendPage(ctx, request, reply, {
      status: page.status ?? 200,
      title: 'Email address',
      body: html`<section class="card narrow">
  <h1>Email address</h1>
  ${page.error ? html`<p class="error" role="alert">${page.error}</p>` : null}
  ${page.message ? html`<p class="notice-ok" role="status">${page.message}</p>` : null}
  <p>Your address: <strong>${user.email}</strong>
    ${user.emailVerified ? html`<span class="tag">verified</span>` : html`<span class="tag warn">not verified</span>`}</p>
  ${user.emailVerified
    ? null
    : html`<p class="warning">Until you follow the link we mailed you, you cannot publish or create tokens.</p>
  <form method="post" action="${RESEND_PATH}" class="actions">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    <button type="submit">Send the link again</button>
  </form>`}
  <h2>Change address</h2>
  <form method="post" action="${EMAIL_PATH}" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
    <input type="hidden" name="username" value="${user.name}" autocomplete="username">
    <label>New address <input name="email" type="email" autocomplete="email" required maxlength="254"></label>
    <label>Current password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
    <button type="submit" class="primary">Send a confirmation link</button>
  </form>
  <p class="meta">The new address replaces the old one when you follow the link we send to it. Your old address is told of the change.</p>
</section>`,
    });
  }

  app.get(EMAIL_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await requireSession(ctx, request, EMAIL_PATH);
    if (!gate.ok) return seeOther(reply, gate.location);
    return showEmailPage(request, reply, { user: gate.user, csrf: gate.viewer.csrf });
  }));

  app.post(RESEND_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await requireSession(ctx, request, EMAIL_PATH);
    if (!gate.ok) return seeOther(reply, gate.location);
    const page = { user: gate.user, csrf: gate.viewer.csrf };
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) {
      return showEmailPage(request, reply, { ...page, status: 403, error: FORM_EXPIRED });
    }
    try {
      await emailVerification.resendVerification(gate.user.id);
    } catch (error) {
      if (error instanceof BulwarkError && error.kind === 'rate_limited') return showEmailPage(request, reply, { ...page, status: 429, error: error.message });
      throw error;
    }
    return showEmailPage(request, reply, { ...page, message: html`We sent a new link to <strong>${gate.user.email}</strong>.` });
  }));

  app.post(EMAIL_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await requireSession(ctx, request, EMAIL_PATH);
    if (!gate.ok) return seeOther(reply, gate.location);
    const { user, viewer } = gate;
    const page = { user, csrf: viewer.csrf };
    const body = request.body;
    if (!checkSessionCsrf(secret, viewer.sessionId, formField(body, CSRF_FIELD))) {
      return showEmailPage(request, reply, { ...page, status: 403, error: FORM_EXPIRED });
    }
    const password = formField(body, 'password');
    const verified = password.length <= 1024 ? await accounts.verifyCredentials(user.name, password) : null;
    if (!verified || verified.id !== user.id) return showEmailPage(request, reply, { ...page, status: 401, error: 'Your current password is incorrect.' });
    const email = formField(body, 'email').slice(0, 1024);
    try {
      await emailVerification.requestEmailChange(user.id, email);
    } catch (error) {
      if (error instanceof BulwarkError && error.kind === 'invalid') return showEmailPage(request, reply, { ...page, status: 400, error: error.message });
      throw error;
    }
    return showEmailPage(request, reply, { ...page, message: html`We sent a confirmation link to <strong>${email}</strong>. Your address changes when you follow it.` });
  }));
}
