// Sending cacheable bodies: ETag and 304, gzip when asked for, and always a Content-Length
// (npm keeps a packument in its memory cache only when the response has one).
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CacheableDocument {
  body: Buffer;
  etag: string;
  gzipped(): Buffer;
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  return typeof header === 'string' && /\bgzip\b/.test(header) && !/\bgzip\s*;\s*q=0(\.0*)?\b/.test(header);
}

function matchesEtag(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
}

export function sendDocument(
  request: FastifyRequest,
  reply: FastifyReply,
  document: CacheableDocument,
  contentType: string,
  maxAgeSeconds: number,
  vary = 'Accept, Accept-Encoding',
) {
  reply.header('ETag', document.etag);
  reply.header('Vary', vary);
  reply.header('Cache-Control', `${maxAgeSeconds > 0 ? 'public' : 'no-cache'}, max-age=${maxAgeSeconds}`);
  if (matchesEtag(request, document.etag)) return reply.code(304).send();
  reply.type(contentType);
  if (acceptsGzip(request)) {
    const gz = document.gzipped();
    reply.header('Content-Encoding', 'gzip');
    reply.header('Content-Length', gz.length);
    return reply.send(gz);
  }
  reply.header('Content-Length', document.body.length);
  return reply.send(document.body);
}

/**
 * Immutable content addressed by digest: cacheable forever by default. Callers may name another
 * type, or a shorter or private cache policy (e.g. for content of a restricted package).
 */
export function sendBytes(
  request: FastifyRequest,
  reply: FastifyReply,
  content: { sha256: string; size: number; bytes: Buffer | null; stream: NodeJS.ReadableStream | null },
  options: { contentType?: string; cacheControl?: string } = {},
) {
  const etag = `"${content.sha256}"`;
  reply.header('ETag', etag);
  reply.header('Cache-Control', options.cacheControl ?? 'public, max-age=31536000, immutable');
  if (matchesEtag(request, etag)) return reply.code(304).send();
  reply.type(options.contentType ?? 'application/octet-stream');
  reply.header('Content-Length', content.size);
  return reply.send(content.bytes ?? content.stream);
}
