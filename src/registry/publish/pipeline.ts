// The publish pipeline, step by step. A failure at any step leaves nothing visible: nothing is
// written before the transaction but blobs, and the blobs this publish wrote are removed again
// unless a publish that won a race for the same bytes references them.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { BlobStore } from '../../platform/blobs/index.js';
import type { Clock } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import { requireUser, type Actor } from '../../auth/index.js';
import type { PublishRequest, PublishResult, StepUpCheck } from '../types.js';
import { checkTarget } from './check-target.js';
import { hashArtifact } from './hash-artifact.js';
import { inspectArtifact } from './inspect-artifact.js';
import { commitVersion } from './commit.js';
import { isBlobReferenced } from '../repo.js';
import { fileExists, filenameReused } from '../errors.js';

export interface PipelineDeps {
  db: Kysely<Database>;
  blobs: BlobStore;
  clock: Clock;
  maxArtifactBytes: number;
  stepUp?: StepUpCheck | undefined;
}

export async function publish(
  deps: PipelineDeps,
  actor: Actor,
  request: PublishRequest,
  keep: (path: string) => boolean,
): Promise<PublishResult> {
  requireUser(actor);

  const target = await checkTarget(deps.db, request.rules, actor, request.name, request.version, request.artifact.filename, request.tags);
  // The MFA policy, once the caller is known to be allowed: a second factor when required.
  await deps.stepUp?.(actor, target.head ? 'package:publish' : 'package:create', {
    packageId: target.head?.id ?? null,
    ecosystem: request.rules.id,
    stepUp: request.rules.stepUp,
  });
  const digests = hashArtifact(request.artifact.bytes, request.artifact.declared, deps.maxArtifactBytes);
  // A filename names one set of bytes forever, even after its file or version was removed.
  // Decided only now: after authorization and after the declared digests were checked.
  const previous = target.existingFile;
  if (previous) {
    if (previous.removed) throw filenameReused();
    if (previous.sha256 === digests.sha256 && request.identicalReupload === 'no-op') {
      return { packageId: target.head!.id, version: target.version, created: false, unchanged: true, digests };
    }
    throw fileExists(request.artifact.filename);
  }
  await inspectArtifact(request, digests, keep);

  // The artifact and its companions, by content address; written before the transaction (no
  // row references them yet, so nobody can see them) and promoted by the commit.
  const companions = Object.entries(request.artifact.companions ?? {}).map(([role, bytes]) => ({ role, key: sha256Hex(bytes), bytes }));
  const blobs = [{ key: digests.sha256, bytes: request.artifact.bytes }, ...companions];
  const written: string[] = [];
  try {
    for (const blob of blobs) {
      if (written.includes(blob.key) || (await deps.blobs.has(blob.key))) continue;
      await deps.blobs.put(blob.key, blob.bytes);
      written.push(blob.key);
    }
    const metadata = {
      ...request.artifact.metadata,
      ...(companions.length > 0 ? { companions: Object.fromEntries(companions.map((c) => [c.role, c.key])) } : {}),
    };
    const { packageId, created } = await commitVersion(deps.db, deps.clock, actor, request, target, digests, metadata);
    return { packageId, version: target.version, created, unchanged: false, digests };
  } catch (error) {
    for (const key of written) {
      if (!(await isBlobReferenced(deps.db, key))) await deps.blobs.delete(key);
    }
    throw error;
  }
}
