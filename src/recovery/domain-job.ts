// The periodic check of email domains: every account's verified addresses, each domain asked
// once per run. An abandoned domain flags the account (once per domain, until an administrator
// resolves it) and tells its other addresses and the administrators; unknown answers change
// nothing. The server runs it on a timer (BULWARK_DOMAIN_CHECK_INTERVAL_HOURS);
// `bulwark accounts check-domains` runs it once.
import type { RecoveryContext } from './context.js';
import { emailDomain, type DomainVerdict } from './email-domains.js';
import { rememberVerdict, reportAbandoned } from './abandoned.js';

const PAGE = 500;

export interface DomainCheckReport {
  accounts: number;
  domains: number;
  abandoned: Array<{ user: string; address: string; domain: string; reason: string; newlyFlagged: boolean }>;
  unknown: Array<{ domain: string; detail: string }>;
}

export function createDomainJob(ctx: RecoveryContext) {
  return {
    async run(): Promise<DomainCheckReport> {
      const verdicts = new Map<string, DomainVerdict>();
      const report: DomainCheckReport = { accounts: 0, domains: 0, abandoned: [], unknown: [] };
      let afterId = 0;
      for (;;) {
        const page = await ctx.directory.verifiedPage(afterId, PAGE);
        if (page.length === 0) break;
        afterId = page[page.length - 1]!.id;
        for (const account of page) {
          report.accounts++;
          const found: Array<{ address: string; verdict: DomainVerdict }> = [];
          for (const address of account.addresses) {
            const domain = emailDomain(address);
            if (!domain) continue;
            let verdict = verdicts.get(domain);
            if (!verdict) {
              verdict = await ctx.checker.check(domain);
              verdicts.set(domain, verdict);
              if (verdict.status !== 'abandoned') await rememberVerdict(ctx, verdict);
              if (verdict.status === 'unknown') report.unknown.push({ domain, detail: verdict.detail ?? verdict.reason });
            }
            found.push({ address, verdict });
          }
          const others = found.filter((f) => f.verdict.status !== 'abandoned').map((f) => f.address);
          for (const { address, verdict } of found.filter((f) => f.verdict.status === 'abandoned')) {
            const newlyFlagged = await reportAbandoned(ctx, { account, address, verdict, otherAddresses: others, source: 'job' });
            report.abandoned.push({ user: account.name, address, domain: verdict.domain, reason: verdict.reason, newlyFlagged });
          }
        }
      }
      report.domains = verdicts.size;
      return report;
    },
  };
}
