// What the in-process web tests need to post forms as a browser would.
import assert from 'node:assert/strict';
import type { BulwarkApp } from '../../src/app.js';

export type Injected = Awaited<ReturnType<BulwarkApp['http']['inject']>>;

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** The CSRF token a page's form carries. */
export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  assert.ok(match, 'the page has a CSRF field');
  return match[1]!;
}

export function cookie(response: Injected, name: string) {
  return response.cookies.find((c) => c.name === name);
}
