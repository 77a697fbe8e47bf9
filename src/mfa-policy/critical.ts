// Which packages are critical: the top 1% of the registry's packages by downloads over the last
// 90 days, plus those an administrator marked. The download ranking is a GROUP BY over 90 days
// of counts, so it is computed at most once per refresh interval and kept in memory; marks are
// read from the database each time (one primary-key lookup), so a mark takes effect at once on
// every server.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import { appendEvent } from '../events/index.js';
import { downloadsPerPackage, windowStart, type PackageDownloads } from '../downloads/index.js';

export const CRITICAL_WINDOW_DAYS = 90;
export const CRITICAL_SHARE = 0.01;

/**
 * The packages in the top 1% by downloads: the `k = ceil(packageCount × 1%)` most downloaded
 * (so at least one as soon as anything was downloaded), and every package tied with the k-th,
 * since which of two equally downloaded packages is "more critical" would be arbitrary. A
 * package never downloaded in the window is never critical by downloads.
 */
export function topByDownloads(totals: readonly PackageDownloads[], packageCount: number, share = CRITICAL_SHARE): Set<number> {
  const ranked = totals.filter((t) => t.downloads > 0).sort((a, b) => b.downloads - a.downloads);
  if (ranked.length === 0) return new Set();
  const k = Math.max(1, Math.ceil(Math.max(packageCount, ranked.length) * share));
  const cutoff = ranked[Math.min(k, ranked.length) - 1]!.downloads;
  return new Set(ranked.filter((t) => t.downloads >= cutoff).map((t) => t.packageId));
}

export interface CriticalPackage {
  packageId: number;
  ecosystem: string;
  name: string;
  downloads: number;
  byDownloads: boolean;
  marked: boolean;
}

export interface CriticalPackagesOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** How long a computed ranking is used before it is computed again. */
  refreshMs?: number;
}

export function createCriticalPackages({ db, clock, refreshMs = 10 * 60_000 }: CriticalPackagesOptions) {
  let computed: { at: number; set: Set<number>; totals: Map<number, number> } | null = null;
  let computing: Promise<{ set: Set<number>; totals: Map<number, number> }> | null = null;

  async function compute() {
    const now = clock.now();
    const totals = await downloadsPerPackage(db, windowStart(now, CRITICAL_WINDOW_DAYS));
    // The registry's packages: those with a version still installable.
    const { count } = await db
      .selectFrom('packages')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where((eb) => eb.exists(eb.selectFrom('versions').select('versions.id').whereRef('versions.package_id', '=', 'packages.id').where('versions.state', '!=', 'removed')))
      .executeTakeFirstOrThrow();
    const result = { set: topByDownloads(totals, Number(count)), totals: new Map(totals.map((t) => [t.packageId, t.downloads])) };
    computed = { at: now.getTime(), ...result };
    return result;
  }

  /** The ranking, recomputed when older than the refresh interval (one computation at a time). */
  async function ranking() {
    if (computed && clock.now().getTime() - computed.at < refreshMs) return computed;
    computing ??= compute().finally(() => {
      computing = null;
    });
    return computing;
  }

  async function isMarked(packageId: number): Promise<boolean> {
    const row = await db.selectFrom('critical_packages').select('package_id').where('package_id', '=', packageId).executeTakeFirst();
    return row !== undefined;
  }

  return {
    async isCritical(packageId: number): Promise<boolean> {
      return (await ranking()).set.has(packageId) || (await isMarked(packageId));
    },

    /** Whether the user owns at least one critical package. */
    async maintainsCritical(userId: number): Promise<boolean> {
      const owned = await db
        .selectFrom('package_owners')
        .leftJoin('critical_packages', 'critical_packages.package_id', 'package_owners.package_id')
        .select(['package_owners.package_id', 'critical_packages.package_id as marked'])
        .where('package_owners.user_id', '=', userId)
        .execute();
      if (owned.some((o) => o.marked !== null)) return true;
      const { set } = await ranking();
      return owned.some((o) => set.has(o.package_id));
    },

    /** Every critical package, for the admin page: ranked ones and marked ones. */
    async list(): Promise<CriticalPackage[]> {
      const { set, totals } = await ranking();
      const marked = await db.selectFrom('critical_packages').select('package_id').execute();
      const ids = [...new Set([...set, ...marked.map((m) => m.package_id)])];
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('packages').select(['id', 'ecosystem', 'display_name']).where('id', 'in', ids).execute();
      return rows
        .map((r) => ({
          packageId: r.id,
          ecosystem: r.ecosystem,
          name: r.display_name,
          downloads: totals.get(r.id) ?? 0,
          byDownloads: set.has(r.id),
          marked: marked.some((m) => m.package_id === r.id),
        }))
        .sort((a, b) => b.downloads - a.downloads || a.name.localeCompare(b.name));
    },

    /** Marks (on) or unmarks (off) a package as critical; a change is a `package:critical` event. Returns whether anything changed. */
    async setMarked(target: { packageId: number; ecosystem: string; name: string }, on: boolean, byUserId: number | null, byTokenId: string | null = null): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('critical_packages').select('package_id').where('package_id', '=', target.packageId).executeTakeFirst();
        if ((existing !== undefined) === on) return false;
        if (on) {
          await trx.insertInto('critical_packages').values({ package_id: target.packageId, marked_by: byUserId, marked_at: clock.now().toISOString() }).execute();
        } else {
          await trx.deleteFrom('critical_packages').where('package_id', '=', target.packageId).execute();
        }
        await appendEvent(trx, clock, {
          type: 'package:critical',
          actor: { userId: byUserId, tokenId: byTokenId },
          packageId: target.packageId,
          subject: `${target.ecosystem}:${target.name}`,
          data: { critical: on },
        });
        return true;
      });
    },

    /**
     * A package by ecosystem and name as an operator types it: the stored (normalized) name, the
     * display name, or the PEP 503 form (lower case, runs of -_. as one -).
     */
    async findPackage(ecosystem: string, name: string): Promise<{ packageId: number; ecosystem: string; name: string } | null> {
      const candidates = [...new Set([name, name.toLowerCase(), name.toLowerCase().replace(/[-_.]+/g, '-')])];
      const row = await db
        .selectFrom('packages')
        .select(['id', 'ecosystem', 'name', 'display_name'])
        .where('ecosystem', '=', ecosystem)
        .where((eb) => eb.or([eb('name', 'in', candidates), eb('display_name', '=', name)]))
        .executeTakeFirst();
      return row ? { packageId: row.id, ecosystem: row.ecosystem, name: row.name } : null;
    },

    /** Drops the cached ranking (after an admin asks for a fresh one). */
    async refresh(): Promise<void> {
      computed = null;
      await ranking();
    },
  };
}

export type CriticalPackages = ReturnType<typeof createCriticalPackages>;
