// GET /static/…: the stylesheet and the two scripts of the WebAuthn pages (@simplewebauthn's
// browser bundle and our webauthn.js), read once at startup. Pages link them with their content
// hash in the query, so they can be cached for a year and still change on upgrade; the ETag
// answers revalidations with 304.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const STYLESHEET = new URL('./static/bulwark.css', import.meta.url);
export const STYLESHEET_PATH = '/static/bulwark.css';
const WEBAUTHN_SCRIPT = new URL('./static/webauthn.js', import.meta.url);
const WEBAUTHN_PATH = '/static/webauthn.js';
const WEBAUTHN_LIBRARY_PATH = '/static/simplewebauthn-browser.js';

export interface StaticAsset {
  path: string;
  body: Buffer;
  contentType: string;
  etag: string;
  /** Where pages link it: path plus content hash. */
  href: string;
}

function asset(path: string, file: URL | string, contentType: string): StaticAsset {
  const body = readFileSync(file);
  const hash = createHash('sha256').update(body).digest('base64url');
  return { path, body, contentType, etag: `"${hash}"`, href: `${path}?v=${hash.slice(0, 12)}` };
}

export function loadStylesheet(): StaticAsset {
  return asset(STYLESHEET_PATH, STYLESHEET, 'text/css; charset=utf-8');
}

/** The scripts of the WebAuthn pages, in load order: the library, then ours. */
export function loadWebAuthnScripts(): StaticAsset[] {
  const require = createRequire(import.meta.url);
  // The package's export map hides its browser bundle: find it next to the CommonJS entry.
  const library = join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js');
  return [
    asset(WEBAUTHN_LIBRARY_PATH, library, 'text/javascript; charset=utf-8'),
    asset(WEBAUTHN_PATH, WEBAUTHN_SCRIPT, 'text/javascript; charset=utf-8'),
  ];
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

export function registerStatic(app: FastifyInstance, ...assets: StaticAsset[]): void {
  for (const file of assets) {
    app.get(file.path, { config: { action: 'public', web: true } }, async (request, reply) => {
      reply
        .header('Cache-Control', 'public, max-age=31536000, immutable')
        .header('ETag', file.etag)
        .header('X-Content-Type-Options', 'nosniff');
      if (matches(request.headers['if-none-match'], file.etag)) return reply.code(304).send();
      return reply.type(file.contentType).send(file.body);
    });
  }
}
