// Step: the archive opens within limits, and its content agrees with the request.
import { readTarGz, readZip, type ArchiveListing } from '../../platform/archive/index.js';
import type { Digests } from '../../platform/crypto.js';
import type { PublishRequest } from '../types.js';

export async function inspectArtifact(
  request: PublishRequest,
  digests: Digests,
  keep: (path: string) => boolean,
): Promise<ArchiveListing> {
  const read = request.archive === 'zip' ? readZip : readTarGz;
  const listing = await read(request.artifact.bytes, request.rules.archiveLimits, keep);
  await request.inspect(listing, digests);
  return listing;
}
