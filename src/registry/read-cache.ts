// Rendered index documents, kept per process and keyed by the package's last event id: any
// state change appends an event, so a stale entry can never match. Works unchanged with many
// servers on one database, because the key is read from the database on every request.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface RenderedDocument {
  body: Buffer;
  etag: string;
  /** Computed once, on first request for the gzip form. */
  gzipped(): Buffer;
}

interface Entry {
  revision: number;
  document: RenderedDocument;
}

export function createRenderedDocument(body: Buffer): RenderedDocument {
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  let gz: Buffer | undefined;
  return {
    body,
    etag,
    gzipped: () => (gz ??= gzipSync(body, { level: 6 })),
  };
}

export class DocumentCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 10_000) {}

  get(key: string, revision: number): RenderedDocument | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.revision !== revision) return undefined;
    // Re-insert so the Map's order is least- to most-recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.document;
  }

  set(key: string, revision: number, document: RenderedDocument): void {
    this.entries.delete(key);
    this.entries.set(key, { revision, document });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
