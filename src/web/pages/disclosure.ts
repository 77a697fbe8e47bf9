// GET /security/disclosure: the vulnerability disclosure policy, docs/security/
// vulnerability-disclosure.md rendered at startup (marked, then the README sanitizer), under the
// configured security contact. /.well-known/security.txt names this page as its Policy.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { html, type SafeHtml } from '../html.js';
import { renderMarkdown } from '../markdown.js';
import { pageHandler, PUBLIC_PAGE, sendPage, type WebContext } from '../page.js';
import { DISCLOSURE_PATH } from '../paths.js';
import { contactUri } from '../security-txt.js';

export const DISCLOSURE_DOCUMENT = new URL('../../../docs/security/vulnerability-disclosure.md', import.meta.url);

const FALLBACK = `# Reporting a vulnerability

Report security problems in this registry privately to the security contact above. Please do not
open public issues for them.`;

function readPolicy(): string {
  try {
    return readFileSync(DISCLOSURE_DOCUMENT, 'utf8');
  } catch {
    return FALLBACK;
  }
}

/** The contact as a link when it is a mailto: or https: URI, else as text. */
export function contactLink(configured: string): SafeHtml {
  const contact = contactUri(configured);
  if (/^mailto:/i.test(contact)) return html`<a href="${contact}">${contact.slice('mailto:'.length)}</a>`;
  if (/^https:\/\//i.test(contact)) return html`<a href="${contact}" rel="noopener noreferrer">${contact}</a>`;
  return html`${contact}`;
}

export function registerDisclosurePage(app: FastifyInstance, ctx: WebContext): void {
  const policy = renderMarkdown(readPolicy());
  const body = html`<section class="card contact">
  <p><strong>Security contact:</strong> ${contactLink(ctx.deps.securityContact)}</p>
  <p class="meta">Also published in <a href="/.well-known/security.txt">/.well-known/security.txt</a>.</p>
</section>
<article class="readme">${policy}</article>`;
  app.get(DISCLOSURE_PATH, PUBLIC_PAGE, pageHandler(ctx, async (request, reply) =>
    sendPage(ctx, request, reply, { title: 'Vulnerability disclosure policy', body }),
  ));
}
