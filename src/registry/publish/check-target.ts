// Step: name and version are valid, the caller may publish here, and the version is new forever.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { authorize, type Actor } from '../../auth/index.js';
import { findHead, findVersionRow } from '../repo.js';
import { versionExists, versionTombstoned } from '../errors.js';
import type { EcosystemRules, PackageHead } from '../types.js';

export interface PublishTarget {
  name: string;
  version: string;
  head: PackageHead | null;
}

export async function checkTarget(
  db: Kysely<Database>,
  rules: EcosystemRules,
  actor: Actor,
  rawName: string,
  rawVersion: string,
): Promise<PublishTarget> {
  const name = rules.normalizeName(rawName);
  const version = rules.checkVersion(rawVersion);
  const head = await findHead(db, rules.id, name);
  if (head) {
    authorize(actor, 'package:publish', { package: { name, access: head.access, ownerIds: head.ownerIds } });
    const existing = await findVersionRow(db, head.id, version);
    if (existing) throw existing.state === 'removed' ? versionTombstoned(version) : versionExists(version);
  } else {
    authorize(actor, 'package:create', { package: { name, access: 'public', ownerIds: [] } });
  }
  return { name, version, head };
}
