// The mails recovery sends. Plain text, built from our own templates; user names and domains
// are checked values (names by the accounts rules, domains by the checker), never free text.
import type { DomainVerdict } from './email-domains.js';

export interface Mail {
  subject: string;
  text: string;
}

const REASONS: Record<string, string> = {
  nxdomain: 'the domain does not exist any more (NXDOMAIN)',
  'null-mx': 'the domain declares that it accepts no mail (null MX)',
  'no-mail-route': 'the domain has no mail server and no address',
  'mx-hosts-gone': 'the mail servers of the domain do not exist any more',
  'nameservers-gone': 'the nameservers of the domain do not exist any more',
  'registration-expired': 'the registration of the domain has expired',
};

export function describeReason(verdict: Pick<DomainVerdict, 'reason'>): string {
  return REASONS[verdict.reason] ?? verdict.reason;
}

export function recoveryLinkMail(input: { name: string; link: string; publicUrl: string; needsSecondFactor: boolean }): Mail {
  return {
    subject: 'Recover your Bulwark account',
    text: [
      `Hello ${input.name},`,
      '',
      `Someone (hopefully you) asked to recover the account "${input.name}" on ${input.publicUrl}.`,
      'To choose a new password, open this link within 30 minutes. It works once:',
      '',
      input.link,
      '',
      input.needsSecondFactor ? 'Your account uses two-factor authentication: you will also need a code from your authenticator app or one of your recovery codes.\n' : '',
      'If this was not you, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}

/** To the account's other addresses when one of its addresses sits on an abandoned domain. */
export function abandonedDomainOwnerMail(input: { name: string; address: string; verdict: DomainVerdict; publicUrl: string; refusedRecovery: boolean }): Mail {
  return {
    subject: 'An email address of your Bulwark account looks abandoned',
    text: [
      `Hello ${input.name},`,
      '',
      `The address ${input.address} of your account "${input.name}" on ${input.publicUrl} is on a domain that looks abandoned:`,
      `${describeReason(input.verdict)}.`,
      'Whoever registers the domain could receive mail for that address, so it is no longer used to recover the account.',
      input.refusedRecovery ? 'A recovery link was just requested for your account; it was not sent to that address.' : '',
      '',
      'Sign in and change the address, or ask an administrator for help.',
    ].join('\n'),
  };
}

/** To every administrator when an account is flagged. */
export function abandonedDomainAdminMail(input: { name: string; address: string; verdict: DomainVerdict; publicUrl: string; source: 'recovery' | 'job' }): Mail {
  return {
    subject: `Bulwark: account ${input.name} flagged (email domain abandoned)`,
    text: [
      `The account "${input.name}" on ${input.publicUrl} was flagged: its address ${input.address} is on the domain ${input.verdict.domain},`,
      `and ${describeReason(input.verdict)}${input.verdict.detail ? ` (${input.verdict.detail})` : ''}.`,
      input.source === 'recovery'
        ? 'Someone asked to recover the account by email just now; nothing was sent to that address (RECOVERY_EMAIL_DOMAIN_ABANDONED).'
        : 'The periodic check of email domains found this.',
      '',
      'Someone who registers the domain could try to take the account over. If the owner asks for help,',
      'verify their identity by other means before `bulwark user recover`.',
    ].join('\n'),
  };
}

/** To every administrator after an administrator recovery (the owner is told by the notifications). */
export function adminRecoveredMail(input: { name: string; adminName: string; reset: string[]; publicUrl: string }): Mail {
  return {
    subject: `Bulwark: account ${input.name} recovered by ${input.adminName}`,
    text: [
      `The administrator ${input.adminName} recovered the account "${input.name}" on ${input.publicUrl}.`,
      `Reset: ${input.reset.join(', ')}.`,
      'The reason is recorded in the recovery:admin event.',
    ].join('\n'),
  };
}
