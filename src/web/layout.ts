// The frame of every page: head (stylesheet; scripts only on the WebAuthn pages, from /static/), header with search and
// the viewer's account, footer. Signed-in viewers get the sign-out form with their CSRF token.
import { html, type SafeHtml } from './html.js';
import { DISCLOSURE_PATH, userPath } from './paths.js';
import { CSRF_FIELD } from './csrf.js';
import type { Viewer } from './viewer.js';

export interface LayoutOptions {
  title: string;
  body: SafeHtml;
  viewer: Viewer;
  stylesheetHref: string;
  query: string;
  /** Script URLs (this site's /static/ only), loaded deferred. */
  scripts?: string[];
}

function account(viewer: Viewer): SafeHtml {
  if (!viewer.user) return html`<a class="button" href="/account/login">Sign in</a>`;
  const signOut = viewer.csrf
    ? html`<form class="inline" method="post" action="/account/logout">
          <input type="hidden" name="${CSRF_FIELD}" value="${viewer.csrf}">
          <button type="submit" class="link">Sign out</button>
        </form>`
    : null;
  return html`<a href="${userPath(viewer.user.name)}">${viewer.user.name}</a> <a href="/account/mfa">Two-factor</a> <a href="/account/tokens">Tokens</a> ${signOut}`;
}

export function layout({ title, body, viewer, stylesheetHref, query, scripts = [] }: LayoutOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Bulwark</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${stylesheetHref}">
${scripts.map((src) => html`<script src="${src}" defer></script>
`)}</head>
<body>
<header class="site">
  <div class="wrap bar">
    <a class="brand" href="/">Bulwark</a>
    <form class="search" method="get" action="/packages/search" role="search">
      <input type="search" name="q" value="${query}" placeholder="Search packages" aria-label="Search packages" maxlength="200">
      <button type="submit">Search</button>
    </form>
    <nav class="account">${account(viewer)}</nav>
  </div>
</header>
<main class="wrap">
${body}
</main>
<footer class="site">
  <div class="wrap">
    <a href="${DISCLOSURE_PATH}">Report a vulnerability</a> · <a href="/.well-known/security.txt">security.txt</a>
  </div>
</footer>
</body>
</html>
`;
}
