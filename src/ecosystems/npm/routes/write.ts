// Publishing and the whole-document writes npm sends for small edits (deprecate, unpublish,
// owners). Each whole-document PUT is reduced to the one change it means; any attempt to
// rewrite anything else through it (tarball URLs, digests, other versions) is refused.
import type { FastifyInstance } from 'fastify';
import { BulwarkError, invalid } from '../../../platform/errors.js';
import type { EcosystemContext } from '../../types.js';
import type { EcosystemRules, PackageView } from '../../../registry/index.js';
import { isPublishBody, parsePublishBody, sha512HexOfIntegrity } from '../wire/publish-body.js';
import { keepForInspection, prepareVersion, reconcileWithTarball } from '../manifest.js';
import { tarballFilename } from '../names.js';
import { renderFullPackument, revisionOf } from '../render.js';
import { packageNameOf, packageRoute } from './params.js';

const metadataWriteInvalid = (message: string) => invalid('METADATA_WRITE_INVALID', message);

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('BODY_INVALID', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function checkRevision(view: PackageView, rev: string) {
  if (rev !== revisionOf(view)) {
    throw new BulwarkError('conflict', 'REVISION_CONFLICT', 'The package changed since you read it; fetch it again and retry.');
  }
}

/**
 * The versions of a whole-document PUT must be ours, untouched but for `deprecated`.
 * Returns the deprecation changes it asks for.
 */
function deprecationsOf(view: PackageView, sentVersions: Record<string, unknown>, publicUrl: string): Map<string, string | null> {
  const ours = renderFullPackument(view, publicUrl).versions as Record<string, Record<string, unknown>>;
  const changes = new Map<string, string | null>();
  for (const [version, raw] of Object.entries(sentVersions)) {
    const current = ours[version];
    if (!current) throw metadataWriteInvalid(`Version ${version} does not exist; versions are added only by publishing.`);
    const sent = asObject(raw);
    const sentDist = asObject(sent.dist ?? {});
    const ourDist = current.dist as Record<string, unknown>;
    for (const field of ['integrity', 'shasum', 'tarball']) {
      if (sentDist[field] !== undefined && sentDist[field] !== ourDist[field]) {
        throw metadataWriteInvalid(`dist.${field} of ${version} cannot be changed.`);
      }
    }
    if (sent.name !== undefined && sent.name !== current.name) throw metadataWriteInvalid(`The name of ${version} cannot be changed.`);
    if (sent.version !== undefined && sent.version !== version) throw metadataWriteInvalid(`The version field of ${version} cannot be changed.`);
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'scripts']) {
      if (sent[field] !== undefined && JSON.stringify(sent[field]) !== JSON.stringify(current[field])) {
        throw metadataWriteInvalid(`${field} of ${version} cannot be changed after publication.`);
      }
    }
    if (sent.deprecated !== undefined && typeof sent.deprecated !== 'string') {
      throw metadataWriteInvalid(`deprecated of ${version} must be a string (empty to clear it).`);
    }
    const wanted = typeof sent.deprecated === 'string' && sent.deprecated !== '' ? sent.deprecated : null;
    const had = typeof current.deprecated === 'string' ? current.deprecated : null;
    if (wanted !== had) changes.set(version, wanted);
  }
  return changes;
}

