// What a trusted-publisher provider is: how its config is validated, which claims identify a
// run, and how a verified token's claims are checked against a config. One file per provider,
// each a declarative list of checks (the shape of Warehouse's `oidc/models/*.py`).

export type Provider = 'github' | 'gitlab' | 'google' | 'circleci' | 'activestate';

/** A publisher's config as stored: strings, or lists of strings (CircleCI context ids). */
export type PublisherConfig = Readonly<Record<string, string | readonly string[]>>;

/** A verified token's claims. */
export type Claims = Readonly<Record<string, unknown>>;

export type MatchResult =
  /** `specificity` ranks matches of one package: a config naming an environment beats one without. */
  | { ok: true; specificity: number }
  /** `claim` names the claim that differs; never the expected value. */
  | { ok: false; claim: string };

export interface ProviderDefinition {
  id: Provider;
  /** The issuer a publisher of this provider trusts when its config names none. */
  canonicalIssuer(config: PublisherConfig): string;
  /** Validates and normalizes a config (without `issuer`); throws TRUST_CLAIMS_INVALID. */
  parseConfig(raw: Record<string, unknown>): PublisherConfig;
  /** The lower-cased main identity (repository, project path…) publishers are looked up by. */
  lookupKey(config: PublisherConfig): string;
  /** The same key read from a token, or null when the token lacks it. */
  lookupKeyOfClaims(claims: Claims): string | null;
  /** Checks every claim the config binds. `issuer` is the token's verified `iss`. */
  match(config: PublisherConfig, claims: Claims, issuer: string): MatchResult;
  /** Claims worth keeping in the exchange event: they name the run that published. */
  auditClaims: readonly string[];
}
