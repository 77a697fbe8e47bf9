// Step: the artifact is within size, and every digest the client declared equals ours.
import { constantTimeEqual, digestsOf, type Digests } from '../../platform/crypto.js';
import { artifactTooLarge, digestMismatch } from '../errors.js';

export function hashArtifact(bytes: Buffer, declared: Partial<Digests>, maxBytes: number): Digests {
  if (bytes.length > maxBytes) throw artifactTooLarge(maxBytes);
  const digests = digestsOf(bytes);
  for (const algorithm of ['sha512', 'sha256', 'sha1', 'blake2b256'] as const) {
    const claim = declared[algorithm];
    if (claim !== undefined && !constantTimeEqual(claim.toLowerCase(), digests[algorithm])) throw digestMismatch(algorithm);
  }
  return digests;
}
