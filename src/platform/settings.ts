// Values the registry generates once and keeps in its database (so every server sharing the
// database agrees on them), such as the secret that signs CSRF tokens.
import type { Kysely } from 'kysely';
import type { Database } from './db/index.js';
import { randomToken } from './crypto.js';

export async function loadOrCreateSetting(db: Kysely<Database>, key: string, create: () => string = () => randomToken(32)): Promise<string> {
  const existing = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  if (existing) return existing.value;
  await db.insertInto('settings').values({ key, value: create() }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}
