// GET /packages/search?q=…&page=…: packages of every ecosystem whose name or description matches,
// the ones the viewer may see (public ones, and for a signed-in user those they own). Each hit
// shows its ecosystem's label and links to the page its ecosystem names (`pagePath`).
import type { FastifyInstance } from 'fastify';
import type { SearchHit } from '../../registry/index.js';
import { html, type SafeHtml } from '../html.js';
import { pageHandler, PUBLIC_PAGE, queryParam, sendPage, type WebContext } from '../page.js';
import { packagePagePath } from '../paths.js';

const PAGE_SIZE = 20;
const MAX_QUERY_LENGTH = 200;
const MAX_PAGE = 50;

function day(iso: string): string {
  return iso.slice(0, 10);
}

export function registerSearchPage(app: FastifyInstance, ctx: WebContext): void {
  const { registry, ecosystems } = ctx.deps;
  const labelOf = (id: string) => ecosystems.find((e) => e.id === id)?.label ?? id;

  const hitRow = (hit: SearchHit): SafeHtml => {
    const href = packagePagePath(ecosystems, hit.ecosystem, hit.name);
    return html`<li class="hit">
  <div class="hit-head">
    ${href ? html`<a class="pkg" href="${href}">${hit.name}</a>` : html`<span class="pkg">${hit.name}</span>`}
    <span class="version">${hit.version}</span>
    <span class="tag">${labelOf(hit.ecosystem)}</span>
  </div>
  ${hit.description ? html`<p>${hit.description}</p>` : null}
  <p class="meta">Updated ${day(hit.date)}${hit.keywords.length > 0 ? html` · ${hit.keywords.slice(0, 8).join(', ')}` : null}</p>
</li>`;
  };

  app.get('/packages/search', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const q = queryParam(request, 'q').trim().slice(0, MAX_QUERY_LENGTH);
    if (q === '') {
      return sendPage(ctx, request, reply, {
        title: 'Search',
        body: html`<h1>Search</h1><p>Type a package name or a word from its description.</p>`,
      });
    }
    const page = Math.min(MAX_PAGE, Math.max(1, Number.parseInt(queryParam(request, 'page'), 10) || 1));
    const { total, hits } = await registry.search(q, { from: (page - 1) * PAGE_SIZE, size: PAGE_SIZE }, request.actor);
    const pageLink = (n: number) => `/packages/search?q=${encodeURIComponent(q)}&page=${n}`;
    const pages = Math.min(MAX_PAGE, Math.ceil(total / PAGE_SIZE));
    return sendPage(ctx, request, reply, {
      title: `Search: ${q}`,
      query: q,
      body: html`<h1>Results for “${q}”</h1>
<p class="meta">${total === 1 ? '1 package' : `${total} packages`}</p>
${hits.length > 0 ? html`<ol class="hits">${hits.map(hitRow)}</ol>` : html`<p>No package matches.</p>`}
${pages > 1
  ? html`<nav class="pager">
  ${page > 1 ? html`<a href="${pageLink(page - 1)}">← Previous</a>` : null}
  <span>Page ${page} of ${pages}</span>
  ${page < pages ? html`<a href="${pageLink(page + 1)}">Next →</a>` : null}
</nav>`
  : null}`,
    });
  }));
}
