// Search across ecosystems: name, description and manifest text, ranked exact name first, then
// prefix, then substring, then keyword or description matches; public packages and the actor's own.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Actor } from '../auth/index.js';
import { loadOwnersOf, visibleTo } from './repo.js';

export interface SearchHit {
  ecosystem: string;
  name: string;
  version: string;
  description: string;
  keywords: string[];
  date: string;
  publisher: { name: string; email: string } | null;
  owners: Array<{ name: string; email: string }>;
}

export interface SearchOptions {
  from: number;
  size: number;
  ecosystem?: string | undefined;
}

export async function searchPackages(db: Kysely<Database>, text: string, options: SearchOptions, actor: Actor): Promise<{ total: number; hits: SearchHit[] }> {
  const needle = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // A package's current version: what its `latest` tag names, else its newest live version
  // (ecosystems without tags).
  const current = sql<number>`coalesce(
    (select dt.version_id from dist_tags dt where dt.package_id = packages.id and dt.tag = 'latest'),
    (select v2.id from versions v2 where v2.package_id = packages.id and v2.state not in ('removed', 'yanked')
      order by v2.published_at desc, v2.id desc limit 1))`;
  let query = db
    .selectFrom('packages')
    .innerJoin('versions', (join) => join.on('versions.id', '=', current))
    .leftJoin('users', 'users.id', 'versions.published_by')
    .select([
      'packages.id',
      'packages.ecosystem',
      'packages.display_name',
      'packages.updated_at',
      'versions.version',
      'versions.manifest',
      'versions.description',
      'users.name as publisher_name',
      'users.email as publisher_email',
    ])
    .where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['packages.display_name']), 'like', eb.val(needle)),
        eb(eb.fn('lower', ['versions.description']), 'like', eb.val(needle)),
        eb(eb.fn('lower', ['versions.manifest']), 'like', eb.val(needle)),
      ]),
    )
    .where((eb) => visibleTo(eb, actor));
  if (options.ecosystem) query = query.where('packages.ecosystem', '=', options.ecosystem);
  const rows = await query.orderBy('packages.display_name', 'asc').limit(500).execute();
  // Exact and prefix name matches first; the LIKE above also matched manifests loosely.
  const q = text.toLowerCase();
  const ranked = rows
    .map((row) => {
      const manifest = JSON.parse(row.manifest) as Record<string, unknown>;
      const description = row.description ?? '';
      const keywords = Array.isArray(manifest.keywords) ? manifest.keywords.filter((k): k is string => typeof k === 'string') : [];
      const name = row.display_name.toLowerCase();
      const rank = name === q ? 0 : name.startsWith(q) ? 1 : name.includes(q) ? 2 : keywords.some((k) => k.toLowerCase().includes(q)) || description.toLowerCase().includes(q) ? 3 : 9;
      return { row, description, keywords, rank };
    })
    .filter((r) => r.rank < 9)
    .sort((a, b) => a.rank - b.rank || a.row.display_name.localeCompare(b.row.display_name));
  const page = ranked.slice(options.from, options.from + options.size);
  const owners = await loadOwnersOf(db, page.map((p) => p.row.id));
  const hits: SearchHit[] = page.map(({ row, description, keywords }) => ({
    ecosystem: row.ecosystem,
    name: row.display_name,
    version: row.version,
    description,
    keywords,
    date: row.updated_at,
    publisher: row.publisher_name ? { name: row.publisher_name, email: row.publisher_email ?? '' } : null,
    owners: owners.get(row.id) ?? [],
  }));
  return { total: ranked.length, hits };
}
