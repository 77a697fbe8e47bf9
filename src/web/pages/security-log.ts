// GET /account/security: the signed-in user's security log, newest first, 50 a page (`before`
// is the id of the last event of the previous page). Every value shown comes from stored event
// data and is escaped by `html`; nothing is interpreted as markup.
import type { FastifyInstance } from 'fastify';
import type { StoredEvent } from '../../events/index.js';
import { html, type SafeHtml } from '../html.js';
import { pageHandler, PUBLIC_PAGE, queryParam, requireSession, seeOther, sendPage, type WebContext } from '../page.js';

export const SECURITY_LOG_PATH = '/account/security';

const WHAT: Record<string, string> = {
  'user:create': 'Account created',
  'user:login': 'Signed in',
  'user:login-failed': 'Failed sign-in',
  'user:logout': 'Signed out',
  'session:create': 'Web session started',
  'session:new-device': 'Sign-in from a new device',
  'user:email-verify': 'Email address verified',
  'user:email-change': 'Email address changed',
  'user:password-change': 'Password changed',
  'token:create': 'API token created',
  'token:revoke': 'API token revoked',
  'cli-login:approve': 'Command-line sign-in approved',
  'owner:add': 'Package owner added',
  'owner:remove': 'Package owner removed',
  'trust:add': 'Trusted publisher added',
  'trust:revoke': 'Trusted publisher removed',
  'mfa:add': 'Two-factor method added',
  'mfa:remove': 'Two-factor method removed',
  'mfa:recovery-codes': 'Recovery codes generated',
  'mfa:failed': 'Failed two-factor check',
  'mfa:reset': 'Two-factor methods reset',
  'user:locked': 'Sign-in paused after failed attempts',
  'user:password-leaked': 'Password found in a breach',
  'recovery:request': 'Account recovery requested',
  'recovery:complete': 'Account recovered',
  'recovery:refused': 'Account recovery refused',
  'recovery:admin': 'Account recovered by an administrator',
  'user:flag': 'Account flagged',
  'otp:grant': 'Second factor confirmed for a package change',
};

/** The few data fields worth showing, as text. */
function details(event: StoredEvent): string {
  const d = event.data;
  const parts: string[] = [];
  if (!event.subject.startsWith('user:')) parts.push(event.subject);
  for (const key of ['device', 'kind', 'label', 'user', 'provider', 'from', 'to', 'email']) {
    const value = d[key];
    if (typeof value === 'string' && value.length > 0) parts.push(`${key}: ${value.slice(0, 200)}`);
  }
  if (d.via === 'cli') parts.push('via command line');
  return parts.join(' · ');
}

export function registerSecurityLogPage(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, securityLog } = ctx.deps;

  app.get(SECURITY_LOG_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await requireSession(ctx, request, SECURITY_LOG_PATH);
    if (!gate.ok) return seeOther(reply, gate.location);
    const raw = queryParam(request, 'before');
    const before = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null;
    const page = await securityLog.forUser({ id: gate.user.id, name: gate.user.name }, { before, limit: 50 });
    const actorIds = [...new Set(page.events.map((e) => e.actorUserId).filter((id): id is number => id !== null && id !== gate.user.id))];
    const names = new Map((await accounts.getUsersByIds(actorIds)).map((u) => [u.id, u.name]));
    const rows: SafeHtml[] = page.events.map((event) => {
      const by = event.actorUserId === null ? '—' : event.actorUserId === gate.user.id ? 'you' : (names.get(event.actorUserId) ?? `user #${event.actorUserId}`);
      return html`<tr data-type="${event.type}">
  <td><time datetime="${event.createdAt}">${event.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time></td>
  <td>${WHAT[event.type] ?? event.type}</td>
  <td>${details(event)}</td>
  <td>${by}${event.actorTokenId ? ' (token)' : ''}</td>
</tr>`;
    });
    return sendPage(ctx, request, reply, {
      title: 'Security log',
      body: html`<section>
  <h1>Security log</h1>
  <p class="meta">Sign-ins, credentials and changes to your account and packages, newest first. We also email you about the important ones.
  If you see something you did not do, change your password and contact the administrators.</p>
  ${rows.length === 0
    ? html`<p>Nothing yet.</p>`
    : html`<table class="manage security-log">
  <thead><tr><th>When</th><th>What</th><th>Details</th><th>By</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`}
  <p class="pager">${before !== null ? html`<a href="${SECURITY_LOG_PATH}">Newest</a>` : null}
  ${page.nextBefore !== null ? html`<a href="${SECURITY_LOG_PATH}?before=${page.nextBefore}">Older</a>` : null}</p>
  <p><a href="/account/email">Email address</a> · <a href="/account/password">Password</a> · <a href="/account/mfa">Two-factor</a> · <a href="/account/tokens">API tokens</a></p>
</section>`,
    });
  }));
}
