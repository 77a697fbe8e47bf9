// The one place authorization is decided. Deny by default: an action not listed here is refused.
import type { Actor, UserActor } from './actor.js';
import { BulwarkError } from '../platform/errors.js';
import { isUnrestricted, tokenAllowsPackage } from '../tokens/index.js';

export type Action =
  | 'package:read'
  | 'package:create'
  | 'package:publish'
  | 'package:tag'
  | 'package:deprecate'
  | 'package:unpublish'
  | 'package:owners'
  | 'account:read'
  | 'account:tokens'
  | 'admin';

export interface PackageResource {
  name: string;
  /** The package's ecosystem, for tokens limited to one. */
  ecosystem?: string;
  access: 'public' | 'restricted';
  ownerIds: readonly number[];
}

export type Resource = { package: PackageResource } | { user: { id: number } } | Record<string, never>;

const isOwner = (actor: UserActor, resource: Resource) =>
  'package' in resource && resource.package.ownerIds.includes(actor.userId) && tokenReaches(actor, resource.package);

// A token limited to some packages acts, for every other package, as if its user had no rights.
const tokenReaches = (actor: UserActor, pkg: PackageResource) =>
  actor.scope === null || tokenAllowsPackage(actor.scope, pkg.name, pkg.ecosystem);

// Changes beyond adding versions: refused to read-only and publish-only tokens.
const canManage = (actor: UserActor) => !actor.readonly && actor.scope?.permission !== 'publish';

// Admin rights pass only through a session, a password, or a token as wide as its user
// (the authenticator clears isAdmin for narrower tokens; this keeps the rule local too).
const isAdmin = (actor: UserActor) => actor.isAdmin && isUnrestricted(actor.scope);

// A self-registered account whose address is not proven yet can sign in and read, not publish
// or mint credentials (an unverifiable address could never be used to recover or warn it).
const NEEDS_VERIFIED_EMAIL: ReadonlySet<Action> = new Set<Action>(['package:create', 'package:publish', 'account:tokens']);
const verified = (actor: UserActor) => actor.emailVerified !== false;

const rules: Record<Action, (actor: UserActor, resource: Resource) => boolean> = {
  // Reads of public packages are decided before the user check below; this rule covers restricted ones.
  'package:read': (actor, resource) => isAdmin(actor) || isOwner(actor, resource),
  'package:create': (actor, resource) =>
    !actor.readonly && verified(actor) && 'package' in resource && tokenReaches(actor, resource.package),
  'package:publish': (actor, resource) => !actor.readonly && verified(actor) && isOwner(actor, resource),
  'package:tag': (actor, resource) => canManage(actor) && isOwner(actor, resource),
  'package:deprecate': (actor, resource) => canManage(actor) && (isOwner(actor, resource) || isAdmin(actor)),
  'package:unpublish': (actor, resource) => canManage(actor) && (isOwner(actor, resource) || isAdmin(actor)),
  'package:owners': (actor, resource) => canManage(actor) && (isOwner(actor, resource) || isAdmin(actor)),
  'account:read': (actor, resource) => 'user' in resource && resource.user.id === actor.userId,
  'account:tokens': (actor, resource) => canManage(actor) && verified(actor) && 'user' in resource && resource.user.id === actor.userId,
  admin: (actor) => isAdmin(actor),
};

export function can(actor: Actor, action: Action, resource: Resource = {}): boolean {
  if (action === 'package:read' && 'package' in resource && resource.package.access === 'public') return true;
  if (actor.kind !== 'user') return false;
  const rule = rules[action];
  return rule ? rule(actor, resource) : false;
}

/**
 * Throws the refusal a client should see. An anonymous caller is told to authenticate; a
 * signed-in one that may not even read the package is told it does not exist (no enumeration).
 */
export function authorize(actor: Actor, action: Action, resource: Resource = {}): asserts actor is Actor {
  if (can(actor, action, resource)) return;
  requireUser(actor);
  if ('package' in resource && !can(actor, 'package:read', resource)) {
    throw new BulwarkError('not_found', 'PACKAGE_NOT_FOUND', 'Package not found.');
  }
  if (actor.readonly) {
    throw new BulwarkError('forbidden', 'TOKEN_READ_ONLY', 'This token is read-only.');
  }
  if (actor.emailVerified === false && NEEDS_VERIFIED_EMAIL.has(action)) {
    throw new BulwarkError('forbidden', 'EMAIL_NOT_VERIFIED', 'Verify your email address first: follow the link we mailed you (or ask for a new one on /account/email).');
  }
  throw new BulwarkError('forbidden', 'NOT_PERMITTED', `You are not allowed to ${describe(action)}.`);
}

/**
 * What a route may declare as its `config.action`: a policy action, `public` (no identity
 * needed), or `user` (any signed-in user). Package actions are decided by the services, which
 * know the package; account and admin actions need a user before the handler runs at all.
 */
export const routeActions = ['public', 'user', ...(Object.keys(rules) as Action[])] as const;

export function isRouteAction(value: unknown): boolean {
  return typeof value === 'string' && (routeActions as readonly string[]).includes(value);
}

export function routeNeedsUser(action: string): boolean {
  return action === 'user' || action === 'admin' || action.startsWith('account:');
}

/** Whether the actor may read every package (lists then need no visibility filter). */
export function readsEveryPackage(actor: Actor): boolean {
  return actor.kind === 'user' && isAdmin(actor);
}

/** Refuses anyone not signed in; afterwards the actor is known to be a user. */
export function requireUser(actor: Actor): asserts actor is UserActor {
  if (actor.kind !== 'user') {
    throw new BulwarkError('unauthenticated', 'AUTH_REQUIRED', 'You must be logged in to do this.');
  }
}

function describe(action: Action): string {
  switch (action) {
    case 'package:publish':
      return 'publish this package';
    case 'package:tag':
      return 'change the tags of this package';
    case 'package:deprecate':
      return 'deprecate versions of this package';
    case 'package:unpublish':
      return 'unpublish this package';
    case 'package:owners':
      return 'change the owners of this package';
    default:
      return 'do this';
  }
}
