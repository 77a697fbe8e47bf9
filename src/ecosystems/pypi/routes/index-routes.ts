// The read side pip and tools use: the simple API (PEP 503/691), files and their core metadata
// (PEP 658), and the JSON API. Names are looked up normalized; other spellings redirect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendBytes, sendDocument, type ErrorRenderer } from '../../../platform/http/index.js';
import { BulwarkError, notFound } from '../../../platform/errors.js';
import type { EcosystemRules } from '../../../registry/index.js';
import type { EcosystemContext } from '../../types.js';
import { normalizePypiName } from '../names.js';
import { checkPypiVersion, pypiReleaseKey } from '../versions.js';
import { parsePypiFilename } from '../filenames.js';
import { renderJsonApi, renderSimpleHtml, renderSimpleJson, renderSimpleRootHtml, renderSimpleRootJson } from '../render.js';

const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';
const TEXT_HTML = 'text/html';

/** PEP 691 negotiation: the acceptable type with the highest q; text/html when nothing matches. */
export function negotiateSimple(accept: string | undefined): string {
  if (!accept) return TEXT_HTML;
  let best = { type: TEXT_HTML, q: -1 };
  for (const part of accept.split(',')) {
    const [rawType = '', ...params] = part.trim().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const type = rawType.trim().toLowerCase();
    const concrete =
      type === SIMPLE_JSON || type === 'application/vnd.pypi.simple.latest+json'
        ? SIMPLE_JSON
        : type === SIMPLE_HTML || type === 'application/vnd.pypi.simple.latest+html'
          ? SIMPLE_HTML
          : type === TEXT_HTML
            ? TEXT_HTML
            : null;
    if (concrete && Number.isFinite(q) && q > 0 && q > best.q) best = { type: concrete, q };
  }
  return best.type;
}

const INTEGRITY_JSON = 'application/vnd.pypi.integrity.v1+json';

