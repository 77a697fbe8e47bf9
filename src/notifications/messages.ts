// Which events are worth an email to whom, and what it says. Pure: an event in, a notice (or
// nothing) out, so the mapping is testable without a database. Every notice goes to the people
// affected (the account's owner, or the owners of the package), names what happened, when and
// by whom, and says what to do if it was not them. Links go to the security log, never to an
// action: a notification must not be a phishing template.
import type { StoredEvent } from '../events/index.js';

/** Who a notice is for: users by id or name, a package's current owners, or a bare address. */
export type Audience =
  | { kind: 'user'; userId: number }
  | { kind: 'user-name'; name: string }
  | { kind: 'package-owners'; packageId: number }
  | { kind: 'address'; email: string };

export interface Notice {
  audience: Audience[];
  subject: string;
  /** Paragraphs of the body before the common footer. */
  lines: string[];
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** The account an account event is about: `data.userId`, else the name in `subject: 'user:<name>'`. */
function accountOf(event: StoredEvent): Audience[] {
  const id = num(event.data.userId);
  if (id !== null) return [{ kind: 'user', userId: id }];
  const name = event.subject.startsWith('user:') ? event.subject.slice('user:'.length) : null;
  if (name && !/^\d+$/.test(name)) return [{ kind: 'user-name', name }];
  if (event.actorUserId !== null) return [{ kind: 'user', userId: event.actorUserId }];
  return [];
}

function packageOwners(event: StoredEvent): Audience[] {
  return event.packageId !== null ? [{ kind: 'package-owners', packageId: event.packageId }] : [];
}

/** `npm:@acme/demo` → `@acme/demo (npm)`. */
function packageLabel(subject: string): string {
  const colon = subject.indexOf(':');
  return colon > 0 ? `${subject.slice(colon + 1)} (${subject.slice(0, colon)})` : subject;
}

const account = (event: StoredEvent, subject: string, ...lines: string[]): Notice => ({ audience: accountOf(event), subject, lines });

/**
 * The event types that send mail, and the notice of each. Recovery requests and refusals are not
 * here: the recovery feature mails those itself, and a refusal for an abandoned domain must not
 * go to that domain. Types of other parts (MFA, lockout,
 * recovery, policy) are mapped here too, so their events are mailed as soon as they are written.
 */
export const NOTICES: Partial<Record<string, (event: StoredEvent) => Notice | null>> = {
  'user:password-change': (e) => account(e, 'Your Bulwark password was changed', 'The password of your account was changed. Every web session was signed out.'),
  'user:email-change': (e) => {
    const from = str(e.data.from);
    const to = str(e.data.to) ?? 'a new address';
    // The old address is told (the account's own address is now the new one, which just proved itself).
    if (!from) return null;
    return {
      audience: [{ kind: 'address', email: from }],
      subject: 'The email address of your Bulwark account was changed',
      lines: [`The email address of the account ${e.subject.replace(/^user:/, '')} was changed from ${from} to ${to}. Mail about the account now goes to the new address.`],
    };
  },
  'session:new-device': (e) =>
    account(e, 'New sign-in to your Bulwark account', `Your account was signed in to from a device it had not been used from before: ${str(e.data.device) ?? 'unknown device'}${e.data.via === 'cli' ? ' (a command-line login token)' : ''}.`),
  'token:create': (e) => {
    // Tokens minted by trusted publishing live 15 minutes and are recorded with the publisher;
    // the publisher's creation was the notice.
    if (str(e.data.publisherId)) return null;
    const scope = str(e.data.permission) ?? (e.data.readonly === true ? 'read-only' : 'read-write');
    const expires = str(e.data.expiresAt);
    const name = str(e.data.name);
    return account(e, 'A new API token was created for your Bulwark account', `A new ${scope} API token${name ? ` "${name}"` : ''} (${e.subject.replace(/^token:/, '')}) was created${expires ? `, expiring ${expires}` : ''}.`);
  },
  'mfa:add': (e) =>
    account(e, 'A two-factor method was added to your Bulwark account', `A two-factor method was added: ${str(e.data.kind) ?? 'unknown kind'}${str(e.data.label) ? ` "${str(e.data.label)}"` : ''}.`),
  'mfa:remove': (e) =>
    account(e, 'A two-factor method was removed from your Bulwark account', `A two-factor method was removed${str(e.data.label) ? `: "${str(e.data.label)}"` : ''}.`),
  'mfa:recovery-codes': (e) =>
    e.data.action === 'used'
      ? account(e, 'A recovery code was used on your Bulwark account', `A recovery code was used in place of your second factor${typeof e.data.left === 'number' ? `; ${e.data.left} left` : ''}.`)
      : account(e, 'New recovery codes for your Bulwark account', 'New recovery codes were generated. The previous codes no longer work.'),
  'mfa:reset': (e) => account(e, 'The two-factor methods of your Bulwark account were reset', 'Every two-factor method of your account was removed by an administrator.'),
  'user:locked': (e) => account(e, 'Your Bulwark account was locked for a while', 'Too many wrong attempts were made to sign in to your account, so sign-in is paused for a while.'),
  'user:password-leaked': (e) =>
    account(e, 'Your Bulwark password appears in a data breach', 'Your password appears in a public list of leaked passwords. You must choose a new one at your next sign-in; do not reuse it anywhere.'),
  'recovery:complete': (e) => account(e, 'Your Bulwark account was recovered', 'Your account was recovered: its password or two-factor methods were reset through account recovery.'),
  'recovery:admin': (e) => account(e, 'An administrator recovered your Bulwark account', 'An administrator reset the sign-in methods of your account after a recovery request.'),
  'owner:add': (e) => {
    const added = num(e.data.userId);
    const name = str(e.data.user) ?? 'a user';
    const audience: Audience[] = [...packageOwners(e)];
    if (added !== null) audience.push({ kind: 'user', userId: added });
    else if (str(e.data.user)) audience.push({ kind: 'user-name', name });
    return { audience, subject: `Owner added to ${packageLabel(e.subject)}`, lines: [`${name} was added as an owner of ${packageLabel(e.subject)}.`] };
  },
  'owner:remove': (e) => {
    const removed = num(e.data.userId);
    const audience: Audience[] = [...packageOwners(e)];
    if (removed !== null) audience.push({ kind: 'user', userId: removed });
    return { audience, subject: `Owner removed from ${packageLabel(e.subject)}`, lines: [`An owner${removed !== null ? ` (user #${removed})` : ''} was removed from ${packageLabel(e.subject)}.`] };
  },
  'trust:add': (e) => ({
    audience: packageOwners(e),
    subject: `Trusted publisher added to ${packageLabel(e.subject)}`,
    lines: [
      `A trusted publisher (${str(e.data.provider) ?? 'unknown provider'}) was added to ${packageLabel(e.subject)}: CI runs matching ${JSON.stringify(e.data.claims ?? {})} can now publish it without a token.`,
    ],
  }),
  'package:critical': (e) =>
    e.data.critical === false
      ? null
      : {
          audience: packageOwners(e),
          subject: `${packageLabel(e.subject)} is now a critical package`,
          lines: [`${packageLabel(e.subject)} is now a critical package. The registry's MFA policy may require two-factor authentication of its maintainers.`],
        },
};

export function noticeFor(event: StoredEvent): Notice | null {
  const build = NOTICES[event.type];
  if (!build) return null;
  const notice = build(event);
  return notice && notice.audience.length > 0 ? notice : null;
}

/** The full text of a notice's mail. */
export function mailText(notice: Notice, event: StoredEvent, context: { actorName: string | null; publicUrl: string }): string {
  return [
    ...notice.lines,
    '',
    `When: ${event.createdAt}`,
    ...(context.actorName ? [`By: ${context.actorName}`] : []),
    '',
    'If this was you, there is nothing to do.',
    'If it was not, change your password, review your two-factor methods and tokens, and contact the administrators of this registry.',
    `Your account's security log: ${context.publicUrl}/account/security`,
  ].join('\n');
}
