// The notification outbox: a reader of the append-only events table. Changes record their event
// in their own transaction (nothing to send is ever lost to a crash between change and mail);
// this reads the events after a stored cursor, mails each notice, then moves the cursor past
// the event. Delivery is at least once: a crash between sending and moving the cursor resends
// one event's mail. Servers sharing a database move the cursor with a compare-and-set, so when
// two run at once the one that loses stops its pass.
//
// Recipients are resolved when the mail is sent (a package's owners are its owners then) and
// only verified addresses get mail, except the old address of an address change. Addresses on a
// domain found abandoned get none (whoever registers the domain would read them); the notice
// stays in the owner's security log. An SMTP
// refusal of a recipient (5xx) is logged and skipped; any other failure stops the pass, and the
// next one retries from the same event.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/log.js';
import type { Mailer } from '../platform/mail/index.js';
import { listEvents, type StoredEvent } from '../events/index.js';
import type { AccountsService, User } from '../accounts/index.js';
import { mailText, noticeFor, type Audience } from './messages.js';

export const NOTIFICATION_CURSOR = 'email-notifications';
const BATCH = 100;

export interface NotifierDeps {
  db: Kysely<Database>;
  clock: Clock;
  mailer: Mailer;
  accounts: AccountsService;
  /** The ids of a package's owners (the registry's `ownerIdsOf`). */
  packageOwners(packageId: number): Promise<number[]>;
  publicUrl: string;
  /** Whether an address is on a domain found abandoned (recovery's `isAbandonedAddress`). */
  isAbandonedAddress?: (address: string) => Promise<boolean>;
  log?: Logger;
}

export interface ProcessOptions {
  /**
   * Leave events younger than this alone. PostgreSQL hands out ids before commit, so an event
   * may become visible after a later one; the timer waits a little so the cursor does not pass
   * it. Tests, driving the outbox right after a change has committed, use 0.
   */
  settleMs?: number;
}

function isPermanentRefusal(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function createNotifier({ db, clock, mailer, accounts, packageOwners, publicUrl, isAbandonedAddress, log }: NotifierDeps) {
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;

  async function cursor(): Promise<number> {
    const row = await db.selectFrom('outbox_cursors').select('last_event_id').where('name', '=', NOTIFICATION_CURSOR).executeTakeFirst();
    if (row) return row.last_event_id;
    await db.insertInto('outbox_cursors').values({ name: NOTIFICATION_CURSOR, last_event_id: 0 }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return 0;
  }

  async function advance(from: number, to: number): Promise<boolean> {
    const result = await db
      .updateTable('outbox_cursors')
      .set({ last_event_id: to })
      .where('name', '=', NOTIFICATION_CURSOR)
      .where('last_event_id', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async function recipients(audience: Audience[]): Promise<string[]> {
    const ids = new Set<number>();
    const names: string[] = [];
    const addresses: string[] = [];
    for (const who of audience) {
      if (who.kind === 'user') ids.add(who.userId);
      else if (who.kind === 'user-name') names.push(who.name);
      else if (who.kind === 'address') addresses.push(who.email);
      else for (const id of await packageOwners(who.packageId)) ids.add(id);
    }
    const users: User[] = await accounts.getUsersByIds([...ids]);
    for (const name of names) {
      const user = await accounts.getUserByName(name);
      if (user && !users.some((u) => u.id === user.id)) users.push(user);
    }
    const emails = [...users.filter((u) => u.emailVerified).map((u) => u.email), ...addresses];
    const seen = new Set<string>();
    return emails.filter((email) => {
      const key = email.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  async function actorName(event: StoredEvent): Promise<string | null> {
    if (event.actorUserId === null) return null;
    return (await accounts.getUserById(event.actorUserId))?.name ?? null;
  }

  /** Mails one event's notice; false when a transient failure should stop the pass. */
  async function deliver(event: StoredEvent): Promise<{ ok: boolean; sent: number }> {
    const notice = noticeFor(event);
    if (!notice) return { ok: true, sent: 0 };
    const text = mailText(notice, event, { actorName: await actorName(event), publicUrl });
    let sent = 0;
    for (const to of await recipients(notice.audience)) {
      if (await isAbandonedAddress?.(to)) {
        log?.warn({ 'event.id': event.id, 'mail.to': to }, 'notification not mailed: the address is on an abandoned domain');
        continue;
      }
      try {
        await mailer.send({ to, subject: notice.subject, text });
        sent++;
      } catch (error) {
        if (isPermanentRefusal(error)) {
          log?.warn({ err: error, 'event.id': event.id, 'mail.to': to }, 'notification refused by the mail server; skipped');
          continue;
        }
        log?.error({ err: error, 'event.id': event.id }, 'notification not sent; will retry');
        return { ok: false, sent };
      }
    }
    return { ok: true, sent };
  }

  async function pass(options: ProcessOptions): Promise<number> {
    const settleBefore = new Date(clock.now().getTime() - (options.settleMs ?? 0)).toISOString();
    let total = 0;
    for (;;) {
      const from = await cursor();
      const events = await listEvents(db, { afterId: from, limit: BATCH });
      let at = from;
      for (const event of events) {
        if (options.settleMs && event.createdAt > settleBefore) return total;
        const { ok, sent } = await deliver(event);
        total += sent;
        if (!ok) return total;
        if (!(await advance(at, event.id))) return total;
        at = event.id;
      }
      if (events.length < BATCH) return total;
    }
  }

  function processPending(options: ProcessOptions = {}): Promise<number> {
    const run = chain.then(() => pass(options));
    chain = run.catch(() => undefined);
    return run;
  }

  return {
    /**
     * Sends the mail of every event recorded so far that has not been handled; resolves with the
     * number of messages sent. Calls run one after another, each a full pass.
     */
    processPending,

    /** Runs passes on a timer (settling events for `settleMs`), until `stop`. */
    start(intervalMs: number, settleMs: number): void {
      if (timer) return;
      timer = setInterval(() => {
        processPending({ settleMs }).catch((error: unknown) => log?.error({ err: error }, 'notification pass failed'));
      }, intervalMs);
      timer.unref();
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await chain;
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
