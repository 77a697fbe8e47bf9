// The publish pipeline, step by step. A failure at any step leaves nothing visible: nothing is
// written before the transaction but the blob, and a blob this publish wrote is removed again.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { BlobStore } from '../../platform/blobs/index.js';
import type { Clock } from '../../platform/clock.js';
import { requireUser, type Actor } from '../../auth/index.js';
import type { PublishRequest, PublishResult } from '../types.js';
import { checkTarget } from './check-target.js';
import { hashArtifact } from './hash-artifact.js';
import { inspectArtifact } from './inspect-artifact.js';
import { commitVersion } from './commit.js';
import { isBlobReferenced } from '../repo.js';

export interface PipelineDeps {
  db: Kysely<Database>;
  blobs: BlobStore;
  clock: Clock;
  maxArtifactBytes: number;
}

export async function publish(
  deps: PipelineDeps,
  actor: Actor,
  request: PublishRequest,
  keep: (path: string) => boolean,
): Promise<PublishResult> {
  requireUser(actor);

  const target = await checkTarget(deps.db, request.rules, actor, request.name, request.version);
  const digests = hashArtifact(request.artifact.bytes, request.artifact.declared, deps.maxArtifactBytes);
  await inspectArtifact(request, keep);

  const blobExisted = await deps.blobs.has(digests.sha256);
  if (!blobExisted) await deps.blobs.put(digests.sha256, request.artifact.bytes);
  try {
    const { packageId, created } = await commitVersion(deps.db, deps.clock, actor, request, target, digests);
    return { packageId, version: target.version, created, digests };
  } catch (error) {
    // Another publish of identical bytes may have committed meanwhile: keep what it references.
    if (!blobExisted && !(await isBlobReferenced(deps.db, digests.sha256))) await deps.blobs.delete(digests.sha256);
    throw error;
  }
}