export async function writeRoutes(app: FastifyInstance, ctx: EcosystemContext, rules: EcosystemRules, renderError: any) {
  const { registry, settings } = ctx;

  // Publish a version, or (without attachments) deprecate versions.
  packageRoute(app, 'PUT', '', { config: { action: 'package:publish', renderError } }, async (request, reply) => {
    const name = packageNameOf(request.params);
    if (isPublishBody(request.body)) {
      const parsed = parsePublishBody(name, request.body);
      const prepared = prepareVersion(name, parsed.version, parsed.manifest);
      await registry.publish(
        request.actor,
        {
          rules,
          name,
          version: parsed.version,
          access: parsed.access,
          tags: [parsed.tag],
          manifest: prepared.manifest,
          summary: prepared.summary,
          readme: prepared.readme,
          description: typeof prepared.manifest.description === 'string' ? prepared.manifest.description : null,
          dependencies: prepared.dependencies,
          artifact: {
            filename: tarballFilename(name, parsed.version),
            bytes: parsed.tarball,
            declared: { sha512: sha512HexOfIntegrity(parsed.declaredIntegrity), sha1: parsed.declaredShasum },
          },
          archive: 'tar.gz',
          inspect: (listing) => reconcileWithTarball(name, parsed.version, prepared, listing),
        },
        keepForInspection,
      );
      return reply.code(201).send({ ok: true, id: name });
    }
    const body = asObject(request.body);
    if (body.users !== undefined && body.versions === undefined) {
      throw invalid('STARS_UNSUPPORTED', 'Stars are not supported by this registry.');
    }
    if (typeof body.versions !== 'object' || body.versions === null) {
      throw metadataWriteInvalid('A document update must carry the versions it deprecates.');
    }
    const view = await registry.getView(rules, name, request.actor);
    if (typeof body._rev !== 'string') throw metadataWriteInvalid('Send the document with the _rev you read.');
    checkRevision(view, body._rev);
    const sent = asObject(body.versions);
    const missing = view.versions.filter((v) => !(v.version in sent));
    if (missing.length > 0) {
      throw metadataWriteInvalid('Versions can only be removed with npm unpublish.');
    }
    const changes = deprecationsOf(view, sent, settings.publicUrl);
    await registry.deprecate(rules, name, changes, request.actor);
    return { ok: true, id: name };
  });

  // Owner changes, or removing versions (npm unpublish of one version).
  packageRoute(app, 'PUT', '/-rev/:rev', { config: { action: 'package:owners', renderError } }, async (request) => {
    const name = packageNameOf(request.params);
    const { rev } = request.params as { rev: string };
    const body = asObject(request.body);
    const view = await registry.getView(rules, name, request.actor);
    checkRevision(view, rev);
    if (body.versions === undefined) {
      if (!Array.isArray(body.maintainers)) throw metadataWriteInvalid('Send maintainers to change owners, or versions to unpublish.');
      const names = body.maintainers.map((m) => {
        const entry = asObject(m);
        if (typeof entry.name !== 'string') throw metadataWriteInvalid('Each maintainer needs a name.');
        return entry.name;
      });
      await registry.setOwners(rules, name, names, request.actor);
      return { ok: true, id: name };
    }
    const sent = asObject(body.versions);
    const changes = deprecationsOf(view, sent, settings.publicUrl);
    if (changes.size > 0) throw metadataWriteInvalid('Deprecate and unpublish in separate requests.');
    const removed = view.versions.filter((v) => !(v.version in sent)).map((v) => v.version);
    if (removed.length === 0) throw metadataWriteInvalid('The document removes no version.');
    await registry.unpublish(rules, name, removed, request.actor);
    return { ok: true, id: name };
  });

  // Whole-package unpublish.
  packageRoute(app, 'DELETE', '/-rev/:rev', { config: { action: 'package:unpublish', renderError } }, async (request) => {
    const name = packageNameOf(request.params);
    const { rev } = request.params as { rev: string };
    const view = await registry.getView(rules, name, request.actor);
    checkRevision(view, rev);
    await registry.unpublish(rules, name, 'all', request.actor);
    return { ok: true, id: name };
  });

  // npm's last unpublish step deletes the tarball; its version was removed by the PUT before,
  // and the core dropped the bytes then. Only a tarball of a removed version may be "deleted".
  packageRoute(app, 'DELETE', '/-/:file/-rev/:rev', { config: { action: 'package:unpublish', renderError } }, async (request) => {
    const name = packageNameOf(request.params);
    const { file } = request.params as { file: string };
    const view = await registry.getView(rules, name, request.actor).catch((error: unknown) => {
      if (error instanceof BulwarkError && error.code === 'PACKAGE_UNPUBLISHED') return null;
      throw error;
    });
    const live = view?.versions.some((v) => v.artifacts.some((a) => a.filename === file));
    if (live) throw metadataWriteInvalid('Unpublish the version first; its tarball goes with it.');
    return { ok: true };
  });

  app.put('/-/package/:name/dist-tags/:tag', { config: { action: 'package:tag', renderError } }, async (request) => {
    const { name, tag } = request.params as { name: string; tag: string };
    const version = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? parseJsonString(request.body) : null;
    if (typeof version !== 'string') throw invalid('BODY_INVALID', 'Send the version as a JSON string.');
    await registry.setTag(rules, name, tag, version, request.actor);
    return { ok: true };
  });

  app.delete('/-/package/:name/dist-tags/:tag', { config: { action: 'package:tag', renderError } }, async (request) => {
    const { name, tag } = request.params as { name: string; tag: string };
    await registry.removeTag(rules, name, tag, request.actor);
    return { ok: true };
  });
}

function parseJsonString(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
}
