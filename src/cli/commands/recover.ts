// `bulwark user recover` (administrator-assisted recovery) and `bulwark accounts
// check-domains` (one run of the abandoned-email-domain check). Policy:
// docs/security/account-recovery.md.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { systemClock } from '../../platform/clock.js';
import { openRecoveryService } from '../../recovery/index.js';
import { withDatabase } from '../database.js';

interface RecoverOptions {
  by: string;
  reason: string;
  keepMfa?: boolean;
  revokeTokens?: boolean;
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export function registerUserRecoverCommand(user: Command): void {
  user
    .command('recover')
    .description("Recover a user's account after checking their identity yourself: one-time password, sessions ended, MFA reset.")
    .argument('<name>', 'the account to recover')
    .requiredOption('--by <admin>', 'the administrator account doing the recovery (recorded)')
    .requiredOption('--reason <text>', 'why, for the audit trail (e.g. a ticket number and how identity was checked)')
    .option('--keep-mfa', 'keep the MFA factors (the owner still has one and lost only the password)')
    .option('--revoke-tokens', 'also revoke every API token of the account (suspected takeover)')
    .addHelpText(
      'after',
      `
Checking who is asking is up to you: this command is what a social engineer wants run.
The one-time password goes to standard output, once; the owner must replace it at sign-in.
Recorded as a recovery:admin event (administrator, reason, OS user, what was reset); the
account's addresses and every administrator are emailed.
  bulwark user recover alice --by admin --reason "ticket 4711, identity checked by video call"`,
    )
    .action(async (name: string, options: RecoverOptions) => {
      const result = await withDatabase(async (db, config) => {
        const { recovery, close } = await openRecoveryService(db, config, systemClock);
        try {
          return await recovery.adminRecover({
            name,
            by: options.by,
            reason: options.reason,
            keepMfa: options.keepMfa === true,
            revokeTokens: options.revokeTokens === true,
            osUser: osUser(),
          });
        } finally {
          await close();
        }
      });
      process.stderr.write(`Recovered ${result.userName}; reset: ${result.reset.join(', ')}. One-time password:\n`);
      process.stdout.write(`${result.oneTimePassword}\n`);
    });
}

export function registerAccountsCommand(program: Command): void {
  const accounts = program.command('accounts').description('Checks over every account.');
  accounts
    .command('check-domains')
    .description("Check the domains of every account's verified email addresses; flag accounts whose domain is abandoned.")
    .addHelpText(
      'after',
      `
Uses BULWARK_DNS_SERVERS, BULWARK_DNS_TIMEOUT_MS and BULWARK_RDAP_URL. An abandoned domain
(NXDOMAIN, no mail route, nameservers gone, registration expired) flags the account once and
mails its other addresses and the administrators. Lookups that fail count as unknown and
change nothing. Exit status 0 either way; the report lists what was found.`,
    )
    .action(async () => {
      const report = await withDatabase(async (db, config) => {
        const { recovery, close } = await openRecoveryService(db, config, systemClock);
        try {
          return await recovery.checkEmailDomains();
        } finally {
          await close();
        }
      });
      const lines = [`Checked ${report.domains} domain(s) of ${report.accounts} account(s).`];
      for (const a of report.abandoned) lines.push(`abandoned: ${a.user} <${a.address}>: ${a.reason}${a.newlyFlagged ? ' (flagged now)' : ' (already flagged)'}`);
      for (const u of report.unknown) lines.push(`unknown: ${u.domain}: ${u.detail}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
