// /account/tokens: the signed-in user's API tokens. Lists them (never the secret: only its first
// characters), creates one (permission, optional package/scope and ecosystem limits, expiry) and
// shows the new secret once, revokes one. Creation follows the npm route's rules
// (`POST /-/npm/v1/tokens`): a verified email, and the MFA policy, for which this session's own
// sign-in factor is the proof; a token made in a session signed in with a second factor is
// recorded as one (`second_factor_tokens`), which is how twine users, who cannot send a code,
// get a token the policy accepts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../../auth/index.js';
import type { TokenInfo, TokenScope } from '../../tokens/index.js';
import type { Ecosystem } from '../../ecosystems/index.js';
import { BulwarkError, invalid, statusOfKind } from '../../platform/errors.js';
import { html, type SafeHtml } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, queryParam, requireSession, seeOther, sendPage, type SessionViewer, type WebContext } from '../page.js';
import { FORM_EXPIRED } from './login.js';

export const TOKENS_PAGE = '/account/tokens';

const PERMISSIONS: Record<TokenScope['permission'], string> = {
  'read-only': 'Read only',
  publish: 'Publish (new versions and files only)',
  'read-write': 'Read and write (everything you may do)',
};
const DEFAULT_EXPIRY_DAYS = '90';
const MAX_LIMITS = 100;
const MAX_NAME_LENGTH = 214;

function isPermission(value: string): value is TokenScope['permission'] {
  return Object.hasOwn(PERMISSIONS, value);
}

function day(iso: string | null, none: string): string {
  return iso ? iso.slice(0, 10) : none;
}

/**
 * The package list of the form: names and npm scopes (`@acme`), separated by commas or spaces.
 * Names are stored as each ecosystem writes them (PyPI's normalised form), so `My_Pkg` matches
 * the project `my-pkg`; with an ecosystem limit only that ecosystem's form is kept.
 */
export function parseLimits(text: string, ecosystems: readonly Ecosystem[]): { packages: string[] | null; scopes: string[] | null } {
  const entries = text.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return { packages: null, scopes: null };
  if (entries.length > MAX_LIMITS || entries.some((e) => e.length > MAX_NAME_LENGTH)) {
    throw invalid('TOKEN_SCOPE_INVALID', `List at most ${MAX_LIMITS} package names or scopes, each at most ${MAX_NAME_LENGTH} characters.`);
  }
  const scopes = new Set<string>();
  const packages = new Set<string>();
  for (const entry of entries) {
    if (/^@[^/]+$/.test(entry)) {
      scopes.add(entry);
      continue;
    }
    const forms = ecosystems.flatMap((eco) => {
      try {
        return [eco.rules.normalizeName(entry)];
      } catch {
        return [];
      }
    });
    if (forms.length === 0) throw invalid('TOKEN_SCOPE_INVALID', `${JSON.stringify(entry)} is not a package name.`);
    for (const name of forms) packages.add(name);
  }
  return { packages: packages.size > 0 ? [...packages] : [], scopes: scopes.size > 0 ? [...scopes] : [] };
}

function limitsOf(info: TokenInfo, ecosystems: readonly Ecosystem[]): string {
  const { scope } = info;
  const parts: string[] = [];
  if (scope.packages !== null || scope.scopes !== null) parts.push([...(scope.packages ?? []), ...(scope.scopes ?? [])].join(', ') || 'no packages');
  if (scope.ecosystem) parts.push(`${ecosystems.find((e) => e.id === scope.ecosystem)?.label ?? scope.ecosystem} only`);
  if (info.cidrWhitelist.length > 0) parts.push(`from ${info.cidrWhitelist.join(', ')}`);
  return parts.length > 0 ? parts.join(' · ') : 'all your packages';
}

interface FormState {
  status?: number;
  message?: string;
  notice?: string;
  /** What was typed, kept after a refusal. */
  values?: { name: string; permission: string; packages: string; ecosystem: string; expires: string };
}

