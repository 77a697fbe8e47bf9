// The web UI's URLs in one place, and the check that keeps `next` redirects on this site.
import type { Ecosystem } from '../ecosystems/index.js';

const BASE = 'http://bulwark.invalid';
const MAX_NEXT_LENGTH = 2048;

/**
 * A local path to redirect to after sign-in, or null. Only a path starting with exactly one `/`
 * qualifies: `//evil.example`, `/\evil.example` (browsers read `\` as `/`), absolute URLs and
 * anything with control characters or whitespace (browsers drop tabs and newlines, turning
 * `/\t/evil.example` into `//evil.example`) are refused. The answer is re-serialized by the URL
 * parser, so what goes into the Location header is exactly what was checked.
 */
export function safeLocalPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NEXT_LENGTH) return null;
  if (!value.startsWith('/') || value.startsWith('//')) return null;
  if (/[\\\s\u0000-\u001f\u007f]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('/') && !path.startsWith('//') ? path : null;
}

/** The sign-in page, coming back to `next` afterwards. */
export function loginPath(next?: string | null): string {
  const local = safeLocalPath(next);
  return local && local !== '/' ? `/account/login?next=${encodeURIComponent(local)}` : '/account/login';
}

/** The password change page, coming back to `next` afterwards. */
export function passwordPath(next?: string | null): string {
  const local = safeLocalPath(next);
  return local && local !== '/' ? `/account/password?next=${encodeURIComponent(local)}` : '/account/password';
}

/**
 * The page of a package, where its ecosystem says it lives (`Ecosystem.pagePath`), or null for an
 * ecosystem this server does not serve.
 */
export function packagePagePath(ecosystems: readonly Ecosystem[], ecosystem: string, name: string): string | null {
  return ecosystems.find((e) => e.id === ecosystem)?.pagePath(name) ?? null;
}

export function userPath(name: string): string {
  return `/user/${encodeURIComponent(name)}`;
}

export const DISCLOSURE_PATH = '/security/disclosure';
