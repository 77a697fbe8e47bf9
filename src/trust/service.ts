// Trusted publishing, ecosystem-neutral: package owners name the CI identities (a GitHub
// workflow, a GitLab pipeline…) allowed to publish their package; a CI job trades the OIDC ID
// token its platform gives it for a short-lived registry token limited to those packages.
// Ecosystems speak the wire protocols (their token-exchange endpoints) and call this.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { decodeJwt, type JWTVerifyGetKey } from 'jose';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { BulwarkError } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';
import { authorize, eventActor, type Actor } from '../auth/index.js';
import type { TokensService } from '../tokens/index.js';
import {
  claimsInvalid,
  issuerUnavailable,
  issuerUnknown,
  noPublisher,
  permissionsInvalid,
  providerInvalid,
  publisherExists,
  publisherLimit,
  publisherNotFound,
  tokenMalformed,
  tokenReused,
} from './errors.js';
import { findIssuer, type IssuerSettings } from './issuers.js';
import { createKeyResolver, type KeyResolverOptions } from './jwks.js';
import { isProvider, providers, type Provider, type PublisherConfig } from './providers/index.js';
import {
  activePublisher,
  activePublishersOf,
  anyPublisherOfIssuer,
  claimJti,
  findCandidates,
  insertPublisher,
  markRevoked,
  mintedBy,
  pruneExpired,
  recordMinted,
  type PublisherRow,
  activePublisherById,
} from './repo.js';
import { LEEWAY_SECONDS, verifyIdToken } from './verify.js';

/** The package a publisher belongs to, as the caller has it from the registry (a PackageHead fits). */
export interface TrustPackage {
  id: number;
  ecosystem: string;
  /** The normalized name, as the registry stores it. */
  name: string;
  access: 'public' | 'restricted';
  ownerIds: readonly number[];
}

export interface PublisherView {
  id: string;
  packageId: number;
  provider: Provider;
  /** The `iss` its tokens must come from. */
  issuer: string;
  /** The provider's config, normalized (e.g. GitHub `{repository, workflow, environment?}`). */
  claims: PublisherConfig;
  permissions: string[];
  createdBy: number;
  createdAt: string;
}

export interface NewPublisher {
  package: TrustPackage;
  provider: unknown;
  /** The provider's config; may name an `issuer` (default: the provider's public one, if configured). */
  claims: unknown;
  /** Names the ecosystem gives meaning to (npm: `createPackage`); `exchange` can require one. */
  permissions?: unknown;
}

export interface ExchangeRequest {
  /** The OIDC ID token (a JWT) the CI issued. */
  idToken: string;
  /** The audience the ecosystem expects in it, e.g. `npm:registry.example.com`. */
  audience: string;
  /** Only publishers of this ecosystem's packages are considered. */
  ecosystem: string;
  /** The normalized package name: only its publishers. Unset: every package a matching publisher may publish. */
  packageName?: string | undefined;
  /** A permission the publisher must grant (see NewPublisher.permissions). */
  permission?: string | undefined;
}

export interface ExchangeResult {
  /** The registry token, shown once. */
  token: string;
  tokenId: string;
  expiresAt: string;
  /** Normalized names of the packages the token may publish. */
  packages: string[];
  /** The publishers the token was minted for (one per package). */
  publisherIds: string[];
  provider: Provider;
}

export interface TrustDeps {
  db: Kysely<Database>;
  clock: Clock;
  tokens: TokensService;
  /** BULWARK_OIDC_ISSUERS. */
  issuers: IssuerSettings;
  /** Limits of the JWKS fetches (defaults: 5 s, 256 KiB). */
  fetch?: KeyResolverOptions;
}

/** Minted tokens last 15 minutes, as public registries' do: long enough to upload, short if leaked. */
export const MINTED_TOKEN_SECONDS = 900;
const MAX_PUBLISHERS_PER_PACKAGE = 20;
const MAX_ID_TOKEN_LENGTH = 16 * 1024;
const PERMISSION = /^[A-Za-z][A-Za-z0-9:_-]{0,63}$/;

