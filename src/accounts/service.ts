// Users, web sessions and CLI login requests. Passwords are argon2id hashes; session ids and
// CLI login secrets are stored only as sha256 digests of 256-bit random values.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { conflict, invalid, notFound } from '../platform/errors.js';
import { createAttemptLimiter, type AttemptLimiter } from '../platform/rate-limit/index.js';
import type { Logger } from '../platform/log.js';
import { randomToken, sha256Hex } from '../platform/crypto.js';
import { appendEvent } from '../events/index.js';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, prepareDummyHash, verifyPassword } from './passwords.js';
import { createBreachedPasswords, type BreachedPasswords } from './breached-passwords.js';
import { checkEmail, checkUserName } from './names.js';
import { rememberDevice, type DeviceInfo } from './devices.js';

export interface User {
  id: number;
  name: string;
  email: string;
  isAdmin: boolean;
  mustChangePassword: boolean;
  /** Whether `email` was proven by following a link sent to it (admin-made accounts count as proven). */
  emailVerified: boolean;
  /** The password was found in a breach corpus at sign-in: it must be changed before anything else. */
  passwordLeaked: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AccountsDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Failed-password counters and lockouts; an in-memory one when not given. */
  limiter?: AttemptLimiter;
  /** Leaked-password check for new passwords and at sign-in; none when not given. */
  breached?: BreachedPasswords;
  log?: Logger;
}

/** Where a credential check comes from: the client address counts toward per-IP limits. */
export interface AttemptContext {
  ip?: string | undefined;
}

/** The second factor a web session was opened with (or proved since); the policy reads it. */
export type SessionFactor = 'totp' | 'recovery-code' | 'security-key' | 'passkey';
const SESSION_FACTORS: readonly string[] = ['recovery-code', 'totp', 'security-key', 'passkey'];
const isSessionFactor = (value: string | null): value is SessionFactor => value !== null && SESSION_FACTORS.includes(value);
/** Phishing-resistant (WebAuthn) factors rank above codes; none at all is lowest. */
export const isPhishingResistantFactor = (factor: SessionFactor) => factor === 'security-key' || factor === 'passkey';
const factorStrength = (factor: SessionFactor | null) => (factor === null ? 0 : isPhishingResistantFactor(factor) ? 2 : 1);

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const CLI_LOGIN_TTL_MS = 10 * 60 * 1000;


/**
 * The subject every account event carries: `user:<name>` (the security log and the notifier
 * read it, with the id in `data.userId`). Read in the event's own transaction.
 */
async function userSubject(trx: Kysely<Database>, userId: number): Promise<string> {
  const row = await trx.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst();
  return `user:${row?.name ?? userId}`;
}

function toUser(row: {
  id: number;
  name: string;
  email: string;
  is_admin: number;
  must_change_password: number;
  email_verified_at: string | null;
  password_leaked_at?: string | null;
  created_at: string;
  updated_at: string;
}): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    isAdmin: row.is_admin === 1,
    mustChangePassword: row.must_change_password === 1,
    emailVerified: row.email_verified_at !== null,
    passwordLeaked: row.must_change_password === 1 && typeof row.password_leaked_at === 'string',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Length only (NIST 800-63B: no composition rules): what can be checked without the network. */
