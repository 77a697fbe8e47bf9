import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface Digests {
  sha256: string;
  sha512: string;
  sha1: string;
  /** BLAKE2b with a 256-bit output, a digest some package indexes publish and their clients declare. */
  blake2b256: string;
}

/** Every digest a registry publishes for an artifact, computed by us, never taken from a client. */
export function digestsOf(bytes: Buffer): Digests {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sha512: createHash('sha512').update(bytes).digest('hex'),
    sha1: createHash('sha1').update(bytes).digest('hex'),
    blake2b256: Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex'),
  };
}

/** Random URL-safe text carrying `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Equality in time independent of where the inputs differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
