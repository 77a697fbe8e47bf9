// Step: one transaction makes the version visible with its artifact, tags and events, or
// nothing at all. Unique keys settle races between two publishers of the same version.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Digests } from '../../platform/crypto.js';
import { appendEvent } from '../../events/index.js';
import { eventActor, type UserActor } from '../../auth/index.js';
import { fileExists, versionExists, packageConflict } from '../errors.js';
import type { PublishRequest } from '../types.js';
import type { PublishTarget } from './check-target.js';

const DEPENDENCY_CHUNK = 500;

export async function commitVersion(
  db: Kysely<Database>,
  clock: Clock,
  actor: UserActor,
  request: PublishRequest,
  target: PublishTarget,
  digests: Digests,
  metadata: Record<string, unknown>,
): Promise<{ packageId: number; created: boolean }> {
  const now = clock.now().toISOString();
  const ecosystem = request.rules.id;
  const subject = `${ecosystem}:${target.name}@${target.version}`;
  const by = eventActor(actor);
  try {
    return await db.transaction().execute(async (trx) => {
      let packageId = target.head?.id;
      const created = packageId === undefined;
      if (packageId === undefined) {
        const row = await trx
          .insertInto('packages')
          .values({
            ecosystem,
            name: target.name,
            display_name: request.name,
            access: request.access ?? 'public',
            created_at: now,
            updated_at: now,
            last_event_id: 0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        packageId = row.id;
        await trx.insertInto('package_owners').values({ package_id: packageId, user_id: actor.userId, added_at: now }).execute();
        await appendEvent(trx, clock, {
          type: 'package:create',
          actor: by,
          packageId,
          subject: `${ecosystem}:${target.name}`,
          data: { access: request.access ?? 'public' },
        });
      } else {
        const update: { updated_at: string; access?: string } = { updated_at: now };
        if (request.access && request.access !== target.head?.access) update.access = request.access;
        await trx.updateTable('packages').set(update).where('id', '=', packageId).execute();
        if (update.access) {
          await appendEvent(trx, clock, { type: 'package:access', actor: by, packageId, subject: `${ecosystem}:${target.name}`, data: { access: update.access } });
        }
      }
      let versionId = target.existingVersionId;
      if (versionId === null) {
        const inserted = await trx
          .insertInto('versions')
          .values({
            package_id: packageId,
            version: target.version,
            state: 'active',
            deprecated: null,
            manifest: JSON.stringify(request.manifest),
            summary: JSON.stringify(request.summary),
            readme: request.readme,
            description: request.description?.slice(0, 1024) ?? null,
            published_at: now,
            published_by: actor.userId,
            removed_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        versionId = inserted.id;
        // In chunks: one INSERT of thousands of rows would pass SQLite's bound-parameter limit.
        for (let i = 0; i < request.dependencies.length; i += DEPENDENCY_CHUNK) {
          await trx
            .insertInto('dependencies')
            .values(request.dependencies.slice(i, i + DEPENDENCY_CHUNK).map((d) => ({ version_id: versionId!, ecosystem, name: d.name, range: d.range, kind: d.kind })))
            .execute();
        }
      }
      await trx
        .insertInto('artifacts')
        .values({
          version_id: versionId,
          filename: request.artifact.filename,
          blob_key: digests.sha256,
          sha256: digests.sha256,
          sha512: digests.sha512,
          sha1: digests.sha1,
          size: request.artifact.bytes.length,
          created_at: now,
          metadata: JSON.stringify(metadata),
        })
        .execute();
      if (target.existingVersionId !== null) {
        await appendEvent(trx, clock, {
          type: 'file:upload',
          actor: by,
          packageId,
          subject,
          data: { filename: request.artifact.filename, sha256: digests.sha256, size: request.artifact.bytes.length },
        });
        return { packageId, created };
      }
      await appendEvent(trx, clock, {
        type: 'version:publish',
        actor: by,
        packageId,
        subject,
        data: { filename: request.artifact.filename, sha256: digests.sha256, size: request.artifact.bytes.length, tags: request.tags },
      });
      // A package always has its required tag (npm: latest): the first publish sets it whatever
      // tag it was published under.
      const tags = [...request.tags];
      const required = request.rules.requiredTag;
      if (required && !tags.includes(required)) {
        const has = await trx.selectFrom('dist_tags').select('tag').where('package_id', '=', packageId).where('tag', '=', required).executeTakeFirst();
        if (!has) tags.push(required);
      }
      for (const tag of tags) {
        await trx.deleteFrom('dist_tags').where('package_id', '=', packageId).where('tag', '=', tag).execute();
        await trx.insertInto('dist_tags').values({ package_id: packageId, tag, version_id: versionId }).execute();
        await appendEvent(trx, clock, { type: 'tag:set', actor: by, packageId, subject: `${ecosystem}:${target.name}`, data: { tag, version: target.version } });
      }
      return { packageId, created };
    });
  } catch (error) {
    // A unique key fired: someone else published the same package or version a moment ago.
    const message = String((error as Error).message);
    if (/unique|duplicate key/i.test(message)) {
      if (/artifacts/i.test(message)) throw fileExists(request.artifact.filename);
      throw target.head ? versionExists(target.version) : packageConflict('The package was created by another publish at the same moment; try again.');
    }
    throw error;
  }
}
