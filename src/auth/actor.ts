import type { TokenScope } from '../tokens/index.js';

/** Who is making a request, as every feature sees it. Built by authentication, read by the policy. */
export type Actor = AnonymousActor | UserActor;

export interface AnonymousActor {
  kind: 'anonymous';
}

export interface UserActor {
  kind: 'user';
  userId: number;
  name: string;
  isAdmin: boolean;
  /** How the request proved who it is. */
  via: 'token' | 'session' | 'password';
  tokenId: string | null;
  /** A read-only token may read what its user can, and change nothing. */
  readonly: boolean;
  /** The token's narrowing of the user's rights; null when not signed in with a token. */
  scope: TokenScope | null;
  /**
   * Whether the user's email address is verified. Only `false` restricts (no publishing, no new
   * tokens); the authenticator always sets it.
   */
  emailVerified?: boolean;
  /** The trusted publisher a minted token was issued for (a CI run, not a person, is acting); null otherwise. */
  publisherId?: string | null;
  /**
   * The second factor the request carries (npm's `npm-otp` header) and the caller's address,
   * checked by the MFA policy only when a change needs it; `verified` keeps the outcome for the
   * rest of the request, since a one-time password is accepted once.
   */
  secondFactor?: SecondFactorProof;
}

export interface SecondFactorProof {
  otp: string | null;
  ip: string | null;
  verified?: { phishingResistant: boolean };
}

export const anonymous: AnonymousActor = Object.freeze({ kind: 'anonymous' });

export function eventActor(actor: Actor): { userId: number | null; tokenId: string | null } {
  return actor.kind === 'user' ? { userId: actor.userId, tokenId: actor.tokenId } : { userId: null, tokenId: null };
}
