// The read side pip and tools use: the simple API (PEP 503/691), files and their core metadata
// (PEP 658), and the JSON API. Names are looked up normalized; other spellings redirect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { negotiate, sendBytes, sendDocument, type ErrorRenderer } from '../../../platform/http/index.js';
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

// PEP 691: the `latest` aliases mean v1; with no Accept header, or nothing acceptable, text/html.
const SIMPLE_OFFERS = {
  [SIMPLE_JSON]: SIMPLE_JSON,
  'application/vnd.pypi.simple.latest+json': SIMPLE_JSON,
  [SIMPLE_HTML]: SIMPLE_HTML,
  'application/vnd.pypi.simple.latest+html': SIMPLE_HTML,
  [TEXT_HTML]: TEXT_HTML,
};

export function negotiateSimple(accept: string | undefined): string {
  return (accept && negotiate(accept, SIMPLE_OFFERS)) || TEXT_HTML;
}

const INTEGRITY_JSON = 'application/vnd.pypi.integrity.v1+json';
// The integrity API: its own type or JSON, wildcards meaning its own type.
const INTEGRITY_OFFERS = {
  [INTEGRITY_JSON]: INTEGRITY_JSON,
  '*/*': INTEGRITY_JSON,
  'application/*': INTEGRITY_JSON,
  'application/json': 'application/json',
};

/** The integrity API's type for this Accept header; null when neither is acceptable. */
export function negotiateIntegrity(accept: string | undefined): string | null {
  if (!accept || accept.trim() === '') return INTEGRITY_JSON;
  return negotiate(accept, INTEGRITY_OFFERS);
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
    return sendBytes(request, reply, await registry.openArtifact(rules, project, filename, request.actor, { countDownload: request.method === 'GET' }));
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
    // Bound to an immutable file; private packages' provenance stays out of shared caches.
    const cacheControl = request.actor.kind === 'user' ? 'private, max-age=3600' : 'public, max-age=3600';
    return sendBytes(request, reply, companion, { contentType: type, cacheControl });
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
