// GET/POST /account/otp/:id: the page npm's web-auth OTP flow opens (the `authUrl` of an
// OTP_PHISHING_RESISTANT_REQUIRED answer). The signed-in owner of the request proves a
// phishing-resistant factor here — a WebAuthn assertion from a security key or passkey, bound
// to this site's origin, so a look-alike site cannot relay it — and npm's poll of the done URL
// then receives a one-time grant it sends as `npm-otp`. A TOTP code is not accepted on this page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BulwarkError, statusOfKind } from '../../platform/errors.js';
import { html } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, requireSession, seeOther, sendPage, type WebContext } from '../page.js';
import { clearWebAuthnCookie, credentialField, setWebAuthnCookie, webAuthnCookie } from '../mfa-cookies.js';
import { FORM_EXPIRED } from './login.js';
import { MFA_PAGE } from './mfa.js';
import { notFoundPage } from './error.js';

/** Ids are random base64url; anything else cannot exist and is not looked up. */
const OTP_REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;

export function registerOtpApprovePage(app: FastifyInstance, ctx: WebContext): void {
  const { mfa, mfaPolicy, secret, secureCookies } = ctx.deps;

  function showNotFound(request: FastifyRequest, reply: FastifyReply) {
    return sendPage(ctx, request, reply, { status: 404, ...notFoundPage(request.actor.kind === 'user') });
  }

  async function showApprove(request: FastifyRequest, reply: FastifyReply, form: { status: number; id: string; userId: number; userName: string; csrf: string; message?: string }) {
    const webauthn = await mfa.startWebAuthnAuthentication(form.userId);
    if (webauthn) setWebAuthnCookie(reply, webauthn.handle, secureCookies);
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Confirm an npm command',
      webauthn: Boolean(webauthn),
      body: html`<section class="card narrow">
  <h1>Confirm an npm command as ${form.userName}</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <p>A command line (<code>npm</code>) asked to change a critical package or your tokens as <strong>${form.userName}</strong>.
  The registry's policy wants a phishing-resistant second factor for it.</p>
  <p class="warning">Only confirm if you started that command yourself, just now. If someone sent you this link, do not confirm.</p>
  ${webauthn
    ? html`<form method="post" action="/account/otp/${form.id}" class="stack" data-webauthn="authenticate" data-options="${JSON.stringify(webauthn.options)}">
    <input type="hidden" name="${CSRF_FIELD}" value="${form.csrf}">
    <input type="hidden" name="credential" value="">
    <button type="button" class="primary" data-webauthn-start>Confirm with a security key or passkey</button>
    <p class="meta" data-webauthn-status role="status">Phishing-resistant.</p>
  </form>`
    : html`<p class="error">Your account has no security key or passkey. <a href="${MFA_PAGE}">Add one</a>, then run the command again.</p>`}
</section>`,
    });
  }

  app.get('/account/otp/:id', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!OTP_REQUEST_ID.test(id)) return showNotFound(request, reply);
    const gate = await requireSession(ctx, request, `/account/otp/${id}`);
    if (!gate.ok) return seeOther(reply, gate.location);
    const pending = await mfaPolicy.grants.pending(id, gate.user.id);
    if (pending.approved) {
      return sendPage(ctx, request, reply, {
        title: 'Already confirmed',
        body: html`<section class="notice"><h1>Already confirmed</h1><p>You can close this page and return to the terminal.</p></section>`,
      });
    }
    return showApprove(request, reply, { status: 200, id, userId: gate.user.id, userName: gate.user.name, csrf: gate.viewer.csrf });
  }));

  app.post('/account/otp/:id', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!OTP_REQUEST_ID.test(id)) return showNotFound(request, reply);
    const gate = await requireSession(ctx, request, `/account/otp/${id}`);
    if (!gate.ok) return seeOther(reply, gate.location);
    const form = { id, userId: gate.user.id, userName: gate.user.name, csrf: gate.viewer.csrf };
    await mfaPolicy.grants.pending(id, gate.user.id);
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) {
      return showApprove(request, reply, { ...form, status: 403, message: FORM_EXPIRED });
    }
    let factor;
    try {
      factor = await mfa.finishWebAuthnAuthentication(gate.user.id, webAuthnCookie(request), credentialField(formField(request.body, 'credential')), { ip: request.ip });
    } catch (error) {
      if (!(error instanceof BulwarkError)) throw error;
      const retry = error.detail?.retryAfterSeconds;
      if (typeof retry === 'number') reply.header('Retry-After', String(Math.ceil(retry)));
      return showApprove(request, reply, { ...form, status: statusOfKind[error.kind], message: error.message });
    }
    clearWebAuthnCookie(reply, secureCookies);
    await mfaPolicy.grants.approve(id, gate.user.id, { phishingResistant: factor.phishingResistant, kind: factor.kind });
    return sendPage(ctx, request, reply, {
      title: 'Confirmed',
      body: html`<section class="notice"><h1>Confirmed</h1><p>The npm command can go ahead. You can close this page and return to the terminal.</p></section>`,
    });
  }));
}
