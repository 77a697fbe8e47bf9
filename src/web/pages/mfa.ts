// /account/mfa: the signed-in user's second factors. Lists them with whether each is
// phishing-resistant; adds an authenticator app (secret and otpauth URI shown once, active only
// after a correct code), a passkey or a security key (WebAuthn, through /static/webauthn.js);
// removes a factor after re-authentication (current password, a code, or an assertion of one of
// the account's security keys or passkeys, on a page of its own); regenerates recovery
// codes. Recovery codes are shown once, on the page that created them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../accounts/index.js';
import { KIND_NAMES, type MfaStatus } from '../../mfa/index.js';
import { BulwarkError, statusOfKind } from '../../platform/errors.js';
import { html, type SafeHtml } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, requireSession, seeOther, sendPage, type SessionViewer, type WebContext } from '../page.js';
import { clearWebAuthnCookie, credentialField, setWebAuthnCookie, webAuthnCookie } from '../mfa-cookies.js';
import { FORM_EXPIRED } from './login.js';

export const MFA_PAGE = '/account/mfa';

function badge(phishingResistant: boolean): SafeHtml {
  return phishingResistant
    ? html`<span class="badge ok">Phishing-resistant</span>`
    : html`<span class="badge">Not phishing-resistant</span>`;
}

function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : 'never';
}

