// Reads a .tar.gz from memory under hard limits, without ever writing an entry to disk.
// Every refusal is a BulwarkError naming the limit, so clients see why (see docs/errors.md).
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { BulwarkError, invalid, tooLarge } from '../errors.js';
import { checkEntryPath } from './entry-path.js';

export { checkEntryPath };

export interface ArchiveLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
  /** Unpacked/compressed ratio above which the archive is treated as a bomb (checked past 1 MiB). */
  maxCompressionRatio: number;
  maxPathLength: number;
  /** Largest single entry whose content is kept for the caller (metadata files). */
  maxKeptEntryBytes: number;
}

export interface ArchiveEntry {
  path: string;
  size: number;
}

export interface ArchiveListing {
  entries: ArchiveEntry[];
  unpackedBytes: number;
  /** Contents of the entries the caller asked to keep. */
  kept: Map<string, Buffer>;
}

/** Below this many unpacked bytes, compression ratios are not judged (small text files compress well). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

export async function readTarGz(
  compressed: Buffer,
  limits: ArchiveLimits,
  keep: (path: string) => boolean,
): Promise<ArchiveListing> {
  const entries: ArchiveEntry[] = [];
  const kept = new Map<string, Buffer>();
  const seen = new Set<string>();
  let unpackedBytes = 0;
  let gunzippedBytes = 0;

  const gunzip = createGunzip();
  const extract = tarStream.extract();
  const ratioLimit = Math.max(RATIO_FLOOR_BYTES, compressed.length * limits.maxCompressionRatio);

  return new Promise<ArchiveListing>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      extract.destroy();
      reject(
        error instanceof BulwarkError
          ? error
          : invalid('ARCHIVE_INVALID', 'the artifact is not a valid gzip-compressed tar archive'),
      );
    };

    // Counted on the decompressed stream itself, so a bomb is stopped however its tar headers lie.
    gunzip.on('data', (chunk: Buffer) => {
      gunzippedBytes += chunk.length;
      if (gunzippedBytes > limits.maxUnpackedBytes + 1024 * 1024) {
        fail(tooLarge('ARCHIVE_TOO_LARGE_UNPACKED', `the artifact unpacks to more than ${limits.maxUnpackedBytes} bytes`));
      } else if (gunzippedBytes > ratioLimit) {
        fail(
          tooLarge(
            'ARCHIVE_COMPRESSION_RATIO',
            `the artifact expands more than ${limits.maxCompressionRatio} times its compressed size`,
          ),
        );
      }
    });

    extract.on('entry', (header, stream, next) => {
      // A tar cut off inside an entry fails that entry's stream: without this listener the
      // error would be uncaught and take the whole process down.
      stream.on('error', fail);
      try {
        if (entries.length + 1 > limits.maxEntries) {
          throw tooLarge('ARCHIVE_TOO_MANY_ENTRIES', `the artifact has more than ${limits.maxEntries} entries`);
        }
        const path = checkEntryPath(header.name, limits.maxPathLength);
        if (header.type === 'symlink' || header.type === 'link') {
          throw invalid('ARCHIVE_LINK_ENTRY', `archive entry ${JSON.stringify(path)} is a ${header.type === 'link' ? 'hard link' : 'symbolic link'}`);
        }
        if (header.type !== 'file' && header.type !== 'directory' && header.type !== 'contiguous-file') {
          throw invalid('ARCHIVE_SPECIAL_ENTRY', `archive entry ${JSON.stringify(path)} is a ${header.type}, not a file`);
        }
        if (header.type === 'directory') {
          stream.resume();
          stream.on('end', next);
          return;
        }
        if (seen.has(path)) {
          throw invalid('ARCHIVE_DUPLICATE_ENTRY', `archive entry ${JSON.stringify(path)} appears twice`);
        }
        seen.add(path);
        const size = header.size ?? 0;
        unpackedBytes += size;
        if (unpackedBytes > limits.maxUnpackedBytes) {
          throw tooLarge('ARCHIVE_TOO_LARGE_UNPACKED', `the artifact unpacks to more than ${limits.maxUnpackedBytes} bytes`);
        }
        entries.push({ path, size });
        const wanted = keep(path);
        if (wanted && size > limits.maxKeptEntryBytes) {
          throw tooLarge('ARCHIVE_ENTRY_TOO_LARGE', `archive entry ${JSON.stringify(path)} is larger than ${limits.maxKeptEntryBytes} bytes`);
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: unknown) => {
          if (wanted) chunks.push(chunk as Buffer);
        });
        stream.on('end', () => {
          if (wanted) kept.set(path, Buffer.concat(chunks));
          next();
        });
      } catch (error) {
        stream.resume();
        fail(error);
      }
    });

    extract.on('finish', () => {
      if (!failed) resolve({ entries, unpackedBytes, kept });
    });
    extract.on('error', fail);
    gunzip.on('error', fail);
    Readable.from([compressed]).pipe(gunzip).pipe(extract);
  });
}
