// The install path: packuments (full and abbreviated), tarballs, tags, search, ping.
import type { FastifyInstance } from 'fastify';
import { sendBytes, sendDocument } from '../../../platform/http/index.js';
import type { EcosystemContext } from '../../types.js';
import type { EcosystemRules } from '../../../registry/index.js';
import { renderAbbreviatedPackument, renderFullPackument } from '../render.js';
import { packageNameOf, packageRoute } from './params.js';

const CORGI = 'application/vnd.npm.install-v1+json';

/** The abbreviated form is served only to clients that ask for it first in Accept. */
function wantsAbbreviated(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.trimStart().startsWith(CORGI);
}

export async function readRoutes(app: FastifyInstance, ctx: EcosystemContext, rules: EcosystemRules, renderError: any) {
  const { registry, settings } = ctx;
  const config = { action: 'package:read', renderError };

  packageRoute(app, 'GET', '', { config }, async (request, reply) => {
    const name = packageNameOf(request.params);
    const query = request.query as Record<string, string | undefined>;
    // A write follows `?write=true`: always the full document with _rev, never from a client cache.
    const abbreviated = query.write !== 'true' && wantsAbbreviated(request.headers.accept);
    const form = abbreviated ? 'abbreviated' : 'full';
    const document = await registry.readDocument(rules, name, form, request.actor, (view) =>
      Buffer.from(JSON.stringify(abbreviated ? renderAbbreviatedPackument(view, settings.publicUrl) : renderFullPackument(view, settings.publicUrl))),
    );
    return sendDocument(request, reply, document, abbreviated ? CORGI : 'application/json', query.write === 'true' ? 0 : settings.packumentMaxAge);
  });

  packageRoute(app, 'GET', '/-/:file', { config }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const artifact = await registry.openArtifact(rules, packageNameOf(request.params), file, request.actor, { countDownload: request.method === 'GET' });
    return sendBytes(request, reply, artifact);
  });

  app.get('/-/package/:name/dist-tags', { config }, async (request) => {
    const view = await registry.getView(rules, (request.params as { name: string }).name, request.actor);
    return view.tags;
  });

  app.get('/-/package/:name/visibility', { config }, async (request) => {
    const head = await registry.getHead(rules, (request.params as { name: string }).name, request.actor);
    return { public: head.access === 'public' };
  });

  app.get('/-/v1/search', { config: { action: 'public', renderError } }, async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const size = clamp(Number(q.size ?? 20), 1, 250);
    const from = clamp(Number(q.from ?? 0), 0, 10_000);
    const text = String(q.text ?? '').slice(0, 256);
    const started = Date.now();
    const { total, hits } = await registry.search(text, { from, size, ecosystem: rules.id }, request.actor);
    return {
      objects: hits.map((hit, index) => ({
        package: {
          name: hit.name,
          version: hit.version,
          description: hit.description,
          keywords: hit.keywords,
          date: hit.date,
          links: { npm: `${settings.publicUrl}/package/${hit.name}` },
          publisher: hit.publisher ? { username: hit.publisher.name, email: hit.publisher.email } : undefined,
          maintainers: hit.owners.map((o) => ({ username: o.name, email: o.email })),
        },
        score: { final: 1 - index / (hits.length + 1), detail: { quality: 1, popularity: 1, maintenance: 1 } },
        searchScore: 1 - index / (hits.length + 1),
      })),
      total,
      time: new Date(started).toUTCString(),
    };
  });

  app.get('/-/ping', { config: { action: 'public', renderError } }, async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
    return {};
  });
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}
