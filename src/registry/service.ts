// Use cases of the ecosystem-neutral core. Adapters call these with their EcosystemRules;
// nothing here knows which ecosystem it serves.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { BlobStore } from '../platform/blobs/index.js';
import type { Clock } from '../platform/clock.js';
import { BulwarkError } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';
import { authorize, can, eventActor, type Actor, type Action } from '../auth/index.js';
import { blobKeysOfVersions, findDependents, findHead, findRevision, isBlobLive, loadOwners, loadView, visibleTo } from './repo.js';
import {
  versionYankState,
  artifactNotFound,
  lastOwner,
  ownerNotFound,
  packageNotFound,
  tagNotFound,
  tagRequired,
  unpublishHasDependents,
  unpublishWindowClosed,
  versionNotFound,
} from './errors.js';
import { createRenderedDocument, DocumentCache, type RenderedDocument } from './read-cache.js';
import { BlobCache } from './blob-cache.js';
import { searchPackages, type SearchHit, type SearchOptions } from './search.js';
import { checkTag } from './tags.js';
import { publish } from './publish/pipeline.js';
import type { EcosystemRules, PackageHead, PackageView, PublishRequest, PublishResult, StepUpCheck } from './types.js';

export interface RegistryDeps {
  db: Kysely<Database>;
  blobs: BlobStore;
  clock: Clock;
  policy: {
    maxArtifactBytes: number;
    unpublishWindowHours: number;
    unpublishWithDependents: boolean;
  };
  /** Told of each counted artifact download (the downloads feature counts per version per day). */
  downloads?: { record(hit: { packageId: number; versionId: number }): void };
  /** The MFA policy's check of publish, unpublish, yank and owner changes. */
  stepUp?: StepUpCheck;
}

export interface OpenedArtifact {
  size: number;
  sha256: string;
  /** Bytes in memory when small and hot, otherwise a stream. */
  bytes: Buffer | null;
  stream: NodeJS.ReadableStream | null;
}



