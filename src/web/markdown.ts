// Markdown from packages (READMEs) and from the repository (the disclosure policy) to HTML that
// is safe to put in a page: marked renders it, then sanitize-html keeps a strict allowlist of
// tags and attributes. No scripts, event handlers, styles, forms, frames or ids; links only to
// http(s), mailto or relative targets and never followed by search engines or given an opener;
// images only from https or relative addresses (the page's CSP agrees: img-src 'self' https:).
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { trustedHtml, type SafeHtml } from './html.js';

/** Longer input is cut before parsing: rendering cost grows with it and no README needs more. */
export const MAX_MARKDOWN_CHARS = 512 * 1024;

const marked = new Marked({ gfm: true, breaks: false, async: false });

const LINK_REL = 'nofollow noopener noreferrer';

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'kbd', 'samp',
    'em', 'strong', 'b', 'i', 'del', 's', 'sup', 'sub', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
    'a', 'img', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'details', 'summary', 'abbr',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    ol: ['start'],
    th: ['align'],
    td: ['align'],
    abbr: ['title'],
  },
  allowedClasses: {},
  allowedStyles: {},
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Always ours, whatever the markup said: no referrer to, and no window.opener for, the target.
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL } }),
  },
};

/** Sanitizes HTML (already rendered from markdown, or raw HTML a README embeds) to the allowlist. */
export function sanitizeReadmeHtml(dirty: string): string {
  return sanitizeHtml(dirty, SANITIZE);
}

export function renderMarkdown(markdown: string): SafeHtml {
  const source = markdown.length > MAX_MARKDOWN_CHARS ? markdown.slice(0, MAX_MARKDOWN_CHARS) : markdown;
  const rendered = marked.parse(source, { async: false });
  return trustedHtml(sanitizeReadmeHtml(rendered));
}
