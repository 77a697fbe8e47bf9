// A generated one-time password, for administrator-assisted recovery: the account's password is
// replaced by random text shown once to the administrator, every session of the user ends, and
// the next sign-in must choose a new password before anything else (as with the bootstrap
// admin's generated password). Runs inside the caller's transaction, so the recovery's audit
// event and the reset commit together.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { randomToken } from '../platform/crypto.js';
import { hashPassword } from './passwords.js';

/** 144 random bits: 24 URL-safe characters, within every password rule. */
export function generateOneTimePassword(): string {
  return randomToken(18);
}

/** Stores `password` (from generateOneTimePassword, hashed first) as a must-change password and ends every session. */
export async function setOneTimePassword(trx: Transaction<Database> | Kysely<Database>, clock: Clock, userId: number, passwordHash: string): Promise<void> {
  // A generated password is not a leaked one: the leak mark (if any) goes with the old password.
  await trx.updateTable('users').set({ password_hash: passwordHash, must_change_password: 1, password_leaked_at: null, updated_at: isoNow(clock) }).where('id', '=', userId).execute();
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export { hashPassword as hashOneTimePassword };
