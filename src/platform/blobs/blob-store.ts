import type { Readable } from 'node:stream';

/**
 * Content-addressed storage of artifact bytes. Keys are sha256 hex digests; the bytes of a key
 * never change, so readers may cache them forever. Writes are atomic: a reader sees the whole
 * blob or none of it.
 */
export interface BlobStore {
  readonly kind: 'file' | 's3';
  put(key: string, bytes: Buffer): Promise<void>;
  has(key: string): Promise<boolean>;
  /** The bytes as a stream with their size, or null when the key is absent. */
  open(key: string): Promise<{ stream: Readable; size: number } | null>;
  read(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Every stored key; for audits and tests, not the request path. */
  list(): AsyncIterable<string>;
  close(): Promise<void>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Refuses any key that is not a sha256 digest, so no caller can reach outside the store. */
export function assertBlobKey(key: string): void {
  if (!SHA256_HEX.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
}

export function blobPath(key: string): string {
  assertBlobKey(key);
  return `sha256/${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`;
}