export function createTrustService({ db, clock, tokens, issuers, fetch }: TrustDeps) {
  const keyResolver = createKeyResolver(fetch);

  const resourceOf = (pkg: TrustPackage) => ({ package: { name: pkg.name, ecosystem: pkg.ecosystem, access: pkg.access, ownerIds: pkg.ownerIds } });

  /** The issuer a new publisher trusts: the one its config names, else its provider's public one, else the only one configured. */
  function issuerFor(provider: Provider, config: PublisherConfig, requested: unknown): string {
    if (requested !== undefined && requested !== null) {
      const found = typeof requested === 'string' ? findIssuer(issuers, requested) : null;
      if (!found || found.setting.provider !== provider) throw claimsInvalid(`\`issuer\` must be an OIDC issuer this registry trusts for ${provider}.`);
      return found.iss;
    }
    const canonical = providers[provider].canonicalIssuer(config);
    if (findIssuer(issuers, canonical)?.setting.provider === provider) return canonical;
    const own = Object.entries(issuers).filter(([iss, setting]) => setting.provider === provider && !iss.endsWith('/*'));
    if (own.length === 1) return own[0]![0];
    throw claimsInvalid(
      own.length === 0
        ? `This registry trusts no OIDC issuer for ${provider}.`
        : `Several OIDC issuers are trusted for ${provider}: name one in \`issuer\`.`,
    );
  }

  function parsePermissions(raw: unknown): string[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw) || raw.length > 8 || !raw.every((p) => typeof p === 'string' && PERMISSION.test(p))) throw permissionsInvalid();
    return [...new Set(raw as string[])];
  }

  return {
    /** Whether any issuer is configured; with none, exchanges always fail ("not enabled"). */
    enabled: Object.keys(issuers).length > 0,

    /** Adds a publisher to a package; its owners only. */
    async addPublisher(input: NewPublisher, actor: Actor): Promise<PublisherView> {
      const pkg = input.package;
      authorize(actor, 'package:owners', resourceOf(pkg));
      if (actor.kind !== 'user') throw new Error('unreachable: authorize admits only users here');
      // Minted tokens act as the publisher's creator (see exchange), so the creator must be an
      // owner: an administrator who is not would hand CI a token that cannot publish but
      // carries administrator rights.
      if (!pkg.ownerIds.includes(actor.userId)) {
        throw new BulwarkError('forbidden', 'NOT_PERMITTED', 'Only an owner of the package can add a trusted publisher to it.');
      }
      if (!isProvider(input.provider)) throw providerInvalid();
      const provider = input.provider;
      if (typeof input.claims !== 'object' || input.claims === null || Array.isArray(input.claims)) {
        throw claimsInvalid('claims must be an object of the provider’s fields.');
      }
      const { issuer: requestedIssuer, ...fields } = input.claims as Record<string, unknown>;
      const config = providers[provider].parseConfig(fields);
      const issuer = issuerFor(provider, config, requestedIssuer);
      const permissions = parsePermissions(input.permissions);

      const existing = await activePublishersOf(db, pkg.id);
      const stored = JSON.stringify(config);
      if (existing.some((row) => row.provider === provider && row.issuer === issuer && row.claims === stored)) throw publisherExists();
      if (existing.length >= MAX_PUBLISHERS_PER_PACKAGE) throw publisherLimit(MAX_PUBLISHERS_PER_PACKAGE);

      const row: PublisherRow = {
        // Hex, not a UUID: npm redacts UUID-shaped text in its output, and `npm trust revoke --id` needs it.
        id: randomBytes(16).toString('hex'),
        package_id: pkg.id,
        ecosystem: pkg.ecosystem,
        package_name: pkg.name,
        provider,
        issuer,
        lookup_key: providers[provider].lookupKey(config),
        claims: stored,
        permissions: JSON.stringify(permissions),
        created_by: actor.userId,
        created_at: isoNow(clock),
        revoked_at: null,
        revoked_by: null,
      };
      await db.transaction().execute(async (trx) => {
        await insertPublisher(trx, row);
        await appendEvent(trx, clock, {
          type: 'trust:add',
          actor: eventActor(actor),
          packageId: pkg.id,
          subject: `${pkg.ecosystem}:${pkg.name}`,
          data: { publisherId: row.id, provider, issuer, claims: config, permissions },
        });
      });
      return toView(row);
    },

    /**
     * An active publisher by id, for features acting on an upload a minted token made (the
     * attestations it carries must come from this publisher's CI identity). No authorization:
     * the id comes from an authenticated token, never from a request.
     */
    async getPublisher(id: string): Promise<PublisherView | null> {
      const row = await activePublisherById(db, id);
      return row ? toView(row) : null;
    },

    /** The package's active publishers; they show where releases may come from, so owners (and administrators) only. */
    async listPublishers(pkg: TrustPackage, actor: Actor): Promise<PublisherView[]> {
      authorize(actor, 'package:owners', resourceOf(pkg));
      return (await activePublishersOf(db, pkg.id)).map(toView);
    },

    /** Revokes a publisher, and the tokens already minted for it; owners and administrators. */
    async revokePublisher(pkg: TrustPackage, id: string, actor: Actor): Promise<void> {
      authorize(actor, 'package:owners', resourceOf(pkg));
      const row = typeof id === 'string' ? await activePublisher(db, pkg.id, id) : undefined;
      if (!row) throw publisherNotFound();
      const by = eventActor(actor);
      await db.transaction().execute(async (trx) => {
        await markRevoked(trx, row.id, isoNow(clock), by.userId);
        await appendEvent(trx, clock, {
          type: 'trust:revoke',
          actor: by,
          packageId: pkg.id,
          subject: `${pkg.ecosystem}:${pkg.name}`,
          data: { publisherId: row.id, provider: row.provider },
        });
      });
      await tokens.revokeMinted(await mintedBy(db, row.id, isoNow(clock)), by);
    },

    /**
     * Trades a CI's OIDC ID token for a registry token. In order: the unverified `iss` picks a
     * configured issuer; the signature and claims are verified; matching publishers are found;
     * the token's `jti` is claimed (so each ID token works once); a 15-minute token is minted.
     * A refusal at any step stores nothing.
     */
    async exchange(request: ExchangeRequest): Promise<ExchangeResult> {
      const { idToken, audience, ecosystem, packageName, permission } = request;
      if (typeof idToken !== 'string' || idToken.length === 0 || idToken.length > MAX_ID_TOKEN_LENGTH) throw tokenMalformed();
      if (typeof audience !== 'string' || audience.length === 0) throw new Error('exchange needs the audience the ecosystem expects');

      // 1. The issuer, read without verifying: it says whose keys verify the rest.
      let unverified: Record<string, unknown>;
      try {
        unverified = decodeJwt(idToken);
      } catch {
        throw tokenMalformed();
      }
      const iss = unverified.iss;
      if (typeof iss !== 'string' || iss.length === 0) throw tokenMalformed();
      const issuer = findIssuer(issuers, iss);
      if (!issuer) throw issuerUnknown();
      // Anyone can name a new CircleCI organization in `iss`; fetch keys only for ones in use.
      if (issuer.wildcard && !(await anyPublisherOfIssuer(db, iss))) throw issuerUnknown();
      const provider = issuer.setting.provider;
      const definition = providers[provider];

      // 2. Signature and registered claims.
      const now = clock.now();
      let keys: JWTVerifyGetKey;
      try {
        keys = await keyResolver.keysFor(issuer, now.getTime());
      } catch (error) {
        throw issuerUnavailable(error);
      }
      const claims = await verifyIdToken(idToken, { iss, audience: issuer.setting.audience ?? audience, keys, now });

      // 3. The publishers whose config every claim satisfies; per package, the most specific.
      const lookupKey = definition.lookupKeyOfClaims(claims);
      if (lookupKey === null) throw noPublisher(`the token lacks the claims that identify a ${provider} publisher`);
      const candidates = await findCandidates(db, { issuer: iss, provider, lookupKey, ecosystem, packageName });
      if (candidates.length === 0) {
        throw noPublisher(packageName === undefined ? `none is configured for ${lookupKey}` : `the package has none for ${lookupKey}`);
      }
      const best = new Map<number, { row: PublisherRow; specificity: number }>();
      const differing = new Set<string>();
      for (const row of candidates) {
        if (permission !== undefined && !(JSON.parse(row.permissions) as string[]).includes(permission)) {
          differing.add(`it does not grant ${permission}`);
          continue;
        }
        const result = definition.match(JSON.parse(row.claims) as PublisherConfig, claims, iss);
        if (!result.ok) {
          differing.add(`claim \`${result.claim}\` differs`);
          continue;
        }
        const current = best.get(row.package_id);
        if (!current || result.specificity > current.specificity) best.set(row.package_id, { row, specificity: result.specificity });
      }
      if (best.size === 0) throw noPublisher(`for ${lookupKey}, ${[...differing].join('; ')}`);

      // The token acts as one user (see below), so it covers the packages whose publisher that
      // user created; the oldest publisher decides which user.
      const chosen = [...best.values()].map((b) => b.row).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
      const creator = chosen[0]!.created_by;
      const used = chosen.filter((row) => row.created_by === creator);
      const packages = [...new Set(used.map((row) => row.package_name))].sort();

      // 4. Each ID token once: claimed only now, after every check passed.
      const forgetAt = new Date((claims.exp + LEEWAY_SECONDS + 5) * 1000).toISOString();
      if (!(await claimJti(db, iss, claims.jti, forgetAt))) throw tokenReused();
      await pruneExpired(db, now.toISOString());

      // 5. The token. Who does it act as? Not a package owner picked at random, and not a
      // new kind of actor the whole policy would have to learn: it belongs to the user who
      // created the publisher (an owner when they did), so the existing owner checks apply
      // unchanged — if that user stops being an owner, the token can publish nothing — while
      // `publisher_id` on the token, its `token:create` event and the `trust:exchange` events
      // (whose actor is no user: the publisher) record that a CI run, not that person, acted.
      // Its scope is read-write on exactly these package names, for 15 minutes.
      const minted = await tokens.create({
        userId: creator,
        name: `trusted publisher ${provider}`,
        scope: { permission: 'publish', packages, scopes: null, ecosystem: request.ecosystem },
        expiresInSeconds: MINTED_TOKEN_SECONDS,
        publisherId: used[0]!.id,
      });
      const audit = Object.fromEntries(definition.auditClaims.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]));
      await db.transaction().execute(async (trx) => {
        await recordMinted(trx, used.map((row) => row.id), minted.info.key, minted.info.expiresAt!);
        for (const row of used) {
          await appendEvent(trx, clock, {
            type: 'trust:exchange',
            actor: { userId: null, tokenId: null },
            packageId: row.package_id,
            subject: `${row.ecosystem}:${row.package_name}`,
            data: { publisherId: row.id, provider, issuer: iss, jti: claims.jti, tokenId: minted.info.key, expiresAt: minted.info.expiresAt, claims: audit },
          });
        }
      });
      return {
        token: minted.token,
        tokenId: minted.info.key,
        expiresAt: minted.info.expiresAt!,
        packages,
        publisherIds: used.map((row) => row.id),
        provider,
      };
    },
  };
}

function toView(row: PublisherRow): PublisherView {
  return {
    id: row.id,
    packageId: row.package_id,
    provider: row.provider as Provider,
    issuer: row.issuer,
    claims: JSON.parse(row.claims) as PublisherConfig,
    permissions: JSON.parse(row.permissions) as string[],
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export type TrustService = ReturnType<typeof createTrustService>;
