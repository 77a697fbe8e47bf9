// The body of `npm publish` (PUT /<name> with _attachments), parsed strictly: one version, one
// tarball, the declared length and digests, and names that agree with the URL.
import { z } from 'zod';
import { invalid } from '../../../platform/errors.js';
import type { Access } from '../../../registry/index.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const attachment = z.object({
  content_type: z.string().optional(),
  data: z.string(),
  length: z.number().int().nonnegative(),
});

const publishBody = z
  .object({
    _id: z.string().optional(),
    name: z.string(),
    'dist-tags': z.record(z.string(), z.string()),
    versions: z.record(z.string(), z.record(z.string(), z.unknown())),
    access: z.enum(['public', 'restricted']).nullable().optional(),
    _attachments: z.record(z.string(), attachment),
  })
  .passthrough();

export interface ParsedPublish {
  version: string;
  manifest: Record<string, unknown>;
  tag: string;
  access: Access | null;
  tarball: Buffer;
  declaredIntegrity: string | undefined;
  declaredShasum: string | undefined;
}

export function isPublishBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && '_attachments' in body;
}

export function parsePublishBody(name: string, body: unknown): ParsedPublish {
  const parsed = publishBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid('PUBLISH_BODY_INVALID', `The publish document is malformed at ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}.`);
  }
  const doc = parsed.data;
  if (doc.name !== name || (doc._id !== undefined && doc._id !== name)) {
    throw invalid('NAME_MISMATCH', `The document names ${JSON.stringify(doc.name)} but was sent to ${JSON.stringify(name)}.`);
  }
  const versions = Object.entries(doc.versions);
  if (versions.length !== 1) throw invalid('PUBLISH_BODY_INVALID', 'A publish carries exactly one version.');
  const [version, manifest] = versions[0]!;
  if (manifest.name !== name || manifest.version !== version) {
    throw invalid('NAME_MISMATCH', `The version's manifest says ${String(manifest.name)}@${String(manifest.version)}, not ${name}@${version}.`);
  }
  const tags = Object.entries(doc['dist-tags']);
  if (tags.length !== 1 || tags[0]![1] !== version) {
    throw invalid('PUBLISH_BODY_INVALID', 'A publish sets exactly one dist-tag, pointing at the version published.');
  }
  const attachments = Object.entries(doc._attachments);
  if (attachments.length !== 1) {
    throw invalid('PUBLISH_BODY_INVALID', 'A publish carries exactly one tarball attachment (provenance bundles are not accepted yet).');
  }
  const [key, file] = attachments[0]!;
  if (key !== `${name}-${version}.tgz`) {
    throw invalid('PUBLISH_BODY_INVALID', `The attachment is named ${JSON.stringify(key)}, expected ${JSON.stringify(`${name}-${version}.tgz`)}.`);
  }
  if (!BASE64.test(file.data) || file.data.length % 4 !== 0) {
    throw invalid('ATTACHMENT_INVALID', 'The tarball attachment is not valid base64.');
  }
  const tarball = Buffer.from(file.data, 'base64');
  if (tarball.length !== file.length) {
    throw invalid('ATTACHMENT_LENGTH_MISMATCH', `The attachment declares ${file.length} bytes but holds ${tarball.length}.`);
  }
  const dist = (manifest.dist ?? {}) as Record<string, unknown>;
  return {
    version,
    manifest,
    tag: tags[0]![0],
    access: doc.access ?? null,
    tarball,
    declaredIntegrity: typeof dist.integrity === 'string' ? dist.integrity : undefined,
    declaredShasum: typeof dist.shasum === 'string' ? dist.shasum : undefined,
  };
}

/** `sha512-<base64>` → hex, or a refusal: npm always sends sha512 integrity. */
export function sha512HexOfIntegrity(integrity: string | undefined): string | undefined {
  if (integrity === undefined) return undefined;
  const match = /^sha512-([A-Za-z0-9+/]+={0,2})$/.exec(integrity.trim().split(/\s+/)[0] ?? '');
  if (!match) throw invalid('INTEGRITY_INVALID', 'dist.integrity must be a sha512 Subresource Integrity string.');
  return Buffer.from(match[1]!, 'base64').toString('hex');
}