export function registerMfaPages(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, mfa, secret, secureCookies } = ctx.deps;

  type Gate = { viewer: SessionViewer; user: User };

  /** The signed-in user of a form post with a valid CSRF token, or the reply already sent. */
  async function formGate(request: FastifyRequest, reply: FastifyReply): Promise<Gate | { sent: unknown }> {
    const gate = await requireSession(ctx, request, MFA_PAGE);
    if (!gate.ok) return { sent: seeOther(reply, gate.location) };
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) {
      return { sent: await showOverview(request, reply, gate, { status: 403, message: FORM_EXPIRED }) };
    }
    return gate;
  }

  function failure(reply: FastifyReply, error: unknown): { status: number; message: string } {
    if (!(error instanceof BulwarkError)) throw error;
    const retry = error.detail?.retryAfterSeconds;
    if (typeof retry === 'number') reply.header('Retry-After', String(Math.ceil(retry)));
    return { status: statusOfKind[error.kind], message: error.message };
  }

  async function showOverview(request: FastifyRequest, reply: FastifyReply, { viewer, user }: Gate, form: { status?: number; message?: string; notice?: string } = {}) {
    const status: MfaStatus = await mfa.status(user.id);
    const csrf = html`<input type="hidden" name="${CSRF_FIELD}" value="${viewer.csrf}">`;
    const hasTotp = status.factors.some((f) => f.kind === 'totp');
    const hasWebAuthn = status.factors.some((f) => f.kind !== 'totp');
    return sendPage(ctx, request, reply, {
      status: form.status ?? 200,
      title: 'Two-factor authentication',
      body: html`<section class="card">
  <h1>Two-factor authentication</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  ${form.notice ? html`<p class="notice" role="status">${form.notice}</p>` : null}
  <p id="mfa-state">${status.enabled
    ? status.phishingResistant
      ? 'On, with a phishing-resistant factor.'
      : 'On. Add a passkey or security key for phishing-resistant sign-in.'
    : 'Off: your password alone signs you in.'}</p>
  ${status.factors.length === 0
    ? null
    : html`<table class="factors">
    <thead><tr><th>Factor</th><th>Kind</th><th>Protection</th><th>Added</th><th>Last used</th><th>Remove</th></tr></thead>
    <tbody>
    ${status.factors.map(
      (f) => html`<tr data-factor-kind="${f.kind}">
      <td>${f.label}</td><td>${KIND_NAMES[f.kind]}</td><td>${badge(f.phishingResistant)}</td><td>${day(f.createdAt)}</td><td>${day(f.lastUsedAt)}</td>
      <td><form method="post" action="${MFA_PAGE}/remove" class="stack">
        ${csrf}
        <input type="hidden" name="factor" value="${f.id}">
        <label>Current password <input name="password" type="password" autocomplete="current-password" maxlength="1024"></label>
        <label>or a code <input name="code" autocomplete="one-time-code" maxlength="64"></label>
        <button type="submit">Remove</button>
        ${hasWebAuthn ? html`<button type="submit" formaction="${MFA_PAGE}/remove/webauthn" formnovalidate>Remove, confirming with a security key or passkey</button>` : null}
      </form></td>
    </tr>`,
    )}
    </tbody>
  </table>`}
</section>
<section class="card">
  <h2>Recovery codes ${badge(false)}</h2>
  ${status.enabled
    ? html`<p>${status.recoveryCodesLeft} of 10 unused. Each works once, in place of a code from your app.</p>
  <form method="post" action="${MFA_PAGE}/recovery-codes">${csrf}<button type="submit">Generate new recovery codes</button></form>`
    : html`<p>You get ten when you add your first factor.</p>`}
</section>
<section class="card">
  <h2>Add a passkey or security key ${badge(true)}</h2>
  <p>A passkey also lets you sign in without your password. A security key is asked for after your password.</p>
  <form method="post" action="${MFA_PAGE}/webauthn" class="stack">
    ${csrf}
    <label><input type="radio" name="kind" value="passkey" checked> Passkey</label>
    <label><input type="radio" name="kind" value="security-key"> Security key</label>
    <label>Name (optional) <input name="label" maxlength="64"></label>
    <button type="submit">Continue</button>
  </form>
</section>
<section class="card">
  <h2>Authenticator app (TOTP) ${badge(false)}</h2>
  ${hasTotp
    ? html`<p>Set up. Remove it above to move to another app.</p>`
    : html`<form method="post" action="${MFA_PAGE}/totp">${csrf}<button type="submit">Set up an authenticator app</button></form>`}
</section>`,
    });
  }

  function showRecoveryCodes(request: FastifyRequest, reply: FastifyReply, codes: string[], intro: string) {
    return sendPage(ctx, request, reply, {
      title: 'Recovery codes',
      body: html`<section class="card narrow">
  <h1>Your recovery codes</h1>
  <p>${intro}</p>
  <p><strong>Save them now, somewhere safe: they are shown only this once.</strong> Each works once, in place of a code from your app, if you lose your devices.</p>
  <ol id="recovery-codes" class="codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ol>
  <p><a class="button" href="${MFA_PAGE}">Done</a></p>
</section>`,
    });
  }

  function showTotpConfirm(request: FastifyRequest, reply: FastifyReply, gate: Gate, form: { status?: number; factorId: string; secret?: string; uri?: string; message?: string }) {
    return sendPage(ctx, request, reply, {
      status: form.status ?? 200,
      title: 'Set up an authenticator app',
      body: html`<section class="card narrow">
  <h1>Set up an authenticator app</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  ${form.secret
    ? html`<p>Add this key to your authenticator app (choose "enter a setup key"; time-based, 6 digits, 30 seconds):</p>
  <p><code id="totp-secret">${form.secret}</code></p>
  <p class="meta">Or open this address in an app that understands it: <code id="totp-uri">${form.uri ?? ''}</code></p>`
    : html`<p>Type the current code your app shows for this registry.</p>`}
  <form method="post" action="${MFA_PAGE}/totp/confirm" class="stack">
    <input type="hidden" name="${CSRF_FIELD}" value="${gate.viewer.csrf}">
    <input type="hidden" name="factor" value="${form.factorId}">
    <label>Code from the app <input name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="16" autofocus></label>
    <label>Name (optional) <input name="label" maxlength="64" placeholder="${KIND_NAMES.totp}"></label>
    <button type="submit" class="primary">Turn on</button>
  </form>
  <p><a href="${MFA_PAGE}">Cancel</a></p>
</section>`,
    });
  }

  app.get(MFA_PAGE, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await requireSession(ctx, request, MFA_PAGE);
    if (!gate.ok) return seeOther(reply, gate.location);
    return showOverview(request, reply, gate);
  }));

  // --- TOTP -------------------------------------------------------------------------------
  app.post(`${MFA_PAGE}/totp`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    try {
      const started = await mfa.startTotp(gate.user.id);
      return showTotpConfirm(request, reply, gate, { factorId: started.factorId, secret: started.secret, uri: started.uri });
    } catch (error) {
      return showOverview(request, reply, gate, failure(reply, error));
    }
  }));

  app.post(`${MFA_PAGE}/totp/confirm`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const body = request.body;
    const factorId = formField(body, 'factor').slice(0, 64);
    let result;
    try {
      result = await mfa.confirmTotp(gate.user.id, factorId, formField(body, 'code'), { ip: request.ip, label: formField(body, 'label') });
    } catch (error) {
      const refused = failure(reply, error);
      if (error instanceof BulwarkError && error.code === 'MFA_FACTOR_NOT_FOUND') return showOverview(request, reply, gate, refused);
      return showTotpConfirm(request, reply, gate, { factorId, ...refused });
    }
    // A code from the app was just proven in this session.
    await accounts.raiseSessionFactor(gate.viewer.sessionId, 'totp');
    if (result.recoveryCodes) return showRecoveryCodes(request, reply, result.recoveryCodes, 'Your authenticator app is on.');
    return showOverview(request, reply, gate, { notice: 'Your authenticator app is on.' });
  }));

  // --- WebAuthn ---------------------------------------------------------------------------
  app.post(`${MFA_PAGE}/webauthn`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const kind = formField(request.body, 'kind') === 'security-key' ? 'security-key' : 'passkey';
    const label = formField(request.body, 'label').slice(0, 256);
    const { handle, options } = await mfa.startWebAuthnRegistration(gate.user.id, kind);
    setWebAuthnCookie(reply, handle, secureCookies);
    return sendPage(ctx, request, reply, {
      title: `Add a ${kind === 'passkey' ? 'passkey' : 'security key'}`,
      webauthn: true,
      body: html`<section class="card narrow">
  <h1>Add a ${kind === 'passkey' ? 'passkey' : 'security key'}</h1>
  <form method="post" action="${MFA_PAGE}/webauthn/finish" class="stack" data-webauthn="register" data-options="${JSON.stringify(options)}">
    <input type="hidden" name="${CSRF_FIELD}" value="${gate.viewer.csrf}">
    <input type="hidden" name="label" value="${label}">
    <input type="hidden" name="credential" value="">
    <button type="button" class="primary" data-webauthn-start>${kind === 'passkey' ? 'Create the passkey' : 'Register the security key'}</button>
    <p class="meta" data-webauthn-status role="status">${kind === 'passkey'
      ? 'Your browser will ask where to keep the passkey and to unlock it (PIN, fingerprint or face).'
      : 'Insert or tap your security key when your browser asks.'}</p>
  </form>
  <p><a href="${MFA_PAGE}">Cancel</a></p>
</section>`,
    });
  }));

  app.post(`${MFA_PAGE}/webauthn/finish`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const body = request.body;
    let result;
    try {
      result = await mfa.finishWebAuthnRegistration(gate.user.id, webAuthnCookie(request), credentialField(formField(body, 'credential')), {
        label: formField(body, 'label'),
      });
    } catch (error) {
      return showOverview(request, reply, gate, failure(reply, error));
    } finally {
      clearWebAuthnCookie(reply, secureCookies);
    }
    // So was the new key or passkey (the registration ceremony is signed by it).
    await accounts.raiseSessionFactor(gate.viewer.sessionId, result.factor.kind);
    const added = `${result.factor.kind === 'passkey' ? 'Passkey' : 'Security key'} "${result.factor.label}" added.`;
    if (result.recoveryCodes) return showRecoveryCodes(request, reply, result.recoveryCodes, added);
    return showOverview(request, reply, gate, { notice: added });
  }));

  // --- removal and recovery codes ------------------------------------------------------------
  app.post(`${MFA_PAGE}/remove`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const body = request.body;
    // Re-authentication: a stolen session alone cannot weaken the account.
    const password = formField(body, 'password');
    const code = formField(body, 'code');
    if (password !== '') {
      const verified = password.length <= 1024 ? await accounts.verifyCredentials(gate.user.name, password, { ip: request.ip }) : null;
      if (!verified || verified.id !== gate.user.id) return showOverview(request, reply, gate, { status: 401, message: 'Your current password is incorrect.' });
    } else {
      try {
        await mfa.verifyCode(gate.user.id, code, { ip: request.ip });
      } catch (error) {
        return showOverview(request, reply, gate, failure(reply, error));
      }
    }
    try {
      const { mfaEnabled } = await mfa.removeFactor(gate.user.id, formField(body, 'factor').slice(0, 64));
      return showOverview(request, reply, gate, { notice: mfaEnabled ? 'Factor removed.' : 'Factor removed. Two-factor authentication is now off.' });
    } catch (error) {
      return showOverview(request, reply, gate, failure(reply, error));
    }
  }));

  // Re-authentication with a security key or passkey: a page asks for an assertion (the
  // second-factor ceremony, any of the account's WebAuthn credentials), then removes the factor.
  app.post(`${MFA_PAGE}/remove/webauthn`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const status = await mfa.status(gate.user.id);
    const factor = status.factors.find((f) => f.id === formField(request.body, 'factor').slice(0, 64));
    if (!factor) return showOverview(request, reply, gate, { status: 404, message: 'That factor does not exist (any more).' });
    const started = await mfa.startWebAuthnAuthentication(gate.user.id);
    if (!started) return showOverview(request, reply, gate, { status: 400, message: 'Your account has no security key or passkey: confirm with your password or a code.' });
    setWebAuthnCookie(reply, started.handle, secureCookies);
    return sendPage(ctx, request, reply, {
      title: 'Remove a factor',
      webauthn: true,
      body: html`<section class="card narrow">
  <h1>Remove “${factor.label}”</h1>
  <form method="post" action="${MFA_PAGE}/remove/webauthn/finish" class="stack" data-webauthn="authenticate" data-options="${JSON.stringify(started.options)}">
    <input type="hidden" name="${CSRF_FIELD}" value="${gate.viewer.csrf}">
    <input type="hidden" name="factor" value="${factor.id}">
    <input type="hidden" name="credential" value="">
    <button type="button" class="primary" data-webauthn-start>Confirm with a security key or passkey</button>
    <p class="meta" data-webauthn-status role="status">Use any of your security keys or passkeys when your browser asks.</p>
  </form>
  <p><a href="${MFA_PAGE}">Cancel</a></p>
</section>`,
    });
  }));

  app.post(`${MFA_PAGE}/remove/webauthn/finish`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const body = request.body;
    try {
      await mfa.finishWebAuthnAuthentication(gate.user.id, webAuthnCookie(request), credentialField(formField(body, 'credential')), { ip: request.ip });
    } catch (error) {
      return showOverview(request, reply, gate, failure(reply, error));
    } finally {
      clearWebAuthnCookie(reply, secureCookies);
    }
    try {
      const { mfaEnabled } = await mfa.removeFactor(gate.user.id, formField(body, 'factor').slice(0, 64));
      return showOverview(request, reply, gate, { notice: mfaEnabled ? 'Factor removed.' : 'Factor removed. Two-factor authentication is now off.' });
    } catch (error) {
      return showOverview(request, reply, gate, failure(reply, error));
    }
  }));

  app.post(`${MFA_PAGE}/recovery-codes`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    try {
      const codes = await mfa.regenerateRecoveryCodes(gate.user.id);
      return showRecoveryCodes(request, reply, codes, 'New recovery codes: the old ones no longer work.');
    } catch (error) {
      return showOverview(request, reply, gate, failure(reply, error));
    }
  }));
}