/** The integrity API's negotiation: its own type or JSON (wildcards included); null when neither is acceptable. */
export function negotiateIntegrity(accept: string | undefined): string | null {
  if (!accept || accept.trim() === '') return INTEGRITY_JSON;
  let best: { type: string; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [rawType = '', ...params] = part.trim().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const type = rawType.trim().toLowerCase();
    const concrete =
      type === INTEGRITY_JSON || type === '*/*' || type === 'application/*' ? INTEGRITY_JSON : type === 'application/json' ? 'application/json' : null;
    if (concrete && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { type: concrete, q };
  }
  return best?.type ?? null;
}

/** Redirects to the normalized spelling of a project URL; returns true when it did. */
function redirectToNormalized(reply: FastifyReply, raw: string, build: (normalized: string) => string): boolean {
  const normalized = normalizePypiName(raw);
  if (normalized === raw) return false;
  void reply.redirect(build(normalized), 301);
  return true;
}

export async function indexRoutes(app: FastifyInstance, ctx: EcosystemContext, rules: EcosystemRules, renderError: ErrorRenderer) {
  const { registry, settings } = ctx;
  const config = { action: 'package:read', renderError };

  const simpleRoot = async (request: FastifyRequest, reply: FastifyReply) => {
    const type = negotiateSimple(request.headers.accept);
    const projects = await registry.listPackages(rules, request.actor);
    reply.header('Vary', 'Accept');
    reply.header('Cache-Control', 'max-age=0, must-revalidate');
    if (type === SIMPLE_JSON) return reply.type(SIMPLE_JSON).send(JSON.stringify(renderSimpleRootJson(projects.map((p) => ({ name: p.displayName })))));
    return reply.type(type).send(renderSimpleRootHtml(projects.map((p) => ({ name: p.displayName, normalized: p.name })), settings.publicUrl));
  };
  // Only with the slash: GET /simple is npm's document of a package named `simple`.
  app.get('/simple/', { config }, simpleRoot);

  app.get('/simple/:project/', { config }, async (request, reply) => {
    const { project } = request.params as { project: string };
    if (redirectToNormalized(reply, project, (n) => `/simple/${n}/`)) return reply;
    const type = negotiateSimple(request.headers.accept);
    const json = type === SIMPLE_JSON;
    const document = await registry.readDocument(rules, project, json ? 'simple-json' : 'simple-html', request.actor, (view) =>
      Buffer.from(json ? JSON.stringify(renderSimpleJson(view, settings.publicUrl)) : renderSimpleHtml(view, settings.publicUrl)),
    );
    // Both HTML types share one body; the Content-Type echoes what was asked for.
    return sendDocument(request, reply, document, type, 0);
  });
  app.get('/simple/:project', { config }, async (request, reply) => {
    const { project } = request.params as { project: string };
    return reply.redirect(`/simple/${normalizePypiName(project)}/`, 301);
  });

  app.get('/pypi/files/:project/:filename', { config }, async (request, reply) => {
    const { project, filename } = request.params as { project: string; filename: string };
    if (filename.endsWith('.metadata')) {
      const file = filename.slice(0, -'.metadata'.length);
      const companion = await registry.openCompanion(rules, project, file, 'metadata', request.actor);
      return sendBytes(request, reply, companion);
    }
    return sendBytes(request, reply, await registry.openArtifact(rules, project, filename, request.actor));
  });

  // PEP 740: the provenance of a file uploaded with attestations.
  app.get('/integrity/:project/:version/:filename/provenance', { config }, async (request, reply) => {
    const { project, version, filename } = request.params as { project: string; version: string; filename: string };
    reply.header('Vary', 'Accept');
    const type = negotiateIntegrity(request.headers.accept);
    if (!type) return reply.code(406).type('application/json').send({ message: 'Request not acceptable' });
    const missing = () => reply.code(404).type('application/json').send({ message: `No provenance available for ${filename}` });
    // The file must belong to the release named in the URL (1.0 and 1.0.0 are one release).
    let sameRelease = false;
    try {
      sameRelease = pypiReleaseKey(parsePypiFilename(filename).version) === pypiReleaseKey(checkPypiVersion(version));
    } catch {
      sameRelease = false;
    }
    if (!sameRelease) return missing();
    let companion;
    try {
      companion = await registry.openCompanion(rules, project, filename, 'provenance', request.actor);
    } catch (error) {
      if (error instanceof BulwarkError && error.kind === 'not_found') return missing();
      throw error;
    }
    const etag = `"${companion.sha256}"`;
    reply.header('ETag', etag);
    // Bound to an immutable file; private packages' provenance stays out of shared caches.
    reply.header('Cache-Control', request.actor.kind === 'user' ? 'private, max-age=3600' : 'public, max-age=3600');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type(type).send(companion.bytes);
  });

  app.get('/pypi/:project/json', { config }, async (request, reply) => {
    const { project } = request.params as { project: string };
    if (redirectToNormalized(reply, project, (n) => `/pypi/${n}/json`)) return reply;
    const document = await registry.readDocument(rules, project, 'json', request.actor, (view) =>
      Buffer.from(JSON.stringify(renderJsonApi(view, settings.publicUrl))),
    );
    return sendDocument(request, reply, document, 'application/json', 0);
  });

  app.get('/pypi/:project/:version/json', { config }, async (request, reply) => {
    const { project, version: rawVersion } = request.params as { project: string; version: string };
    if (redirectToNormalized(reply, project, (n) => `/pypi/${n}/${encodeURIComponent(rawVersion)}/json`)) return reply;
    let version: string;
    try {
      version = checkPypiVersion(rawVersion);
    } catch {
      throw notFound('VERSION_NOT_FOUND', `Version ${rawVersion} not found.`);
    }
    const document = await registry.readDocument(rules, project, `json:${version}`, request.actor, (view) => {
      const only = view.versions.find((v) => v.version === version);
      if (!only) throw new BulwarkError('not_found', 'VERSION_NOT_FOUND', `Version ${version} not found.`);
      return Buffer.from(JSON.stringify(renderJsonApi(view, settings.publicUrl, only)));
    });
    return sendDocument(request, reply, document, 'application/json', 0);
  });
}