export function registerTokensPage(app: FastifyInstance, ctx: WebContext): void {
  const { tokens, mfaPolicy, ecosystems, secret } = ctx.deps;

  type Gate = { viewer: SessionViewer; userId: number };

  async function showOverview(request: FastifyRequest, reply: FastifyReply, gate: Gate, state: FormState = {}) {
    const list = await tokens.list(gate.userId);
    const csrf = html`<input type="hidden" name="${CSRF_FIELD}" value="${gate.viewer.csrf}">`;
    const values = state.values ?? { name: '', permission: 'read-write', packages: '', ecosystem: '', expires: DEFAULT_EXPIRY_DAYS };
    return sendPage(ctx, request, reply, {
      status: state.status ?? 200,
      title: 'API tokens',
      body: html`<section class="card">
  <h1>API tokens</h1>
  ${state.message ? html`<p class="error" role="alert">${state.message}</p>` : null}
  ${state.notice ? html`<p class="notice" role="status">${state.notice}</p>` : null}
  <p class="meta">Tokens let tools (npm, twine, CI jobs) act as you. Give each the least it needs, and revoke those you no longer use.</p>
  ${list.length === 0
    ? html`<p id="no-tokens">You have no API tokens.</p>`
    : html`<table class="manage tokens">
    <thead><tr><th>Name</th><th>Token</th><th>Permission</th><th>Limited to</th><th>Created</th><th>Last used</th><th>Expires</th><th>Revoke</th></tr></thead>
    <tbody>
    ${list.map(
      (t) => html`<tr data-token-key="${t.key}">
      <td>${t.name ?? '(unnamed)'}</td><td><code>${t.prefix}…</code></td><td>${PERMISSIONS[t.scope.permission] ?? t.scope.permission}</td>
      <td>${limitsOf(t, ecosystems)}</td><td>${day(t.createdAt, '')}</td><td>${day(t.lastUsedAt, 'never')}</td><td>${day(t.expiresAt, 'never')}</td>
      <td><form method="post" action="${TOKENS_PAGE}/revoke">${csrf}<input type="hidden" name="key" value="${t.key}"><button type="submit">Revoke</button></form></td>
    </tr>`,
    )}
    </tbody>
  </table>`}
</section>
<section class="card">
  <h2>Create a token</h2>
  <form method="post" action="${TOKENS_PAGE}" class="stack">
    ${csrf}
    <label>Name <input name="name" maxlength="128" required value="${values.name}" placeholder="e.g. laptop twine"></label>
    <fieldset><legend>Permission</legend>
    ${(Object.keys(PERMISSIONS) as TokenScope['permission'][]).map(
      (p) => html`<label><input type="radio" name="permission" value="${p}"${values.permission === p ? html` checked` : null}> ${PERMISSIONS[p]}</label>`,
    )}
    </fieldset>
    <label>Only these packages and npm scopes (optional) <input name="packages" maxlength="20000" value="${values.packages}" placeholder="left-pad, @acme, my-project"></label>
    <label>Only this ecosystem <select name="ecosystem">
      <option value=""${values.ecosystem === '' ? html` selected` : null}>Any</option>
      ${ecosystems.map((e) => html`<option value="${e.id}"${values.ecosystem === e.id ? html` selected` : null}>${e.label}</option>`)}
    </select></label>
    <label>Expires after (days, 1–365; empty: never) <input name="expires" inputmode="numeric" maxlength="3" value="${values.expires}"></label>
    <p class="meta">When the registry's MFA policy applies to you, sign in with your second factor before creating a token: a token made in such a session counts as two-factor for tools that cannot send a code (twine).</p>
    <button type="submit" class="primary">Create token</button>
  </form>
</section>`,
    });
  }

  function showSecret(request: FastifyRequest, reply: FastifyReply, token: string, info: TokenInfo, withFactor: boolean) {
    return sendPage(ctx, request, reply, {
      status: 201,
      title: 'New API token',
      body: html`<section class="card narrow">
  <h1>Your new token${info.name ? html` “${info.name}”` : null}</h1>
  <p><strong>Copy it now: it is shown only this once.</strong> We keep only a digest of it and cannot show it again; if you lose it, revoke it and create another.</p>
  <p><code id="new-token">${token}</code></p>
  <p class="meta">npm: <code>//registry/:_authToken=&lt;token&gt;</code> in .npmrc · twine: user name <code>__token__</code>, the token as password.</p>
  ${withFactor ? html`<p class="notice" id="token-second-factor">Created in a session signed in with a second factor: it counts as two-factor under the registry's MFA policy.</p>` : null}
  <p><a class="button" href="${TOKENS_PAGE}">Done</a></p>
</section>`,
    });
  }

  /** The signed-in user of a form post with a valid CSRF token, or the reply already sent. */
  async function formGate(request: FastifyRequest, reply: FastifyReply): Promise<Gate | { sent: unknown }> {
    const gate = await requireSession(ctx, request, TOKENS_PAGE);
    if (!gate.ok) return { sent: seeOther(reply, gate.location) };
    const signedIn = { viewer: gate.viewer, userId: gate.user.id };
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) {
      return { sent: await showOverview(request, reply, signedIn, { status: 403, message: FORM_EXPIRED }) };
    }
    return signedIn;
  }

  const refusal = (error: unknown) => {
    if (!(error instanceof BulwarkError)) throw error;
    return { status: statusOfKind[error.kind], message: error.message };
  };

  app.get(TOKENS_PAGE, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await requireSession(ctx, request, TOKENS_PAGE);
    if (!gate.ok) return seeOther(reply, gate.location);
    const notice = queryParam(request, 'revoked') === '1' ? 'Token revoked: it no longer works.' : undefined;
    return showOverview(request, reply, { viewer: gate.viewer, userId: gate.user.id }, { notice });
  }));

  app.post(TOKENS_PAGE, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const body = request.body;
    const values = {
      name: formField(body, 'name').trim(),
      permission: formField(body, 'permission'),
      packages: formField(body, 'packages').trim(),
      ecosystem: formField(body, 'ecosystem'),
      expires: formField(body, 'expires').trim(),
    };
    const actor = gate.viewer.user;
    try {
      authorize(actor, 'account:tokens', { user: { id: gate.userId } });
      // The session's sign-in factor is the proof (no code can be typed here); without one the
      // policy answers SESSION_SECOND_FACTOR_REQUIRED or MFA_ENROLMENT_REQUIRED.
      await mfaPolicy.enforce(actor, { account: true }, undefined);
      if (!isPermission(values.permission)) throw invalid('TOKEN_PERMISSION_INVALID', 'Choose a permission: read only, publish, or read and write.');
      const eco = values.ecosystem === '' ? null : ecosystems.find((e) => e.id === values.ecosystem);
      if (eco === undefined) throw invalid('TOKEN_SCOPE_INVALID', 'Choose one of the listed ecosystems.');
      if (values.expires !== '' && !/^\d{1,3}$/.test(values.expires)) throw invalid('TOKEN_EXPIRY_INVALID', 'The expiry is a whole number of days from 1 to 365.');
      const limits = parseLimits(values.packages, eco ? [eco] : ecosystems);
      const { token, info } = await tokens.create({
        userId: gate.userId,
        name: values.name || null,
        scope: { permission: values.permission, ...limits, ecosystem: eco ? eco.id : null },
        expiresInDays: values.expires === '' ? null : Number(values.expires),
      });
      await mfaPolicy.recordTokenFactor(actor, info.key);
      return showSecret(request, reply, token, info, Boolean(actor.secondFactor?.verified));
    } catch (error) {
      return showOverview(request, reply, gate, { ...refusal(error), values });
    }
  }));

  app.post(`${TOKENS_PAGE}/revoke`, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const gate = await formGate(request, reply);
    if ('sent' in gate) return gate.sent;
    const key = formField(request.body, 'key');
    try {
      // Token changes are under the MFA policy, as on npm's route.
      await mfaPolicy.enforce(gate.viewer.user, { account: true }, undefined);
      await tokens.revoke(gate.userId, key);
    } catch (error) {
      return showOverview(request, reply, gate, refusal(error));
    }
    return seeOther(reply, `${TOKENS_PAGE}?revoked=1`);
  }));
}
