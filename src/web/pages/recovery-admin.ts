// /admin/account-recovery: the administrators' page for account recovery (policy:
// docs/security/account-recovery.md §3). Lists the flagged accounts (an address on an abandoned
// email domain) and recovers an account: the administrator types their own password again (a
// borrowed session must not be able to take accounts over) and a reason for the audit trail; the
// one-time password is shown once, on this answer only (never cached: no-store).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../../auth/index.js';
import { BulwarkError, statusOfKind } from '../../platform/errors.js';
import { html } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, requireSession, seeOther, sendPage, type SessionGate, type WebContext } from '../page.js';
import { FORM_EXPIRED } from './login.js';

export const RECOVERY_ADMIN_PAGE = '/admin/account-recovery';

type AdminGate = Extract<SessionGate, { ok: true }>;

interface Shown {
  status?: number;
  message?: string;
  name?: string;
  done?: { userName: string; oneTimePassword: string; reset: string[] };
}

export function registerRecoveryAdminPage(app: FastifyInstance, ctx: WebContext): void {
  const { recovery, accounts, secret } = ctx.deps;

  async function adminGate(request: FastifyRequest, reply: FastifyReply): Promise<AdminGate | { sent: unknown }> {
    const gate = await requireSession(ctx, request, RECOVERY_ADMIN_PAGE);
    if (!gate.ok) return { sent: seeOther(reply, gate.location) };
    authorize(gate.viewer.user, 'admin');
    return gate;
  }

  async function show(request: FastifyRequest, reply: FastifyReply, gate: AdminGate, form: Shown = {}) {
    const flags = await recovery.openFlags();
    return sendPage(ctx, request, reply, {
      status: form.status ?? 200,
      title: 'Account recovery',
      body: html`<section class="card">
  <h1>Account recovery</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  ${form.done
    ? html`<div class="notice" role="status" id="recovered">
    <p>Recovered <strong>${form.done.userName}</strong>. Reset: ${form.done.reset.join(', ')}.</p>
    <p>One-time password (shown once; give it to the owner by a channel you trust; they choose their own at sign-in):</p>
    <p><code id="one-time-password">${form.done.oneTimePassword}</code></p>
  </div>`
    : null}
  <h2>Flagged accounts</h2>
  ${flags.length === 0
    ? html`<p id="flags-none">No open flags.</p>`
    : html`<table class="flags"><thead><tr><th>Account</th><th>Why</th><th>Since</th></tr></thead><tbody>
    ${flags.map((f) => html`<tr data-user="${f.userName}"><td>${f.userName}</td><td>${f.reason === 'email-domain-abandoned' ? html`email domain ${f.subject} looks abandoned` : f.reason}</td><td>${f.createdAt}</td></tr>`)}
    </tbody></table>`}
  <h2>Recover an account</h2>
  <p>Check who is asking by your own means first: this form is what a social engineer wants you to use. The password
  becomes a one-time password, every session ends, and unless kept, every two-factor method is removed. The account's
  addresses and every administrator are told; the reason goes into the audit trail.</p>
  <form method="post" action="${RECOVERY_ADMIN_PAGE}" class="stack" id="recover-account">
    <input type="hidden" name="${CSRF_FIELD}" value="${gate.viewer.csrf}">
    <label>User name <input name="name" required maxlength="64" value="${form.name ?? ''}"></label>
    <label>Reason (audit trail) <input name="reason" required maxlength="500"></label>
    <label><input type="checkbox" name="keepMfa" value="on"> Keep the two-factor methods (the owner lost only the password)</label>
    <label><input type="checkbox" name="revokeTokens" value="on"> Revoke every API token too (suspected takeover)</label>
    <label>Your password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
    <button type="submit" class="primary">Recover account</button>
  </form>
</section>`,
    });
  }

  app.get(RECOVERY_ADMIN_PAGE, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await adminGate(request, reply);
    if ('sent' in gate) return gate.sent;
    return show(request, reply, gate);
  }));

  app.post(RECOVERY_ADMIN_PAGE, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await adminGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const body = request.body;
    const name = formField(body, 'name').trim().slice(0, 64);
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(body, CSRF_FIELD))) return show(request, reply, gate, { status: 403, message: FORM_EXPIRED, name });
    const password = formField(body, 'password');
    const verified = password.length <= 1024 ? await accounts.verifyCredentials(gate.user.name, password, { ip: request.ip }) : null;
    if (!verified || verified.id !== gate.user.id) return show(request, reply, gate, { status: 401, message: 'Your password is incorrect.', name });
    try {
      const done = await recovery.adminRecover({
        name,
        by: gate.user.name,
        reason: formField(body, 'reason'),
        keepMfa: formField(body, 'keepMfa') === 'on',
        revokeTokens: formField(body, 'revokeTokens') === 'on',
        via: 'web',
      });
      return show(request, reply, gate, { done });
    } catch (error) {
      if (!(error instanceof BulwarkError)) throw error;
      return show(request, reply, gate, { status: statusOfKind[error.kind], message: error.message, name });
    }
  }));
}
