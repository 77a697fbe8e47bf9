// GET /static/bulwark.css: the one stylesheet, read once at startup. Pages link it with its
// content hash in the query, so it can be cached for a year and still change on upgrade; the
// ETag answers revalidations with 304.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const STYLESHEET = new URL('./static/bulwark.css', import.meta.url);
export const STYLESHEET_PATH = '/static/bulwark.css';

export interface StaticAsset {
  body: Buffer;
  etag: string;
  /** Where pages link it: path plus content hash. */
  href: string;
}

export function loadStylesheet(): StaticAsset {
  const body = readFileSync(STYLESHEET);
  const hash = createHash('sha256').update(body).digest('base64url');
  return { body, etag: `"${hash}"`, href: `${STYLESHEET_PATH}?v=${hash.slice(0, 12)}` };
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

export function registerStatic(app: FastifyInstance, css: StaticAsset): void {
  app.get(STYLESHEET_PATH, { config: { action: 'public', web: true } }, async (request, reply) => {
    reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('ETag', css.etag)
      .header('X-Content-Type-Options', 'nosniff');
    if (matches(request.headers['if-none-match'], css.etag)) return reply.code(304).send();
    return reply.type('text/css; charset=utf-8').send(css.body);
  });
}
