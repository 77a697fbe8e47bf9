import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { createFileBlobStore } from './file-store.js';
import { createS3BlobStore } from './s3-store.js';

export type { BlobStore } from './blob-store.js';

/** The blob store BLOB_URL names: `file:/path` (or a bare path) or `s3://bucket/prefix`. */
export function openBlobStore(config: Pick<Config, 'blobUrl' | 's3Endpoint' | 's3Region' | 's3AccessKeyId' | 's3SecretAccessKey' | 's3ForcePathStyle'>): BlobStore {
  const url = config.blobUrl;
  if (url.startsWith('s3://')) {
    const parsed = new URL(url);
    const prefix = parsed.pathname.replace(/^\/+/, '');
    return createS3BlobStore({
      bucket: parsed.hostname,
      prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
      endpoint: config.s3Endpoint,
      region: config.s3Region,
      accessKeyId: config.s3AccessKeyId,
      secretAccessKey: config.s3SecretAccessKey,
      forcePathStyle: config.s3ForcePathStyle,
    });
  }
  if (url.startsWith('file://')) return createFileBlobStore(fileURLToPath(url));
  if (url.startsWith('file:')) return createFileBlobStore(url.slice('file:'.length));
  throw new Error(`BLOB_URL must start with file: or s3:// (got ${url.split(':')[0]}:)`);
}
