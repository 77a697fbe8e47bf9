// Read-only lookups of accounts and their verified addresses. The accounts feature owns the
// `users` table; recovery only reads it (names, addresses, verification, admin rights), and
// writes to accounts only through the accounts service.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';

export interface AccountContact {
  id: number;
  name: string;
  isAdmin: boolean;
  /** Verified addresses only: an unverified address never receives a recovery link or notice. */
  addresses: string[];
}

type Row = { id: number; name: string; email: string; is_admin: number; email_verified_at: string | null };

function toContact(row: Row): AccountContact {
  return { id: row.id, name: row.name, isAdmin: row.is_admin === 1, addresses: row.email_verified_at ? [row.email] : [] };
}

const COLUMNS = ['id', 'name', 'email', 'is_admin', 'email_verified_at'] as const;

export function createDirectory(db: Kysely<Database>) {
  return {
    /** Accounts a recovery request names: by user name, or by address (case-insensitive). */
    async find(identifier: string): Promise<AccountContact[]> {
      const query = db.selectFrom('users').select(COLUMNS);
      const rows = identifier.includes('@')
        ? await query.where(sql<string>`lower(email)`, '=', identifier).orderBy('id').limit(10).execute()
        : await query.where('name', '=', identifier).execute();
      return rows.map(toContact);
    },

    async byId(id: number): Promise<AccountContact | null> {
      const row = await db.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst();
      return row ? toContact(row) : null;
    },

    async admins(): Promise<AccountContact[]> {
      const rows = await db.selectFrom('users').select(COLUMNS).where('is_admin', '=', 1).orderBy('id').execute();
      return rows.map(toContact);
    },

    /** Every account with a verified address, a page at a time (the periodic domain check). */
    async verifiedPage(afterId: number, limit: number): Promise<AccountContact[]> {
      const rows = await db
        .selectFrom('users')
        .select(COLUMNS)
        .where('email_verified_at', 'is not', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toContact);
    },
  };
}

export type Directory = ReturnType<typeof createDirectory>;
