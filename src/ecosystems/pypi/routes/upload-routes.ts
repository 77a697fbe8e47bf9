// The legacy upload endpoint twine uses (`POST /legacy/`), and yanking (PEP 592).
// Every check reads the file itself; the form's metadata fields are never trusted.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { BulwarkError, invalid } from '../../../platform/errors.js';
import type { ErrorRenderer } from '../../../platform/http/index.js';
import type { EcosystemRules } from '../../../registry/index.js';
import type { EcosystemContext } from '../../types.js';
import { readUploadForm } from '../wire/upload-form.js';
import { checkFilenameMatches, parsePypiFilename, pythonVersionOf } from '../filenames.js';
import { checkProjectName } from '../names.js';
import { checkPypiVersion, pypiReleaseKey } from '../versions.js';
import type { Actor } from '../../../auth/index.js';
import { dependenciesOf, inspectDistribution, metadataEntryMatcher } from '../artifact.js';
import type { PypiFileData } from '../render.js';

const FILETYPES = { sdist: 'sdist', bdist_wheel: 'wheel' } as const;

/** The predicate types PyPI accepts in attestations: its publish attestation and SLSA provenance. */
export const ATTESTATION_PREDICATE_TYPES = ['https://docs.pypi.org/attestations/publish/v1', 'https://slsa.dev/provenance/v1'] as const;

/** Whether an attestation's subject names the uploaded file: equal once both are parsed as distribution filenames. */
function sameDistribution(claimed: string, filename: string): boolean {
  try {
    return JSON.stringify(parsePypiFilename(claimed)) === JSON.stringify(parsePypiFilename(filename));
  } catch {
    return false;
  }
}

