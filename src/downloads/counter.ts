// Downloads per version per UTC day. Every artifact GET would be a database write, so hits are
// counted in memory and added to the stored counts in batches: when enough have gathered, on
// a timer, and on close (so a clean shutdown loses nothing). A failed flush puts its counts
// back to be retried with the next one.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/log.js';

export interface DownloadHit {
  packageId: number;
  versionId: number;
}

export interface DownloadCounter {
  /** Counts one download now (synchronous, memory only). */
  record(hit: DownloadHit): void;
  /** Adds the counted downloads to the database. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
}

export interface DownloadCounterOptions {
  db: Kysely<Database>;
  clock: Clock;
  log?: Logger;
  /** Flush once this many distinct (version, day) rows are pending. */
  maxPendingRows?: number;
  /** Flush at least this often while hits are pending; 0 turns the timer off (tests). */
  flushIntervalMs?: number;
}

interface Pending {
  packageId: number;
  versionId: number;
  day: string;
  count: number;
}

/** The UTC day of an instant, as stored. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

// Rows per INSERT: well under SQLite's 32,766 bound parameters at 4 per row.
const CHUNK = 500;

export function createDownloadCounter(options: DownloadCounterOptions): DownloadCounter {
  const { db, clock, log } = options;
  const maxPendingRows = options.maxPendingRows ?? 1000;
  const flushIntervalMs = options.flushIntervalMs ?? 30_000;
  let pending = new Map<string, Pending>();
  let flushing: Promise<void> | null = null;
  let closed = false;

  const timer = flushIntervalMs > 0 ? setInterval(() => void flush().catch(() => {}), flushIntervalMs) : null;
  timer?.unref();

  function add(into: Map<string, Pending>, row: Pending) {
    const key = `${row.versionId}:${row.day}`;
    const existing = into.get(key);
    if (existing) existing.count += row.count;
    else into.set(key, { ...row });
  }

  async function write(rows: Pending[]) {
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await trx
          .insertInto('download_counts')
          .values(rows.slice(i, i + CHUNK).map((r) => ({ version_id: r.versionId, package_id: r.packageId, day: r.day, count: r.count })))
          .onConflict((oc) => oc.columns(['version_id', 'day']).doUpdateSet((eb) => ({ count: eb('download_counts.count', '+', eb.ref('excluded.count')) })))
          .execute();
      }
    });
  }

  async function flushOnce(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await write([...batch.values()]);
    } catch (error) {
      for (const row of batch.values()) add(pending, row);
      log?.warn({ err: error, rows: batch.size }, 'download counts not flushed; kept for the next flush');
      throw error;
    }
  }

  // One flush at a time; a flush asked for during another runs after it.
  function flush(): Promise<void> {
    const run = (flushing ?? Promise.resolve()).catch(() => {}).then(flushOnce);
    const tracked = run.finally(() => {
      if (flushing === tracked) flushing = null;
    });
    flushing = tracked;
    return run;
  }

  return {
    record(hit) {
      add(pending, { ...hit, day: dayOf(clock.now()), count: 1 });
      if (!closed && pending.size >= maxPendingRows) void flush().catch(() => {});
    },
    flush,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      // Shutdown goes on if the database refuses the last batch (it is logged, and lost).
      await flush().catch((error: unknown) => log?.error({ err: error, rows: pending.size }, 'download counts lost at shutdown'));
    },
  };
}