export function createRegistryService(deps: RegistryDeps) {
  const { db, blobs, clock } = deps;
  const documents = new DocumentCache();
  const blobCache = new BlobCache();

  async function headOrThrow(rules: EcosystemRules, rawName: string, actor: Actor, action: Action): Promise<PackageHead> {
    const name = normalizeForRead(rules, rawName);
    const head = await findHead(db, rules.id, name);
    if (!head) throw packageNotFound();
    authorize(actor, action, { package: { name: head.name, ecosystem: head.ecosystem, access: head.access, ownerIds: head.ownerIds } });
    if (action === 'package:unpublish' || action === 'package:owners') {
      await deps.stepUp?.(actor, action, { packageId: head.id, ecosystem: rules.id, stepUp: rules.stepUp });
    }
    return head;
  }

  async function liveVersionOrThrow(head: PackageHead, version: string): Promise<{ id: number; state: string }> {
    const row = await db
      .selectFrom('versions')
      .select(['id', 'state'])
      .where('package_id', '=', head.id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row || row.state === 'removed') throw versionNotFound(version);
    return row;
  }

  async function viewOrThrow(head: PackageHead): Promise<PackageView> {
    const view = await loadView(db, head);
    if (view.versions.length === 0) {
      throw new BulwarkError('not_found', 'PACKAGE_UNPUBLISHED', 'This package has been unpublished.');
    }
    return view;
  }

  return {
    /** The core's document read: cached per package revision, rendered by the adapter on a miss. */
    async readDocument(
      rules: EcosystemRules,
      rawName: string,
      form: string,
      actor: Actor,
      render: (view: PackageView) => Buffer,
    ): Promise<RenderedDocument> {
      const name = normalizeForRead(rules, rawName);
      const revision = await findRevision(db, rules.id, name);
      if (!revision) throw packageNotFound();
      let head: PackageHead | null = null;
      if (revision.access !== 'public') {
        head = await findHead(db, rules.id, name);
        if (!head) throw packageNotFound();
        authorize(actor, 'package:read', { package: { name, ecosystem: head.ecosystem, access: head.access, ownerIds: head.ownerIds } });
      }
      const key = `${rules.id}\u0000${revision.id}\u0000${form}`;
      const cached = documents.get(key, revision.lastEventId);
      if (cached) return cached;
      head ??= await findHead(db, rules.id, name);
      if (!head) throw packageNotFound();
      const document = createRenderedDocument(render(await viewOrThrow(head)));
      documents.set(key, head.lastEventId, document);
      return document;
    },

    /** The whole read model, for pages and for write commands that echo the document back. */
    async getView(rules: EcosystemRules, rawName: string, actor: Actor): Promise<PackageView> {
      return viewOrThrow(await headOrThrow(rules, rawName, actor, 'package:read'));
    },

    async getHead(rules: EcosystemRules, rawName: string, actor: Actor): Promise<PackageHead> {
      return headOrThrow(rules, rawName, actor, 'package:read');
    },

    /** `countDownload`: a client fetches the file (GET), as opposed to checking it (HEAD). */
    async openArtifact(rules: EcosystemRules, rawName: string, filename: string, actor: Actor, options: { countDownload?: boolean } = {}): Promise<OpenedArtifact> {
      const name = normalizeForRead(rules, rawName);
      const row = await db
        .selectFrom('artifacts')
        .innerJoin('versions', 'versions.id', 'artifacts.version_id')
        .innerJoin('packages', 'packages.id', 'versions.package_id')
        .select(['packages.access', 'packages.id as package_id', 'versions.id as version_id', 'artifacts.blob_key', 'artifacts.size'])
        .where('packages.ecosystem', '=', rules.id)
        .where('packages.name', '=', name)
        .where('artifacts.filename', '=', filename)
        .where('versions.state', '!=', 'removed')
        .where('artifacts.removed_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw artifactNotFound();
      if (row.access !== 'public') {
        const head = await findHead(db, rules.id, name);
        if (!head) throw artifactNotFound();
        authorize(actor, 'package:read', { package: { name, ecosystem: head.ecosystem, access: head.access, ownerIds: head.ownerIds } });
      }
      if (options.countDownload) deps.downloads?.record({ packageId: row.package_id, versionId: row.version_id });
      const hot = blobCache.get(row.blob_key);
      if (hot) return { size: hot.length, sha256: row.blob_key, bytes: hot, stream: null };
      if (blobCache.admits(row.size)) {
        const bytes = await blobs.read(row.blob_key);
        if (!bytes) throw artifactNotFound();
        blobCache.set(row.blob_key, bytes);
        return { size: bytes.length, sha256: row.blob_key, bytes, stream: null };
      }
      const opened = await blobs.open(row.blob_key);
      if (!opened) throw artifactNotFound();
      return { size: opened.size, sha256: row.blob_key, bytes: null, stream: opened.stream };
    },

    async publish(actor: Actor, request: PublishRequest, keep: (path: string) => boolean): Promise<PublishResult> {
      return publish({ db, blobs, clock, maxArtifactBytes: deps.policy.maxArtifactBytes, stepUp: deps.stepUp }, actor, request, keep);
    },

    async setTag(rules: EcosystemRules, rawName: string, tag: string, version: string, actor: Actor): Promise<void> {
      checkTag(rules, tag);
      const head = await headOrThrow(rules, rawName, actor, 'package:tag');
      const row = await liveVersionOrThrow(head, version);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('dist_tags').where('package_id', '=', head.id).where('tag', '=', tag).execute();
        await trx.insertInto('dist_tags').values({ package_id: head.id, tag, version_id: row.id }).execute();
        await trx.updateTable('packages').set({ updated_at: clock.now().toISOString() }).where('id', '=', head.id).execute();
        await appendEvent(trx, clock, { type: 'tag:set', actor: eventActor(actor), packageId: head.id, subject: `${rules.id}:${head.name}`, data: { tag, version } });
      });
    },

    async removeTag(rules: EcosystemRules, rawName: string, tag: string, actor: Actor): Promise<void> {
      const head = await headOrThrow(rules, rawName, actor, 'package:tag');
      if (tag === rules.requiredTag) throw tagRequired(tag);
      await db.transaction().execute(async (trx) => {
        const result = await trx.deleteFrom('dist_tags').where('package_id', '=', head.id).where('tag', '=', tag).executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) throw tagNotFound(tag);
        await trx.updateTable('packages').set({ updated_at: clock.now().toISOString() }).where('id', '=', head.id).execute();
        await appendEvent(trx, clock, { type: 'tag:remove', actor: eventActor(actor), packageId: head.id, subject: `${rules.id}:${head.name}`, data: { tag } });
      });
    },

    /** Sets (message) or clears (null) deprecation messages; versions not named are untouched. */
    async deprecate(rules: EcosystemRules, rawName: string, changes: Map<string, string | null>, actor: Actor): Promise<number> {
      const head = await headOrThrow(rules, rawName, actor, 'package:deprecate');
      if (changes.size === 0) return 0;
      const rows = await db
        .selectFrom('versions')
        .select(['id', 'version', 'state', 'deprecated'])
        .where('package_id', '=', head.id)
        .where('version', 'in', [...changes.keys()])
        .execute();
      const applied: Array<{ id: number; version: string; message: string | null }> = [];
      for (const [version, message] of changes) {
        const row = rows.find((r) => r.version === version);
        if (!row || row.state === 'removed') throw versionNotFound(version);
        if (message !== null && message.length > 1024) {
          throw new BulwarkError('invalid', 'DEPRECATION_TOO_LONG', 'A deprecation message is at most 1024 characters.');
        }
        if ((row.deprecated ?? null) !== message) applied.push({ id: row.id, version, message });
      }
      if (applied.length === 0) return 0;
      await db.transaction().execute(async (trx) => {
        for (const change of applied) {
          await trx
            .updateTable('versions')
            .set({ deprecated: change.message, state: change.message === null ? 'active' : 'deprecated' })
            .where('id', '=', change.id)
            .execute();
          await appendEvent(trx, clock, {
            type: change.message === null ? 'version:undeprecate' : 'version:deprecate',
            actor: eventActor(actor),
            packageId: head.id,
            subject: `${rules.id}:${head.name}@${change.version}`,
            data: change.message === null ? {} : { message: change.message },
          });
        }
        await trx.updateTable('packages').set({ updated_at: clock.now().toISOString() }).where('id', '=', head.id).execute();
      });
      return applied.length;
    },

    /**
     * Unpublishes versions under the policy: within the window after publication, and only if
     * nothing else in the registry depends on them. A tombstone stays, so the number is never reused.
     */
    async unpublish(rules: EcosystemRules, rawName: string, versions: string[] | 'all', actor: Actor): Promise<void> {
      const head = await headOrThrow(rules, rawName, actor, 'package:unpublish');
      const live = await db
        .selectFrom('versions')
        .select(['id', 'version', 'published_at'])
        .where('package_id', '=', head.id)
        .where('state', '!=', 'removed')
        .execute();
      const targets = versions === 'all' ? live : versions.map((v) => live.find((r) => r.version === v) ?? throwNotFound(v));
      if (targets.length === 0) throw versionNotFound(versions === 'all' ? '*' : versions.join(', '));
      // Administrators may take down a version at any age (moderation); owners within the window.
      const isAdmin = can(actor, 'admin');
      const now = clock.now().getTime();
      for (const target of targets) {
        const ageHours = (now - Date.parse(target.published_at)) / 3_600_000;
        if (!isAdmin && ageHours > deps.policy.unpublishWindowHours) {
          throw unpublishWindowClosed(target.version, deps.policy.unpublishWindowHours);
        }
      }
      if (!deps.policy.unpublishWithDependents) {
        const dependents = await findDependents(db, rules.id, head.name, head.id);
        for (const target of targets) {
          const blocking = dependents.filter((d) => rules.rangeIncludes(d.range, target.version));
          if (blocking.length > 0) {
            throw unpublishHasDependents(target.version, [...new Set(blocking.map((d) => `${d.display_name}@${d.version}`))]);
          }
        }
      }
      const removedIds = targets.map((t) => t.id);
      const remaining = live.filter((r) => !removedIds.includes(r.id));
      const orphaned = await db.transaction().execute(async (trx) => {
        const at = clock.now().toISOString();
        await trx.updateTable('versions').set({ state: 'removed', removed_at: at }).where('id', 'in', removedIds).execute();
        const droppedTags = await trx
          .deleteFrom('dist_tags')
          .where('package_id', '=', head.id)
          .where('version_id', 'in', removedIds)
          .returning('tag')
          .execute();
        for (const target of targets) {
          await appendEvent(trx, clock, { type: 'version:unpublish', actor: eventActor(actor), packageId: head.id, subject: `${rules.id}:${head.name}@${target.version}` });
        }
        const required = rules.requiredTag;
        if (required && remaining.length > 0 && droppedTags.some((t) => t.tag === required)) {
          const highest = [...remaining].sort((a, b) => rules.compareVersions(b.version, a.version))[0]!;
          await trx.insertInto('dist_tags').values({ package_id: head.id, tag: required, version_id: highest.id }).execute();
          await appendEvent(trx, clock, { type: 'tag:set', actor: eventActor(actor), packageId: head.id, subject: `${rules.id}:${head.name}`, data: { tag: required, version: highest.version } });
        }
        if (remaining.length === 0) {
          await appendEvent(trx, clock, { type: 'package:unpublish', actor: eventActor(actor), packageId: head.id, subject: `${rules.id}:${head.name}` });
        }
        await trx.updateTable('packages').set({ updated_at: at }).where('id', '=', head.id).execute();
        // Bytes of removed versions go, unless a live file shares them.
        const orphans: string[] = [];
        for (const key of await blobKeysOfVersions(trx, removedIds)) {
          if (!(await isBlobLive(trx, key))) orphans.push(key);
        }
        return orphans;
      });
      for (const key of orphaned) {
        blobCache.delete(key);
        await blobs.delete(key);
      }
    },

    /**
     * Yanks (reason, possibly empty) or un-yanks (null) a version: it stays downloadable by an
     * exact pin but resolvers skip it. Owners and admins may.
     */
    async setYanked(rules: EcosystemRules, rawName: string, version: string, reason: string | null, actor: Actor): Promise<void> {
      const head = await headOrThrow(rules, rawName, actor, 'package:unpublish');
      const row = await liveVersionOrThrow(head, version);
      const yanking = reason !== null;
      if ((row.state === 'yanked') === yanking) throw versionYankState(version, yanking);
      if (reason !== null && reason.length > 1024) {
        throw new BulwarkError('invalid', 'YANK_REASON_TOO_LONG', 'A yank reason is at most 1024 characters.');
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('versions')
          .set({ state: yanking ? 'yanked' : 'active', yank_reason: reason })
          .where('id', '=', row.id)
          .execute();
        await trx.updateTable('packages').set({ updated_at: clock.now().toISOString() }).where('id', '=', head.id).execute();
        await appendEvent(trx, clock, {
          type: yanking ? 'version:yank' : 'version:unyank',
          actor: eventActor(actor),
          packageId: head.id,
          subject: `${rules.id}:${head.name}@${version}`,
          data: yanking ? { reason } : {},
        });
      });
    },

    /** A companion of an artifact (such as metadata extracted from it), by the role the adapter gave it. */
    async openCompanion(rules: EcosystemRules, rawName: string, filename: string, role: string, actor: Actor): Promise<OpenedArtifact> {
      const name = normalizeForRead(rules, rawName);
      const head = await findHead(db, rules.id, name);
      if (!head) throw artifactNotFound();
      authorize(actor, 'package:read', { package: { name, ecosystem: head.ecosystem, access: head.access, ownerIds: head.ownerIds } });
      const row = await db
        .selectFrom('artifacts')
        .innerJoin('versions', 'versions.id', 'artifacts.version_id')
        .select(['artifacts.metadata'])
        .where('versions.package_id', '=', head.id)
        .where('artifacts.filename', '=', filename)
        .where('artifacts.removed_at', 'is', null)
        .where('versions.state', '!=', 'removed')
        .executeTakeFirst();
      const key = row ? (JSON.parse(row.metadata) as { companions?: Record<string, string> }).companions?.[role] : undefined;
      if (!key) throw artifactNotFound();
      const bytes = blobCache.get(key) ?? (await blobs.read(key));
      if (!bytes) throw artifactNotFound();
      blobCache.set(key, bytes);
      return { size: bytes.length, sha256: key, bytes, stream: null };
    },

    /** Every package of an ecosystem the actor may see that has an installable version. */
    async listPackages(rules: EcosystemRules, actor: Actor): Promise<Array<{ name: string; displayName: string }>> {
      const rows = await db
        .selectFrom('packages')
        .select(['packages.name', 'packages.display_name'])
        .where('packages.ecosystem', '=', rules.id)
        .where((eb) => eb.exists(eb.selectFrom('versions').select('versions.id').whereRef('versions.package_id', '=', 'packages.id').where('versions.state', '!=', 'removed')))
        .where((eb) => visibleTo(eb, actor))
        .orderBy('packages.name', 'asc')
        .execute();
      return rows.map((r) => ({ name: r.name, displayName: r.display_name }));
    },

    async listOwners(rules: EcosystemRules, rawName: string, actor: Actor) {
      const head = await headOrThrow(rules, rawName, actor, 'package:read');
      return loadOwners(db, head.id);
    },

    /** Makes the owner list equal to `names`: adds and removes as needed, keeping at least one. */
    async setOwners(rules: EcosystemRules, rawName: string, names: string[], actor: Actor): Promise<void> {
      const head = await headOrThrow(rules, rawName, actor, 'package:owners');
      const wanted = [...new Set(names.map((n) => n.toLowerCase()))];
      if (wanted.length === 0) throw lastOwner();
      const users = await db.selectFrom('users').select(['id', 'name']).where('name', 'in', wanted).execute();
      for (const name of wanted) if (!users.some((u) => u.name === name)) throw ownerNotFound(name);
      const wantedIds = users.map((u) => u.id);
      const toAdd = users.filter((u) => !head.ownerIds.includes(u.id));
      const toRemove = head.ownerIds.filter((id) => !wantedIds.includes(id));
      if (toAdd.length === 0 && toRemove.length === 0) return;
      await db.transaction().execute(async (trx) => {
        const at = clock.now().toISOString();
        for (const user of toAdd) {
          await trx.insertInto('package_owners').values({ package_id: head.id, user_id: user.id, added_at: at }).execute();
          await appendEvent(trx, clock, { type: 'owner:add', actor: eventActor(actor), packageId: head.id, subject: `${rules.id}:${head.name}`, data: { user: user.name, userId: user.id } });
        }
        for (const id of toRemove) {
          await trx.deleteFrom('package_owners').where('package_id', '=', head.id).where('user_id', '=', id).execute();
          await appendEvent(trx, clock, { type: 'owner:remove', actor: eventActor(actor), packageId: head.id, subject: `${rules.id}:${head.name}`, data: { userId: id } });
        }
        await trx.updateTable('packages').set({ updated_at: at }).where('id', '=', head.id).execute();
      });
    },

    /** Packages whose name or current description matches, public ones and those the actor owns. */
    async search(text: string, options: SearchOptions, actor: Actor): Promise<{ total: number; hits: SearchHit[] }> {
      return searchPackages(db, text, options, actor);
    },

    /** Packages a user owns, for their profile page. */
    /**
     * The ids of a package's owners, by package id. No authorization: for the notifier, which
     * tells owners about changes to their package and gets the id from an event.
     */
    async ownerIdsOf(packageId: number): Promise<number[]> {
      const rows = await db.selectFrom('package_owners').select('user_id').where('package_id', '=', packageId).execute();
      return rows.map((r) => r.user_id);
    },

    async packagesOwnedBy(userId: number, actor: Actor) {
      const rows = await db
        .selectFrom('package_owners')
        .innerJoin('packages', 'packages.id', 'package_owners.package_id')
        .select(['packages.ecosystem', 'packages.display_name', 'packages.updated_at'])
        .where('package_owners.user_id', '=', userId)
        .where((eb) => visibleTo(eb, actor))
        .orderBy('packages.display_name', 'asc')
        .execute();
      return rows.map((r) => ({ ecosystem: r.ecosystem, name: r.display_name, updatedAt: r.updated_at }));
    },

  };

  function throwNotFound(version: string): never {
    throw versionNotFound(version);
  }
}

// Names already normalized, per ecosystem: validating a name is a measurable part of a cached read.
const NORMALIZED_CACHE_SIZE = 10_000;
const normalizedNames = new Map<string, string>();

/** A name that cannot be valid cannot exist: reads answer 404, not a validation error. */
function normalizeForRead(rules: EcosystemRules, rawName: string): string {
  const key = `${rules.id}\u0000${rawName}`;
  const known = normalizedNames.get(key);
  if (known !== undefined) return known;
  let name: string;
  try {
    name = rules.normalizeName(rawName);
  } catch (error) {
    if (error instanceof BulwarkError) throw packageNotFound();
    throw error;
  }
  if (normalizedNames.size >= NORMALIZED_CACHE_SIZE) normalizedNames.delete(normalizedNames.keys().next().value!);
  normalizedNames.set(key, name);
  return name;
}

export type RegistryService = ReturnType<typeof createRegistryService>;
export type { SearchHit };
