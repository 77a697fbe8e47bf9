// Kysely queries of the registry core. Private to registry/: other code goes through service.ts.
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import { readsEveryPackage, type Actor } from '../auth/index.js';
import type { Database } from '../platform/db/index.js';
import type { Access, ArtifactView, PackageHead, PackageView, PersonView, VersionState, VersionView } from './types.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function findHead(db: Executor, ecosystem: string, name: string): Promise<PackageHead | null> {
  const row = await db
    .selectFrom('packages')
    .select(['id', 'ecosystem', 'name', 'display_name', 'access', 'last_event_id'])
    .where('ecosystem', '=', ecosystem)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) return null;
  const owners = await db.selectFrom('package_owners').select('user_id').where('package_id', '=', row.id).execute();
  return {
    id: row.id,
    ecosystem: row.ecosystem,
    name: row.name,
    displayName: row.display_name,
    access: row.access as Access,
    lastEventId: row.last_event_id,
    ownerIds: owners.map((o) => o.user_id),
  };
}

/** The cheap part of a head: enough to validate a cached document without reading owners. */
export async function findRevision(
  db: Executor,
  ecosystem: string,
  name: string,
): Promise<{ id: number; access: Access; lastEventId: number } | null> {
  const row = await db
    .selectFrom('packages')
    .select(['id', 'access', 'last_event_id'])
    .where('ecosystem', '=', ecosystem)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? { id: row.id, access: row.access as Access, lastEventId: row.last_event_id } : null;
}

export async function loadView(db: Executor, head: PackageHead): Promise<PackageView> {
  const pkg = await db
    .selectFrom('packages')
    .select(['created_at', 'updated_at'])
    .where('id', '=', head.id)
    .executeTakeFirstOrThrow();
  const versionRows = await db
    .selectFrom('versions')
    .leftJoin('users', 'users.id', 'versions.published_by')
    .select([
      'versions.id',
      'versions.version',
      'versions.state',
      'versions.deprecated',
      'versions.manifest',
      'versions.summary',
      'versions.readme',
      'versions.published_at',
      'versions.removed_at',
      'versions.yank_reason',
      'users.name as publisher_name',
      'users.email as publisher_email',
    ])
    .where('versions.package_id', '=', head.id)
    .orderBy('versions.id', 'asc')
    .execute();
  const artifactRows = await db
    .selectFrom('artifacts')
    .innerJoin('versions', 'versions.id', 'artifacts.version_id')
    .select([
      'artifacts.version_id',
      'artifacts.filename',
      'artifacts.sha256',
      'artifacts.sha512',
      'artifacts.sha1',
      'artifacts.size',
      'artifacts.created_at',
      'artifacts.metadata',
    ])
    .where('versions.package_id', '=', head.id)
    .where('versions.state', '!=', 'removed')
    .where('artifacts.removed_at', 'is', null)
    .orderBy('artifacts.id', 'asc')
    .execute();
  const artifactsByVersion = new Map<number, ArtifactView[]>();
  for (const a of artifactRows) {
    const list = artifactsByVersion.get(a.version_id) ?? [];
    list.push({
      filename: a.filename,
      sha256: a.sha256,
      sha512: a.sha512,
      sha1: a.sha1,
      size: a.size,
      uploadedAt: a.created_at,
      metadata: JSON.parse(a.metadata) as Record<string, unknown>,
    });
    artifactsByVersion.set(a.version_id, list);
  }
  const tagRows = await db
    .selectFrom('dist_tags')
    .innerJoin('versions', 'versions.id', 'dist_tags.version_id')
    .select(['dist_tags.tag', 'versions.version'])
    .where('dist_tags.package_id', '=', head.id)
    .orderBy('dist_tags.tag', 'asc')
    .execute();
  const owners = await loadOwners(db, head.id);

  const versions: VersionView[] = [];
  const removed: PackageView['removed'] = [];
  for (const row of versionRows) {
    if (row.state === 'removed') {
      removed.push({ version: row.version, removedAt: row.removed_at ?? row.published_at });
      continue;
    }
    versions.push({
      version: row.version,
      state: row.state as VersionState,
      deprecated: row.deprecated,
      yankReason: row.yank_reason ?? null,
      manifest: JSON.parse(row.manifest) as Record<string, unknown>,
      summary: JSON.parse(row.summary) as Record<string, unknown>,
      readme: row.readme,
      publishedAt: row.published_at,
      publisher: row.publisher_name ? { name: row.publisher_name, email: row.publisher_email ?? '' } : null,
      artifacts: artifactsByVersion.get(row.id) ?? [],
    });
  }
  return {
    head,
    createdAt: pkg.created_at,
    updatedAt: pkg.updated_at,
    versions,
    removed,
    tags: Object.fromEntries(tagRows.map((t) => [t.tag, t.version])),
    owners,
  };
}

