import type { Actor } from '../auth/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; set for every request by the authentication hook in app.ts. */
    actor: Actor;
  }
}
