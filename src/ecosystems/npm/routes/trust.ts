// Trusted publishing as the npm CLI speaks it: `npm publish` in CI trades the CI's OIDC ID token
// for a short-lived token (lib/utils/oidc.js), and package owners manage the trusted CI identities
// with `npm trust github|gitlab|circleci|list|revoke`. The trust core decides everything; these
// routes translate npm's wire shapes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthenticated, type BulwarkError } from '../../../platform/errors.js';
import type { ErrorBody, ErrorRenderer } from '../../../platform/http/index.js';
import type { EcosystemRules } from '../../../registry/index.js';
import type { EcosystemContext } from '../../types.js';
import { renderNpmError } from '../errors.js';
import { NPM_PUBLISH_PERMISSION, parseTrustBody, toNpmTrustConfig } from '../wire/trust-body.js';

/**
 * npm swallows a failed exchange and logs only `error.body.message`, at verbose level, before
 * carrying on without a token: so the reason goes into `message` as well as npm's usual fields.
 */
export const renderNpmOidcError: ErrorRenderer = (error: BulwarkError): ErrorBody => {
  const out = renderNpmError(error);
  return { ...out, body: { message: `${error.message} [${error.code}]`, ...(out.body as Record<string, unknown>) } };
};

/** The `aud` npm asks the CI for: `npm:` and the registry's host name, without the port. */
export function npmOidcAudience(publicUrl: string): string {
  return `npm:${new URL(publicUrl).hostname}`;
}

export async function trustRoutes(app: FastifyInstance, ctx: EcosystemContext, rules: EcosystemRules, renderError: ErrorRenderer) {
  const { trust, registry, settings } = ctx;
  const audience = npmOidcAudience(settings.publicUrl);

  // The exchange. Its Authorization header holds the ID token, which the authenticator leaves
  // alone (`credentials: 'oidc'`): the actor is anonymous and the trust core is the only judge.
  const exchangeOptions = { config: { action: 'public', credentials: 'oidc' as const, renderError: renderNpmOidcError } };
  for (const url of ['/-/npm/v1/oidc/token/exchange/package/:name', '/-/npm/v1/oidc/token/exchange/package/@:scope/:name']) {
    app.post(url, exchangeOptions, async (request, reply) => {
      const params = request.params as { name: string; scope?: string };
      const name = rules.normalizeName(params.scope !== undefined ? `@${params.scope}/${params.name}` : params.name);
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) throw unauthenticated('AUTH_REQUIRED', 'Send the CI’s OIDC ID token as `Authorization: Bearer <token>`.');
      const minted = await trust.exchange({ idToken: match[1]!, audience, ecosystem: rules.id, packageName: name, permission: NPM_PUBLISH_PERMISSION });
      return reply.code(201).send({ token: minted.token });
    });
  }

  const options = { config: { action: 'package:owners', renderError } };
  const head = (request: FastifyRequest) =>
    registry.getHead(rules, (request.params as { name: string }).name, request.actor);

  // `npm trust github|gitlab|circleci`: a JSON array of one configuration.
  app.post('/-/package/:name/trust', options, async (request, reply) => {
    const pkg = await head(request);
    const wanted = parseTrustBody(request.body);
    const created = await trust.addPublisher({ package: pkg, provider: wanted.provider, claims: wanted.claims, permissions: wanted.permissions }, request.actor);
    return reply.code(201).send([toNpmTrustConfig(created)]);
  });

  // `npm trust list`.
  app.get('/-/package/:name/trust', options, async (request) => {
    const pkg = await head(request);
    return (await trust.listPublishers(pkg, request.actor)).map(toNpmTrustConfig);
  });

  // `npm trust revoke --id <id>`.
  app.delete('/-/package/:name/trust/:id', options, async (request) => {
    const pkg = await head(request);
    await trust.revokePublisher(pkg, (request.params as { id: string }).id, request.actor);
    return { ok: true };
  });
}
