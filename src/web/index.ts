// Server-rendered web UI. Entry point wired by app.ts.
import type { FastifyInstance } from 'fastify';
import type { RegistryService } from '../registry/index.js';
import type { AccountsService } from '../accounts/index.js';
import type { Ecosystem } from '../ecosystems/index.js';

export interface WebDeps {
  registry: RegistryService;
  accounts: AccountsService;
  ecosystems: Ecosystem[];
  /** Secret for CSRF tokens (HMAC key). */
  secret: string;
  publicUrl: string;
  secureCookies: boolean;
  securityContact: string;
}

export async function registerWeb(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/.well-known/security.txt', { config: { action: 'public' } }, async (_request, reply) => {
    const expires = new Date(Date.now() + 365 * 86_400_000).toISOString();
    reply.type('text/plain; charset=utf-8');
    return `Contact: ${deps.securityContact}\nExpires: ${expires}\nPolicy: ${deps.publicUrl}/security/disclosure\nPreferred-Languages: en\nCanonical: ${deps.publicUrl}/.well-known/security.txt\n`;
  });
}