export function checkPasswordLength(password: string): void {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_LENGTH) {
    throw invalid('PASSWORD_TOO_SHORT', `A password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw invalid('PASSWORD_TOO_LONG', `A password must be at most ${MAX_PASSWORD_LENGTH} characters long.`);
  }
}

/**
 * Every new password (registration, change, admin-created account) passes here: 12 to 1024
 * characters, and not known from a breach (when a leaked-password check is configured).
 */
export async function checkNewPassword(password: string, breached?: BreachedPasswords): Promise<void> {
  checkPasswordLength(password);
  if (breached && (await breached.isLeaked(password)) === true) {
    throw invalid(
      'PASSWORD_LEAKED',
      'This password appears in a public list of passwords leaked from other sites, so attackers try it first. Please choose another one.',
    );
  }
}

export function createAccountsService({ db, clock, limiter = createAttemptLimiter({ store: { kind: 'memory' } }), breached, log }: AccountsDeps) {
  // The first unknown-user check must not be slower than later ones (hashing the dummy).
  prepareDummyHash();

  async function findSession(sessionId: string): Promise<{ user: User; secondFactor: SessionFactor | null } | null> {
    if (!sessionId || sessionId.length > 128) return null;
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.expires_at', 'sessions.second_factor'])
      .where('sessions.id_hash', '=', sha256Hex(sessionId))
      .executeTakeFirst();
    if (!row || row.expires_at <= isoNow(clock)) return null;
    return { user: toUser(row), secondFactor: isSessionFactor(row.second_factor) ? row.second_factor : null };
  }

  async function findUserRow(name: string) {
    return db.selectFrom('users').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst();
  }

  return {
    async countUsers(): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * Creates an account. Accounts an administrator makes (and the bootstrap admin) count as
     * verified; self-registration passes `emailVerified: false` and proves the address later.
     */
    async createUser(input: {
      name: string;
      email: string;
      password: string;
      isAdmin?: boolean;
      mustChangePassword?: boolean;
      createdBy?: number | null;
      emailVerified?: boolean;
    }): Promise<User> {
      const name = checkUserName(input.name);
      const email = checkEmail(input.email);
      await checkNewPassword(input.password, breached);
      const passwordHash = await hashPassword(input.password);
      const now = isoNow(clock);
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
        if (existing) throw conflict('USER_EXISTS', `The user name ${name} is taken.`);
        const row = await trx
          .insertInto('users')
          .values({
            name,
            email,
            password_hash: passwordHash,
            is_admin: input.isAdmin ? 1 : 0,
            must_change_password: input.mustChangePassword ? 1 : 0,
            email_verified_at: input.emailVerified === false ? null : now,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await appendEvent(trx, clock, {
          type: 'user:create',
          actor: { userId: input.createdBy ?? null },
          subject: `user:${name}`,
          data: { userId: row.id, admin: Boolean(input.isAdmin), emailVerified: input.emailVerified !== false },
        });
        return toUser(row);
      });
    },

    async getUserByName(name: string): Promise<User | null> {
      const row = await findUserRow(name);
      return row ? toUser(row) : null;
    },

    async getUserById(id: number): Promise<User | null> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async getUsersByIds(ids: readonly number[]): Promise<User[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('users').selectAll().where('id', 'in', [...ids]).execute();
      return rows.map(toUser);
    },

    /** The checks every new password passes (length, leaked), for forms that check before saving. */
    async checkNewPassword(password: string): Promise<void> {
      await checkNewPassword(password, breached);
    },

    /**
     * Checks a name and password. Unknown user and wrong password take the same time (one
     * argon2 verification each) and give the same answer; both count toward the lockout of
     * the name tried and of the client address, and a locked name is refused (429
     * TOO_MANY_ATTEMPTS) before any check, whether or not the account exists. Failures are
     * events against the name tried. A right password found in a breach signs in but forces
     * a change first (`mustChangePassword`, `passwordLeaked`).
     */
    async verifyCredentials(name: string, password: string, context: AttemptContext = {}): Promise<User | null> {
      const tried = typeof name === 'string' ? name.slice(0, 64) : '';
      const keys = { account: tried.toLowerCase(), ip: context.ip };
      await limiter.assertAllowed('password', keys);
      const row = tried !== '' && tried.length === String(name).length ? await findUserRow(tried) : undefined;
      const ok = await verifyPassword(row?.password_hash ?? null, typeof password === 'string' ? password : '');
      if (!row || !ok) {
        const outcome = await limiter.recordFailure('password', keys);
        await db.transaction().execute(async (trx) => {
          await appendEvent(trx, clock, {
            type: 'user:login-failed',
            actor: { userId: row?.id ?? null },
            subject: `user:${tried}`,
            data: row ? { userId: row.id } : {},
          });
          if (row && outcome.accountLockedForSeconds !== null) {
            await appendEvent(trx, clock, {
              type: 'user:locked',
              actor: { userId: null },
              subject: `user:${row.name}`,
              data: { userId: row.id, kind: 'password', seconds: outcome.accountLockedForSeconds },
            });
          }
        });
        return null;
      }
      await limiter.recordSuccess('password', keys);
      if (row.must_change_password === 1 || !breached) return toUser(row);
      if ((await breached.isLeaked(password)) !== true) return toUser(row);
      const now = isoNow(clock);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ must_change_password: 1, password_leaked_at: now, updated_at: now }).where('id', '=', row.id).execute();
        await appendEvent(trx, clock, { type: 'user:password-leaked', actor: { userId: row.id }, subject: `user:${row.name}`, data: { userId: row.id } });
      });
      log?.info({ 'user.id': row.id }, 'sign-in with a leaked password; a change is required');
      return toUser({ ...row, must_change_password: 1, password_leaked_at: now, updated_at: now });
    },

    async changePassword(userId: number, newPassword: string): Promise<void> {
      await checkNewPassword(newPassword, breached);
      const passwordHash = await hashPassword(newPassword);
      await db.transaction().execute(async (trx) => {
        const user = await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, must_change_password: 0, password_leaked_at: null, updated_at: isoNow(clock) })
          .where('id', '=', userId)
          .returning('name')
          .executeTakeFirstOrThrow();
        await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
        await appendEvent(trx, clock, { type: 'user:password-change', actor: { userId }, subject: `user:${user.name}`, data: { userId } });
      });
    },

    async isEmailVerified(userId: number): Promise<boolean> {
      const row = await db.selectFrom('users').select('email_verified_at').where('id', '=', userId).executeTakeFirst();
      return row?.email_verified_at != null;
    },

    /**
     * Notes that the user signed in (or got a CLI token) from this device; the first time a known
     * user is seen on a device, a `session:new-device` event (and so an email) follows.
     */
    async recordDevice(userId: number, device: DeviceInfo): Promise<void> {
      await db.transaction().execute((trx) => rememberDevice(trx, clock, userId, device));
    },

    // --- web sessions -------------------------------------------------------------------
    /** A web session; with the browser's `device` (user agent, IP), new devices are noted and notified. */
    async createSession(userId: number, device?: DeviceInfo, secondFactor: SessionFactor | null = null): Promise<{ sessionId: string; expiresAt: Date }> {
      const sessionId = randomToken(32);
      const expiresAt = new Date(clock.now().getTime() + SESSION_TTL_MS);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sessions')
          .values({
            id_hash: sha256Hex(sessionId),
            user_id: userId,
            created_at: isoNow(clock),
            expires_at: expiresAt.toISOString(),
            second_factor: secondFactor,
          })
          .execute();
        await appendEvent(trx, clock, { type: 'session:create', actor: { userId }, subject: await userSubject(trx, userId), data: { userId } });
        if (device) await rememberDevice(trx, clock, userId, device);
      });
      return { sessionId, expiresAt };
    },

    async userForSession(sessionId: string): Promise<User | null> {
      return (await findSession(sessionId))?.user ?? null;
    },

    /** A live session: its user, and the second factor proven in it (null: a password alone). */
    session: findSession,

    /**
     * A factor proven later in the session (enrolling one proves it): recorded unless the
     * session already holds one at least as strong.
     */
    async raiseSessionFactor(sessionId: string, factor: SessionFactor): Promise<void> {
      const current = await findSession(sessionId);
      if (!current || factorStrength(current.secondFactor) >= factorStrength(factor)) return;
      await db.updateTable('sessions').set({ second_factor: factor }).where('id_hash', '=', sha256Hex(sessionId)).execute();
    },

    async endSession(sessionId: string): Promise<void> {
      const row = await db.selectFrom('sessions').select('user_id').where('id_hash', '=', sha256Hex(sessionId)).executeTakeFirst();
      if (!row) return;
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sessions').where('id_hash', '=', sha256Hex(sessionId)).execute();
        await appendEvent(trx, clock, { type: 'user:logout', actor: { userId: row.user_id }, subject: await userSubject(trx, row.user_id), data: { userId: row.user_id } });
      });
    },

    // --- CLI web login (npm login --auth-type=web) ---------------------------------------
    /** Starts a login: `id` goes in the browser URL, `doneSecret` only to the polling CLI. */
    async startCliLogin(): Promise<{ id: string; doneSecret: string }> {
      const id = randomToken(24);
      const doneSecret = randomToken(32);
      const now = clock.now();
      await db
        .insertInto('cli_logins')
        .values({
          id,
          done_secret_hash: sha256Hex(doneSecret),
          user_id: null,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + CLI_LOGIN_TTL_MS).toISOString(),
          approved_at: null,
          consumed_at: null,
        })
        .execute();
      return { id, doneSecret };
    },

    async getCliLogin(id: string): Promise<{ id: string; pending: boolean } | null> {
      const row = await db.selectFrom('cli_logins').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row || row.expires_at <= isoNow(clock) || row.consumed_at) return null;
      return { id: row.id, pending: row.approved_at === null };
    },

    async approveCliLogin(id: string, userId: number): Promise<void> {
      const result = await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('cli_logins')
          .set({ user_id: userId, approved_at: isoNow(clock) })
          .where('id', '=', id)
          .where('approved_at', 'is', null)
          .where('consumed_at', 'is', null)
          .where('expires_at', '>', isoNow(clock))
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
        await appendEvent(trx, clock, { type: 'cli-login:approve', actor: { userId }, subject: await userSubject(trx, userId), data: { userId } });
        return true;
      });
      if (!result) throw notFound('CLI_LOGIN_NOT_FOUND', 'This login request has expired or was already used.');
    },

    /**
     * What the polling CLI learns: still pending, or the approving user (exactly once: the
     * request is consumed in the same statement, so two polls cannot both get a token).
     */
    async pollCliLogin(doneSecret: string): Promise<{ state: 'pending' } | { state: 'approved'; userId: number }> {
      const row = await db
        .selectFrom('cli_logins')
        .selectAll()
        .where('done_secret_hash', '=', sha256Hex(String(doneSecret)))
        .executeTakeFirst();
      if (!row || row.expires_at <= isoNow(clock) || row.consumed_at) {
        throw notFound('CLI_LOGIN_NOT_FOUND', 'This login request has expired or was already used.');
      }
      if (!row.approved_at || row.user_id === null) return { state: 'pending' };
      const consumed = await db
        .updateTable('cli_logins')
        .set({ consumed_at: isoNow(clock) })
        .where('id', '=', row.id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (Number(consumed.numUpdatedRows) !== 1) {
        throw notFound('CLI_LOGIN_NOT_FOUND', 'This login request has expired or was already used.');
      }
      return { state: 'approved', userId: row.user_id };
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
