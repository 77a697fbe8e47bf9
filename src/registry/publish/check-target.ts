// Step: name and version are valid, the caller may publish here, and the version is new forever.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { authorize, type Actor } from '../../auth/index.js';
import { findHead, findVersionRow, isFilenameUsed } from '../repo.js';
import { fileExists, versionExists, versionTombstoned } from '../errors.js';
import { checkTag } from '../tags.js';
import type { EcosystemRules, PackageHead } from '../types.js';

export interface PublishTarget {
  name: string;
  version: string;
  head: PackageHead | null;
  /** Set when the file joins a version that already exists (ecosystems with many files per version). */
  existingVersionId: number | null;
}

export async function checkTarget(
  db: Kysely<Database>,
  rules: EcosystemRules,
  actor: Actor,
  rawName: string,
  rawVersion: string,
  filename: string,
  tags: string[],
): Promise<PublishTarget> {
  const name = rules.normalizeName(rawName);
  const version = rules.checkVersion(rawVersion);
  for (const tag of tags) checkTag(rules, tag);
  const head = await findHead(db, rules.id, name);
  if (head) {
    authorize(actor, 'package:publish', { package: { name, access: head.access, ownerIds: head.ownerIds } });
    const existing = await findVersionRow(db, head.id, version);
    if (existing?.state === 'removed') throw versionTombstoned(version);
    if (existing && rules.filesPerVersion === 'one') throw versionExists(version);
    // A filename names one set of bytes forever, even after its file or version was removed.
    if (await isFilenameUsed(db, head.id, filename)) throw fileExists(filename);
    return { name, version, head, existingVersionId: existing?.id ?? null };
  }
  authorize(actor, 'package:create', { package: { name, access: 'public', ownerIds: [] } });
  return { name, version, head, existingVersionId: null };
}
