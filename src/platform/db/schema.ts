// The database's shape as Kysely sees it. Portable types only, so one migration set serves
// SQLite and PostgreSQL: timestamps are ISO-8601 text (they sort as text), booleans 0/1,
// JSON documents text. Each feature's repo queries only its own tables.
import type { Generated } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  name: string;
  email: string;
  password_hash: string;
  is_admin: number;
  must_change_password: number;
  /** When sign-in found the password in a breach corpus (migration 008); cleared by a change. */
  password_leaked_at: Generated<string | null>;
  created_at: string;
  updated_at: string;
  /** When the address in `email` was proven (a link from it followed); null until then. */
  email_verified_at: Generated<string | null>;
}

export interface SessionsTable {
  id_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  /** The second factor proven in this session (`totp`, `recovery-code`, `security-key`, `passkey`), null for a password alone. */
  second_factor: string | null;
}

export interface TokensTable {
  id: string;
  user_id: number;
  name: string | null;
  token_hash: string;
  token_prefix: string;
  readonly: number;
  scopes: string;
  cidr_whitelist: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  /** Set on tokens minted by a trusted-publisher exchange: the publisher they act for. */
  publisher_id: string | null;
}

export interface CliLoginsTable {
  id: string;
  done_secret_hash: string;
  user_id: number | null;
  created_at: string;
  expires_at: string;
  approved_at: string | null;
  consumed_at: string | null;
}

export interface PackagesTable {
  id: Generated<number>;
  ecosystem: string;
  name: string;
  display_name: string;
  access: string;
  created_at: string;
  updated_at: string;
  last_event_id: number;
}

export interface PackageOwnersTable {
  package_id: number;
  user_id: number;
  added_at: string;
}

export interface VersionsTable {
  id: Generated<number>;
  package_id: number;
  version: string;
  state: string;
  deprecated: string | null;
  manifest: string;
  summary: string;
  readme: string | null;
  published_at: string;
  published_by: number | null;
  removed_at: string | null;
  yank_reason: Generated<string | null>;
  description: Generated<string | null>;
}

export interface ArtifactsTable {
  id: Generated<number>;
  version_id: number;
  filename: string;
  blob_key: string;
  sha256: string;
  sha512: string;
  sha1: string;
  size: number;
  created_at: string;
  /** The ecosystem's per-file data (JSON), plus `companions`: role → blob key. */
  metadata: Generated<string>;
  removed_at: Generated<string | null>;
}

export interface DistTagsTable {
  package_id: number;
  tag: string;
  version_id: number;
}

export interface DependenciesTable {
  version_id: number;
  ecosystem: string;
  name: string;
  range: string;
  kind: string;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  actor_user_id: number | null;
  actor_token_id: string | null;
  package_id: number | null;
  subject: string;
  data: string;
  created_at: string;
}

export interface TrustedPublishersTable {
  id: string;
  package_id: number;
  ecosystem: string;
  package_name: string;
  provider: string;
  issuer: string;
  lookup_key: string;
  /** The provider's config (JSON), e.g. GitHub `{repository, workflow, environment?}`. */
  claims: string;
  /** JSON list of permission names. */
  permissions: string;
  created_by: number;
  created_at: string;
  revoked_at: string | null;
  revoked_by: number | null;
}

export interface TrustedPublisherTokensTable {
  publisher_id: string;
  token_id: string;
  expires_at: string;
}

export interface OidcJtiTable {
  issuer: string;
  jti: string;
  expires_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Attempt-limiter counters (platform/rate-limit), `expire` in Unix milliseconds. */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

export interface MfaFactorsTable {
  id: string;
  user_id: number;
  kind: string;
  label: string;
  confirmed_at: string | null;
  created_at: string;
  last_used_at: string | null;
  totp_secret: string | null;
  totp_last_step: number | null;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | null;
  transports: string | null;
  backed_up: number | null;
}

export interface MfaRecoveryCodesTable {
  code_hash: string;
  user_id: number;
  created_at: string;
  used_at: string | null;
}

export interface WebauthnChallengesTable {
  id_hash: string;
  purpose: string;
  challenge: string;
  user_id: number | null;
  factor_kind: string | null;
  created_at: string;
  expires_at: string;
}

export interface MfaPendingLoginsTable {
  id_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
}

export interface EmailTokensTable {
  id_hash: string;
  purpose: string;
  user_id: number;
  email: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface KnownDevicesTable {
  user_id: number;
  device_key: string;
  label: string;
  first_seen_at: string;
  last_seen_at: string;
}

export interface OutboxCursorsTable {
  name: string;
  last_event_id: number;
}

export interface DownloadCountsTable {
  version_id: number;
  package_id: number;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  count: number;
}

export interface CriticalPackagesTable {
  package_id: number;
  marked_by: number | null;
  marked_at: string;
}

export interface OtpGrantsTable {
  id: string;
  done_secret_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  approved_at: string | null;
  phishing_resistant: Generated<number>;
  grant_hash: string | null;
  grant_issued_at: string | null;
  consumed_at: string | null;
}

export interface SecondFactorTokensTable {
  token_id: string;
  verified_at: string;
  phishing_resistant: Generated<number>;
}

export interface RecoveryLinksTable {
  id_hash: string;
  user_id: number;
  /** The verified address the link was mailed to. */
  email: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface AccountFlagsTable {
  id: Generated<number>;
  user_id: number;
  /** Why: `email-domain-abandoned`. */
  reason: string;
  /** What it is about, e.g. the domain; one open flag per user, reason and subject. */
  subject: string;
  /** JSON. */
  detail: string;
  created_at: string;
  resolved_at: string | null;
  resolved_by: number | null;
}

export interface EmailDomainChecksTable {
  domain: string;
  status: string;
  reason: string;
  detail: string | null;
  checked_at: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  tokens: TokensTable;
  cli_logins: CliLoginsTable;
  packages: PackagesTable;
  package_owners: PackageOwnersTable;
  versions: VersionsTable;
  artifacts: ArtifactsTable;
  dist_tags: DistTagsTable;
  dependencies: DependenciesTable;
  events: EventsTable;
  settings: SettingsTable;
  trusted_publishers: TrustedPublishersTable;
  trusted_publisher_tokens: TrustedPublisherTokensTable;
  oidc_jti: OidcJtiTable;
  rate_limits: RateLimitsTable;
  mfa_factors: MfaFactorsTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  webauthn_challenges: WebauthnChallengesTable;
  mfa_pending_logins: MfaPendingLoginsTable;
  email_tokens: EmailTokensTable;
  known_devices: KnownDevicesTable;
  outbox_cursors: OutboxCursorsTable;
  download_counts: DownloadCountsTable;
  critical_packages: CriticalPackagesTable;
  otp_grants: OtpGrantsTable;
  second_factor_tokens: SecondFactorTokensTable;
  recovery_links: RecoveryLinksTable;
  account_flags: AccountFlagsTable;
  email_domain_checks: EmailDomainChecksTable;
}
