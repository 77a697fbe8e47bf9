// The page of a refusal: not found, forbidden, or an internal error, with the error's safe
// message. A missing package reads the same whether it never existed or is private, so the
// page cannot be used to learn which private names exist.
import type { BulwarkError } from '../../platform/errors.js';
import { html, type SafeHtml } from '../html.js';

export function errorPage(error: BulwarkError | null, signedIn: boolean): { title: string; body: SafeHtml } {
  if (error === null) {
    return {
      title: 'Something went wrong',
      body: html`<section class="notice"><h1>Something went wrong</h1><p>The error has been logged. Please try again later.</p><p><a href="/">Back to the home page</a></p></section>`,
    };
  }
  if (error.kind === 'not_found') return notFoundPage(signedIn);
  const title = error.kind === 'forbidden' ? 'Not allowed' : error.kind === 'rate_limited' ? 'Too many requests' : 'Request refused';
  return {
    title,
    body: html`<section class="notice"><h1>${title}</h1><p>${error.message}</p><p><a href="/">Back to the home page</a></p></section>`,
  };
}

export function notFoundPage(signedIn: boolean): { title: string; body: SafeHtml } {
  return {
    title: 'Not found',
    body: html`<section class="notice">
  <h1>Not found</h1>
  <p>There is nothing here. It may never have existed, or it may have been removed.</p>
  ${signedIn ? null : html`<p>If you expected a private package, <a href="/account/login">sign in</a> first.</p>`}
  <p><a href="/">Back to the home page</a></p>
</section>`,
  };
}
