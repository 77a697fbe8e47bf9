// GET /: what this registry is, and a search box.
import type { FastifyInstance } from 'fastify';
import { html } from '../html.js';
import { pageHandler, PUBLIC_PAGE, sendPage, type WebContext } from '../page.js';

export function registerHomePage(app: FastifyInstance, ctx: WebContext): void {
  const labels = ctx.deps.ecosystems.map((e) => e.label).join(', ');
  app.get('/', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) =>
    sendPage(ctx, request, reply, {
      title: 'Home',
      body: html`<section class="hero">
  <h1>Bulwark package registry</h1>
  <p class="lead">A self-hosted registry for ${labels} packages.</p>
  <form class="search big" method="get" action="/packages/search" role="search">
    <input type="search" name="q" placeholder="Search packages" aria-label="Search packages" maxlength="200" autofocus>
    <button type="submit">Search</button>
  </form>
</section>`,
    }),
  ));
}
