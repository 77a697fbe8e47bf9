// /.well-known/security.txt (RFC 9116). Expires is fixed when the server starts (the end of the
// start day, UTC, plus 364 days: under the RFC's recommended year), so every response of one
// process says the same, and Policy names the disclosure page this UI serves.
import type { FastifyInstance } from 'fastify';
import { DISCLOSURE_PATH } from './paths.js';

const DAY_MS = 86_400_000;
const VALIDITY_DAYS = 364;

/** A contact as RFC 9116 wants it: a URI. A bare address becomes a mailto: URI. */
export function contactUri(contact: string): string {
  return /^[^:\s@]+@[^\s@]+$/.test(contact) ? `mailto:${contact}` : contact;
}

export function securityTxtExpiry(startedAt: Date): Date {
  const startOfDay = Math.floor(startedAt.getTime() / DAY_MS) * DAY_MS;
  return new Date(startOfDay + (VALIDITY_DAYS + 1) * DAY_MS - 1000);
}

export function renderSecurityTxt(options: { contact: string; publicUrl: string; expires: Date }): string {
  const expires = options.expires.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    `Contact: ${contactUri(options.contact)}`,
    `Expires: ${expires}`,
    `Policy: ${options.publicUrl}${DISCLOSURE_PATH}`,
    'Preferred-Languages: en',
    `Canonical: ${options.publicUrl}/.well-known/security.txt`,
    '',
  ].join('\n');
}

export function registerSecurityTxt(app: FastifyInstance, options: { contact: string; publicUrl: string; startedAt: Date }): void {
  const body = renderSecurityTxt({ ...options, expires: securityTxtExpiry(options.startedAt) });
  app.get('/.well-known/security.txt', { config: { action: 'public', web: true } }, async (_request, reply) => {
    reply.type('text/plain; charset=utf-8').header('Cache-Control', 'public, max-age=3600');
    return body;
  });
}
