// Small artifacts kept in memory. Keys are content digests, so an entry can never be stale:
// the only invalidation is dropping bytes of an unpublished version.
const MAX_ENTRY_BYTES = 1024 * 1024;
const MAX_TOTAL_BYTES = 128 * 1024 * 1024;

export class BlobCache {
  private readonly entries = new Map<string, Buffer>();
  private total = 0;

  admits(size: number): boolean {
    return size <= MAX_ENTRY_BYTES;
  }

  get(key: string): Buffer | undefined {
    const bytes = this.entries.get(key);
    if (bytes) {
      this.entries.delete(key);
      this.entries.set(key, bytes);
    }
    return bytes;
  }

  set(key: string, bytes: Buffer): void {
    if (!this.admits(bytes.length)) return;
    this.delete(key);
    this.entries.set(key, bytes);
    this.total += bytes.length;
    for (const [oldest, value] of this.entries) {
      if (this.total <= MAX_TOTAL_BYTES) break;
      this.entries.delete(oldest);
      this.total -= value.length;
    }
  }

  delete(key: string): void {
    const bytes = this.entries.get(key);
    if (bytes) {
      this.entries.delete(key);
      this.total -= bytes.length;
    }
  }
}