export async function uploadRoutes(app: FastifyInstance, ctx: EcosystemContext, rules: EcosystemRules, renderError: ErrorRenderer) {
  const { registry } = ctx;

  await app.register(async (scope) => {
    await scope.register(multipart, { throwFileSizeLimit: true });

    const upload = async (request: import('fastify').FastifyRequest) => {
      const form = await readUploadForm(request, ctx.settings.maxArtifactBytes);
      if (form.action !== 'file_upload') {
        throw invalid('UPLOAD_ACTION_UNSUPPORTED', `Unsupported :action ${JSON.stringify(form.action.slice(0, 40))}; only file_upload is.`);
      }
      if (form.protocolVersion !== '1') throw invalid('UPLOAD_PROTOCOL_UNSUPPORTED', 'Unknown protocol_version; use 1.');
      // PEP 740: only an upload by a trusted publisher (its minted token) may carry attestations.
      const publisherId = request.actor.kind === 'user' ? request.actor.publisherId : null;
      if (form.attestations !== undefined && !publisherId) {
        throw invalid('ATTESTATIONS_UNSUPPORTED', 'Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing.');
      }
      const attestations = form.attestations === undefined ? undefined : ctx.attestations.readAttestationsJson(form.attestations);
      const kind = FILETYPES[form.filetype as keyof typeof FILETYPES];
      if (!kind) throw invalid('FILETYPE_INVALID', 'Use a known file type (sdist or bdist_wheel).');
      const file = parsePypiFilename(form.filename);
      if (file.kind !== kind) throw invalid('FILENAME_INVALID', `The filename does not fit the file type ${form.filetype}.`);
      // The form's name and version must agree with the filename (and, below, with the file).
      checkFilenameMatches(file, checkProjectName(form.name), checkPypiVersion(form.version));

      const md5 = createHash('md5').update(form.content).digest('hex');
      // The release this file joins, under the spelling it was first published with (1.0 and
      // 1.0.0 are one release), and the one-sdist rule.
      const release = await resolveRelease(file.project, file.version, kind, form.filename, request.actor);

      const manifest: Record<string, unknown> = {};
      const metadata: Record<string, unknown> = {};
      const companions: Record<string, Buffer> = {};
      const publishRequest = {
        rules,
        // As the uploader spells it (checked above to normalize to the filename's project): the
        // display name; the core keys the project by its normalized form.
        name: form.name,
        version: release,
        identicalReupload: 'no-op' as const,
        access: null,
        tags: [],
        manifest,
        summary: {},
        readme: null as string | null,
        description: null as string | null,
        dependencies: [] as ReturnType<typeof dependenciesOf>,
        archive: kind === 'wheel' ? ('zip' as const) : ('tar.gz' as const),
        artifact: {
          filename: form.filename,
          bytes: form.content,
          declared: { sha256: form.sha256, blake2b256: form.blake2b256 },
          metadata,
          companions,
        },
        inspect: async (listing: import('../../../platform/archive/index.js').ArchiveListing, digests: import('../../../platform/crypto.js').Digests) => {
          // md5 is not among the digests the core checks; it is still compared, after the
          // uploader was authorized.
          if (form.md5 && form.md5 !== md5) {
            throw invalid('INTEGRITY_MISMATCH', 'The digest supplied does not match a digest calculated from the uploaded file.');
          }
          const inspected = inspectDistribution(file, listing);
          const { description, ...rest } = inspected.metadata;
          Object.assign(manifest, rest);
          publishRequest.readme = description;
          publishRequest.description = inspected.metadata.summary;
          publishRequest.dependencies = dependenciesOf(inspected.metadata);
          const data: PypiFileData = {
            packagetype: form.filetype as PypiFileData['packagetype'],
            python_version: pythonVersionOf(file),
            requires_python: inspected.metadata.requiresPython,
            md5,
            blake2b_256: digests.blake2b256,
          };
          if (kind === 'wheel') {
            companions.metadata = inspected.metadataBytes;
            data.core_metadata_sha256 = createHash('sha256').update(inspected.metadataBytes).digest('hex');
          }
          Object.assign(metadata, data);
          // Verified once the file's digest is known and before anything is stored; the
          // provenance is served by the integrity API.
          if (attestations !== undefined && publisherId) {
            const provenance = await ctx.attestations.verifyUpload({
              publisherId,
              attestations,
              subject: { name: form.filename, sha256: digests.sha256 },
              allowedPredicateTypes: ATTESTATION_PREDICATE_TYPES,
              sameName: sameDistribution,
            });
            companions.provenance = Buffer.from(JSON.stringify(provenance));
          }
        },
      };
      await registry.publish(request.actor, publishRequest, metadataEntryMatcher(kind));
      return '';
    };

    for (const url of ['/legacy/', '/legacy']) {
      scope.post(url, { config: { action: 'package:publish', renderError } }, async (request, reply) => {
        const warnings = await upload(request);
        return reply.type('text/plain; charset=utf-8').send(warnings);
      });
    }
  });

  async function resolveRelease(project: string, version: string, kind: 'wheel' | 'sdist', filename: string, actor: Actor): Promise<string> {
    const view = await registry.getView(rules, project, actor).catch((error: unknown) => {
      if (error instanceof BulwarkError && error.kind === 'not_found') return null;
      throw error;
    });
    const key = pypiReleaseKey(version);
    const existing = view?.versions.find((v) => pypiReleaseKey(v.version) === key);
    // The same filename again is the core's to judge (an identical re-upload is a no-op).
    if (kind === 'sdist' && existing?.artifacts.some((a) => a.filename.endsWith('.tar.gz') && a.filename !== filename)) {
      throw invalid('SDIST_EXISTS', 'Only one sdist may be uploaded per release.');
    }
    return existing?.version ?? version;
  }

  // Delete a release: the core's unpublish policy decides (window after publication, no
  // dependents), and the version number stays a tombstone: its files can never be uploaded again.
  app.delete('/pypi/:project/:version', { config: { action: 'package:unpublish', renderError } }, async (request) => {
    const { project, version } = request.params as { project: string; version: string };
    await registry.unpublish(rules, project, [checkPypiVersion(version)], request.actor);
    return { ok: true };
  });

  // Yank (with an optional reason) and un-yank a release: resolvers skip it unless pinned exactly.
  app.put('/pypi/:project/:version/yank', { config: { action: 'package:unpublish', renderError } }, async (request) => {
    const { project, version } = request.params as { project: string; version: string };
    const body = (request.body ?? {}) as { reason?: unknown };
    const reason = typeof body.reason === 'string' ? body.reason : '';
    await registry.setYanked(rules, project, checkPypiVersion(version), reason, request.actor);
    return { ok: true };
  });
  app.delete('/pypi/:project/:version/yank', { config: { action: 'package:unpublish', renderError } }, async (request) => {
    const { project, version } = request.params as { project: string; version: string };
    await registry.setYanked(rules, project, checkPypiVersion(version), null, request.actor);
    return { ok: true };
  });
}
