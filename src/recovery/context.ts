// What the recovery use cases share: their dependencies, the directory of accounts, the links,
// a mail helper that never lets one failed delivery stop the others, and the tracking of the
// work that runs after a request has been answered.
import type { RecoveryDeps } from './deps.js';
import { createDirectory } from './directory.js';
import { createLinks } from './links.js';
import type { Mail } from './notices.js';

export function createRecoveryContext(deps: RecoveryDeps) {
  const directory = createDirectory(deps.db);
  const links = createLinks(deps.db, deps.clock);
  const pending = new Set<Promise<void>>();

  async function mail(to: string, message: Mail): Promise<void> {
    try {
      await deps.mailer.send({ to, subject: message.subject, text: message.text });
    } catch (error) {
      deps.log?.error({ err: error, 'mail.subject': message.subject }, 'recovery mail could not be sent');
    }
  }

  /** Mails every verified address of the administrators, except those listed in `skip`. */
  async function mailAdmins(message: Mail, skip: readonly string[] = []): Promise<void> {
    const seen = new Set(skip.map((a) => a.toLowerCase()));
    for (const admin of await directory.admins()) {
      for (const address of admin.addresses) {
        if (seen.has(address.toLowerCase())) continue;
        seen.add(address.toLowerCase());
        await mail(address, message);
      }
    }
  }

  /** Runs work after the answer was sent; failures are logged, never thrown at anyone. */
  function inBackground(work: () => Promise<void>): void {
    const job: Promise<void> = work()
      .catch((error: unknown) => deps.log?.error({ err: error }, 'account recovery work failed'))
      .finally(() => pending.delete(job));
    pending.add(job);
  }

  async function settled(): Promise<void> {
    while (pending.size > 0) await Promise.all([...pending]);
  }

  return { ...deps, directory, links, mail, mailAdmins, inBackground, settled };
}

export type RecoveryContext = ReturnType<typeof createRecoveryContext>;
