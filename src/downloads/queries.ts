// Reads of the stored download counts. (Counts still in a counter's memory are not included:
// they reach the database within one flush interval.)
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { dayOf } from './counter.js';

export interface PackageDownloads {
  packageId: number;
  downloads: number;
}

/** The first day of a window of `days` days ending with (and including) the day of `now`. */
export function windowStart(now: Date, days: number): string {
  return dayOf(new Date(now.getTime() - (days - 1) * 86_400_000));
}

/** Total downloads per package since `fromDay` (inclusive), packages with none left out. */
export async function downloadsPerPackage(db: Kysely<Database>, fromDay: string): Promise<PackageDownloads[]> {
  const rows = await db
    .selectFrom('download_counts')
    .select((eb) => ['package_id', eb.fn.sum<number>('count').as('downloads')])
    .where('day', '>=', fromDay)
    .groupBy('package_id')
    .execute();
  return rows.map((r) => ({ packageId: r.package_id, downloads: Number(r.downloads) })).filter((r) => r.downloads > 0);
}

/** Downloads of one package per version since `fromDay`. */
export async function downloadsOfPackage(db: Kysely<Database>, packageId: number, fromDay: string): Promise<Array<{ versionId: number; downloads: number }>> {
  const rows = await db
    .selectFrom('download_counts')
    .select((eb) => ['version_id', eb.fn.sum<number>('count').as('downloads')])
    .where('package_id', '=', packageId)
    .where('day', '>=', fromDay)
    .groupBy('version_id')
    .execute();
  return rows.map((r) => ({ versionId: r.version_id, downloads: Number(r.downloads) }));
}
