// Step: the archive opens within limits, and its content agrees with the request.
import { readTarGz } from '../../platform/archive/index.js';
import type { ArchiveListing } from '../../platform/archive/index.js';
import type { PublishRequest } from '../types.js';

export async function inspectArtifact(request: PublishRequest, keep: (path: string) => boolean): Promise<ArchiveListing> {
  const listing = await readTarGz(request.artifact.bytes, request.rules.archiveLimits, keep);
  await request.inspect(listing);
  return listing;
}
