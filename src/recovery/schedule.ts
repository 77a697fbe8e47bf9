// The periodic email-domain check inside a running server: one run per interval (the first one
// interval after start, so starting a server never waits on DNS), never two runs at once, the
// timer unref'd so it never keeps a process alive.
import type { Logger } from '../platform/log.js';
import type { DomainCheckReport } from './domain-job.js';

export interface DomainCheckSchedule {
  stop(): Promise<void>;
}

export function scheduleDomainChecks(run: () => Promise<DomainCheckReport>, intervalHours: number, log?: Logger): DomainCheckSchedule {
  if (!(intervalHours > 0)) return { async stop() {} };
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = run()
      .then((report) =>
        log?.info({ 'domains.checked': report.domains, 'accounts.checked': report.accounts, 'domains.abandoned': report.abandoned.length, 'domains.unknown': report.unknown.length }, 'email domain check finished'),
      )
      .catch((error: unknown) => log?.error({ err: error }, 'email domain check failed'))
      .finally(() => {
        running = null;
      });
  }, intervalHours * 3600 * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
