// GET /user/:name: the packages a user owns that the viewer may see. No email address is shown.
// To anonymous viewers a user without any public package looks like no user at all, as the npm
// API's user lookup is for signed-in callers only: names are not enumerable from outside.
import type { FastifyInstance } from 'fastify';
import { html } from '../html.js';
import { pageHandler, PUBLIC_PAGE, sendPage, type WebContext } from '../page.js';
import { packagePagePath } from '../paths.js';
import { notFoundPage } from './error.js';

export function registerUserPage(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, registry, ecosystems } = ctx.deps;
  const labelOf = (id: string) => ecosystems.find((e) => e.id === id)?.label ?? id;

  app.get('/user/:name', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const { name } = request.params as { name: string };
    const user = name.length <= 64 ? await accounts.getUserByName(name) : null;
    const packages = user ? await registry.packagesOwnedBy(user.id, request.actor) : [];
    if (!user || (request.actor.kind !== 'user' && packages.length === 0)) {
      return sendPage(ctx, request, reply, { status: 404, ...notFoundPage(request.actor.kind === 'user') });
    }
    return sendPage(ctx, request, reply, {
      title: user.name,
      body: html`<h1>${user.name}</h1>
<p class="meta">Member since ${user.createdAt.slice(0, 10)}</p>
${request.actor.kind === 'user' && request.actor.userId === user.id ? html`<p><a class="button" href="/account/password">Change password</a></p>` : null}
<h2>Packages (${packages.length})</h2>
${packages.length > 0
  ? html`<ul class="hits">${packages.map((p) => {
    const href = packagePagePath(ecosystems, p.ecosystem, p.name);
    return html`<li class="hit"><div class="hit-head">
    ${href ? html`<a class="pkg" href="${href}">${p.name}</a>` : html`<span class="pkg">${p.name}</span>`}
    <span class="tag">${labelOf(p.ecosystem)}</span></div>
    <p class="meta">Updated ${p.updatedAt.slice(0, 10)}</p></li>`;
  })}</ul>`
  : html`<p>No packages yet.</p>`}`,
    });
  }));
}
