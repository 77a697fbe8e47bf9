// Trusted publishing as PyPI clients speak it (pypa/gh-action-pypi-publish, twine >= 6.1 in CI):
// ask the audience, get an ID token for it from the CI, exchange it for a short-lived upload
// token, upload as __token__. Responses follow Warehouse's shapes (oidc/views.py).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BulwarkError } from '../../../platform/errors.js';
import type { EcosystemContext } from '../../types.js';

/** The `aud` an ID token must carry to be exchanged here. */
export const PYPI_OIDC_AUDIENCE = 'pypi';

// The core's refusals, as Warehouse's error codes for the 422 body.
const WAREHOUSE_CODES: Record<string, string> = {
  OIDC_TOKEN_MALFORMED: 'invalid-payload',
  OIDC_ISSUER_UNKNOWN: 'invalid-payload',
  OIDC_TOKEN_INVALID: 'invalid-token',
  OIDC_NO_PUBLISHER: 'invalid-publisher',
  OIDC_TOKEN_REUSED: 'invalid-reuse-token',
};

const notEnabled = (reply: FastifyReply) => reply.code(403).send({ message: 'Trusted publishing functionality not enabled' });

export async function oidcRoutes(app: FastifyInstance, ctx: EcosystemContext) {
  const { trust } = ctx;
  const config = { action: 'public' };

  app.get('/_/oidc/audience', { config }, async (_request, reply) => {
    if (!trust.enabled) return notEnabled(reply);
    return { audience: PYPI_OIDC_AUDIENCE };
  });

  const mint = async (request: import('fastify').FastifyRequest, reply: FastifyReply) => {
    if (!trust.enabled) return notEnabled(reply);
    const body = request.body as { token?: unknown } | undefined;
    if (typeof body?.token !== 'string' || body.token.length === 0 || body.token.length > 16_384) {
      return reply.code(422).send({
        message: 'Token request failed',
        errors: [{ code: 'invalid-payload', description: 'The request body must be JSON {"token": "<OIDC token>"}.' }],
      });
    }
    try {
      const minted = await trust.exchange({ idToken: body.token, audience: PYPI_OIDC_AUDIENCE, ecosystem: 'pypi' });
      return { success: true, token: minted.token, expires: Math.floor(Date.parse(minted.expiresAt) / 1000) };
    } catch (error) {
      if (!(error instanceof BulwarkError)) throw error;
      const code = WAREHOUSE_CODES[error.code];
      if (!code) throw error;
      return reply.code(422).send({ message: 'Token request failed', errors: [{ code, description: `${error.message} [${error.code}]` }] });
    }
  };
  app.post('/_/oidc/mint-token', { config }, mint);
  // The older GitHub-only path, still used by some versions of the publishing action.
  app.post('/_/oidc/github/mint-token', { config }, mint);
}
