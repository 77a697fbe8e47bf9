// /admin/security-policy: the administrators' page for the MFA policy (mode and whether critical
// packages need a phishing-resistant factor) and the list of critical packages (top 1% by
// downloads over 90 days, and those marked by hand), where a mark is set or removed. Only an
// administrator's session passes (the policy's `admin` action); every change is an event.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../../auth/index.js';
import { MFA_MODES, isMfaMode, type MfaMode } from '../../mfa-policy/index.js';
import { BulwarkError, statusOfKind } from '../../platform/errors.js';
import { html } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, requireSession, seeOther, sendPage, type SessionGate, type WebContext } from '../page.js';
import { FORM_EXPIRED } from './login.js';

export const SECURITY_POLICY_PAGE = '/admin/security-policy';

const MODE_TEXT: Record<MfaMode, string> = {
  optional: 'Optional: nobody is required to use a second factor.',
  'critical-maintainers': 'Required for maintainers of critical packages (and for any change to a critical package).',
  'all-maintainers': 'Required for everyone who publishes, unpublishes, changes owners or tokens.',
};

type AdminGate = Extract<SessionGate, { ok: true }>;

export function registerSecurityPolicyPage(app: FastifyInstance, ctx: WebContext): void {
  const { mfaPolicy, ecosystems, secret } = ctx.deps;

  /** An administrator's session, or the reply already sent (sign-in redirect or a refusal page). */
  async function adminGate(request: FastifyRequest, reply: FastifyReply): Promise<AdminGate | { sent: unknown }> {
    const gate = await requireSession(ctx, request, SECURITY_POLICY_PAGE);
    if (!gate.ok) return { sent: seeOther(reply, gate.location) };
    authorize(gate.viewer.user, 'admin');
    return gate;
  }

  async function show(request: FastifyRequest, reply: FastifyReply, gate: AdminGate, form: { status?: number; message?: string; notice?: string } = {}) {
    const policy = await mfaPolicy.getPolicy();
    const critical = await mfaPolicy.critical.list();
    const csrf = html`<input type="hidden" name="${CSRF_FIELD}" value="${gate.viewer.csrf}">`;
    return sendPage(ctx, request, reply, {
      status: form.status ?? 200,
      title: 'Security policy',
      body: html`<section class="card">
  <h1>Security policy</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  ${form.notice ? html`<p class="notice" role="status">${form.notice}</p>` : null}
  <h2>Two-factor authentication</h2>
  <p>Applies to publishing, unpublishing and yanking, owner changes and token changes. Trusted publishing (CI) is exempt.</p>
  <form method="post" action="${SECURITY_POLICY_PAGE}" class="stack" id="mfa-policy">
    ${csrf}
    ${MFA_MODES.map(
      (mode) => html`<label><input type="radio" name="mode" value="${mode}"${policy.mode === mode ? html` checked` : null}> ${MODE_TEXT[mode]}</label>`,
    )}
    <label><input type="checkbox" name="phishingResistant" value="on"${policy.criticalNeedsPhishingResistant ? html` checked` : null}>
      Critical packages need a phishing-resistant factor (security key or passkey; a TOTP code is not enough).</label>
    <button type="submit" class="primary">Save policy</button>
  </form>
  <h2>Critical packages</h2>
  <p>The top 1% of the registry's packages by downloads over the last 90 days (rounded up, at least one), and those marked here.</p>
  ${critical.length === 0
    ? html`<p id="critical-none">No critical packages.</p>`
    : html`<table class="critical"><thead><tr><th>Package</th><th>Downloads (90 days)</th><th>Why</th><th></th></tr></thead><tbody>
    ${critical.map(
      (p) => html`<tr data-package="${p.ecosystem}:${p.name}"><td>${p.ecosystem}: ${p.name}</td><td>${String(p.downloads)}</td>
      <td>${[p.byDownloads ? 'top 1% by downloads' : null, p.marked ? 'marked' : null].filter(Boolean).join(', ')}</td>
      <td>${p.marked
        ? html`<form method="post" action="${SECURITY_POLICY_PAGE}/critical">${csrf}
          <input type="hidden" name="ecosystem" value="${p.ecosystem}"><input type="hidden" name="name" value="${p.name}">
          <input type="hidden" name="critical" value="off"><button type="submit">Remove mark</button></form>`
        : null}</td></tr>`,
    )}
    </tbody></table>`}
  <form method="post" action="${SECURITY_POLICY_PAGE}/critical" class="stack" id="mark-critical">
    ${csrf}
    <input type="hidden" name="critical" value="on">
    <label>Ecosystem <select name="ecosystem">${ecosystems.map((e) => html`<option value="${e.id}">${e.label}</option>`)}</select></label>
    <label>Package name <input name="name" required maxlength="214"></label>
    <button type="submit">Mark critical</button>
  </form>
</section>`,
    });
  }

  function refusal(error: unknown): { status: number; message: string } {
    if (!(error instanceof BulwarkError)) throw error;
    return { status: statusOfKind[error.kind], message: error.message };
  }

  app.get(SECURITY_POLICY_PAGE, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await adminGate(request, reply);
    if ('sent' in gate) return gate.sent;
    return show(request, reply, gate);
  }));

  app.post(SECURITY_POLICY_PAGE, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await adminGate(request, reply);
    if ('sent' in gate) return gate.sent;
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) return show(request, reply, gate, { status: 403, message: FORM_EXPIRED });
    const mode = formField(request.body, 'mode');
    if (!isMfaMode(mode)) return show(request, reply, gate, { status: 400, message: 'Choose one of the modes.' });
    try {
      const changed = await mfaPolicy.setPolicy({ mode, criticalNeedsPhishingResistant: formField(request.body, 'phishingResistant') === 'on' }, { userId: gate.user.id });
      return show(request, reply, gate, { notice: changed ? 'Policy saved.' : 'The policy was already so.' });
    } catch (error) {
      return show(request, reply, gate, refusal(error));
    }
  }));

  app.post(`${SECURITY_POLICY_PAGE}/critical`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await adminGate(request, reply);
    if ('sent' in gate) return gate.sent;
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) return show(request, reply, gate, { status: 403, message: FORM_EXPIRED });
    const ecosystem = formField(request.body, 'ecosystem');
    const name = formField(request.body, 'name').trim();
    const on = formField(request.body, 'critical') === 'on';
    const target = ecosystems.some((e) => e.id === ecosystem) && name !== '' ? await mfaPolicy.critical.findPackage(ecosystem, name) : null;
    if (!target) return show(request, reply, gate, { status: 404, message: `No ${ecosystem} package named ${name}.` });
    const changed = await mfaPolicy.critical.setMarked(target, on, gate.user.id);
    return show(request, reply, gate, { notice: changed ? `${target.ecosystem}: ${target.name} ${on ? 'marked critical' : 'no longer marked'}.` : 'Nothing changed.' });
  }));
}
