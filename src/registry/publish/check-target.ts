// Step: name and version are valid, the caller may publish here, and the version is new forever.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { authorize, type Actor } from '../../auth/index.js';
import { findFileByName, findHead, findVersionRow } from '../repo.js';
import { versionExists, versionTombstoned } from '../errors.js';
import { checkTag } from '../tags.js';
import type { EcosystemRules, PackageHead } from '../types.js';

export interface PublishTarget {
  name: string;
  version: string;
  head: PackageHead | null;
  /** Set when the file joins a version that already exists (ecosystems with many files per version). */
  existingVersionId: number | null;
  /** A file of the package that already had this name; the pipeline decides once it has hashed. */
  existingFile: { sha256: string; removed: boolean } | null;
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
    authorize(actor, 'package:publish', { package: { name, ecosystem: rules.id, access: head.access, ownerIds: head.ownerIds } });
    const existing = await findVersionRow(db, head.id, version);
    if (existing?.state === 'removed') throw versionTombstoned(version);
    if (existing && rules.filesPerVersion === 'one') throw versionExists(version);
    const existingFile = await findFileByName(db, head.id, filename);
    return { name, version, head, existingVersionId: existing?.id ?? null, existingFile };
  }
  authorize(actor, 'package:create', { package: { name, ecosystem: rules.id, access: 'public', ownerIds: [] } });
  return { name, version, head, existingVersionId: null, existingFile: null };
}