export async function loadOwners(db: Executor, packageId: number): Promise<PersonView[]> {
  const rows = await db
    .selectFrom('package_owners')
    .innerJoin('users', 'users.id', 'package_owners.user_id')
    .select(['users.name', 'users.email'])
    .where('package_owners.package_id', '=', packageId)
    .orderBy('package_owners.added_at', 'asc')
    .orderBy('users.name', 'asc')
    .execute();
  return rows.map((r) => ({ name: r.name, email: r.email }));
}

/** Owners of several packages in one query, keyed by package id. */
export async function loadOwnersOf(db: Executor, packageIds: number[]): Promise<Map<number, PersonView[]>> {
  const owners = new Map<number, PersonView[]>();
  if (packageIds.length === 0) return owners;
  const rows = await db
    .selectFrom('package_owners')
    .innerJoin('users', 'users.id', 'package_owners.user_id')
    .select(['package_owners.package_id', 'users.name', 'users.email'])
    .where('package_owners.package_id', 'in', packageIds)
    .orderBy('package_owners.added_at', 'asc')
    .orderBy('users.name', 'asc')
    .execute();
  for (const row of rows) {
    const list = owners.get(row.package_id) ?? [];
    list.push({ name: row.name, email: row.email });
    owners.set(row.package_id, list);
  }
  return owners;
}

export async function findVersionRow(db: Executor, packageId: number, version: string) {
  return db
    .selectFrom('versions')
    .select(['id', 'version', 'state', 'deprecated', 'published_at'])
    .where('package_id', '=', packageId)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** Packages (other than `excludePackageId`) with an installable version that depends on `name`. */
export async function findDependents(db: Executor, ecosystem: string, name: string, excludePackageId: number) {
  return db
    .selectFrom('dependencies')
    .innerJoin('versions', 'versions.id', 'dependencies.version_id')
    .innerJoin('packages', 'packages.id', 'versions.package_id')
    .select(['packages.display_name', 'versions.version', 'dependencies.range'])
    .where('dependencies.ecosystem', '=', ecosystem)
    .where('dependencies.name', '=', name)
    .where('dependencies.kind', '!=', 'dev')
    .where('versions.state', '!=', 'removed')
    .where('packages.id', '!=', excludePackageId)
    .execute();
}

/** Whether an artifact, or an artifact's companion file, uses the blob. */
export async function isBlobReferenced(db: Executor, blobKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('artifacts')
    .select('id')
    .where((eb) => eb.or([eb('blob_key', '=', blobKey), eb('metadata', 'like', `%"${blobKey}"%`)]))
    .executeTakeFirst();
  return row !== undefined;
}

/** The file of the package that ever had this name, live or removed, or null. */
export async function findFileByName(db: Executor, packageId: number, filename: string): Promise<{ sha256: string; removed: boolean } | null> {
  const row = await db
    .selectFrom('artifacts')
    .innerJoin('versions', 'versions.id', 'artifacts.version_id')
    .select(['artifacts.sha256', 'artifacts.removed_at', 'versions.state'])
    .where('versions.package_id', '=', packageId)
    .where('artifacts.filename', '=', filename)
    .executeTakeFirst();
  return row ? { sha256: row.sha256, removed: row.removed_at !== null || row.state === 'removed' } : null;
}

/** Whether a live file (of a version not removed) uses the blob, as its bytes or a companion. */
export async function isBlobLive(db: Executor, blobKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('artifacts')
    .innerJoin('versions', 'versions.id', 'artifacts.version_id')
    .select('artifacts.id')
    .where((eb) => eb.or([eb('artifacts.blob_key', '=', blobKey), eb('artifacts.metadata', 'like', `%"${blobKey}"%`)]))
    .where('versions.state', '!=', 'removed')
    .where('artifacts.removed_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Every blob key the given versions' files use: their bytes and their companions. */
export async function blobKeysOfVersions(db: Executor, versionIds: number[]): Promise<string[]> {
  if (versionIds.length === 0) return [];
  const rows = await db.selectFrom('artifacts').select(['blob_key', 'metadata']).where('version_id', 'in', versionIds).execute();
  const keys = new Set<string>();
  for (const row of rows) {
    keys.add(row.blob_key);
    const companions = (JSON.parse(row.metadata) as { companions?: Record<string, string> }).companions ?? {};
    for (const key of Object.values(companions)) keys.add(key);
  }
  return [...keys];
}

/**
 * The policy's `package:read` rule as a filter for lists: public packages, the actor's own,
 * or everything for an administrator (auth/policy.ts decides who that is).
 */
export function visibleTo(eb: ExpressionBuilder<Database, 'packages'>, actor: Actor) {
  if (readsEveryPackage(actor)) return sql<boolean>`1 = 1`;
  if (actor.kind !== 'user') return eb('packages.access', '=', 'public');
  return eb.or([
    eb('packages.access', '=', 'public'),
    eb('packages.id', 'in', eb.selectFrom('package_owners').select('package_id').where('user_id', '=', actor.userId)),
  ]);
}
