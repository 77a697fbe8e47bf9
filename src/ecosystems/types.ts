// What an ecosystem adapter is: its rules for the core, its routes, and how it shows errors.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../platform/log.js';
import type { ErrorRenderer } from '../platform/http/index.js';
import type { EcosystemRules, PackageView, RegistryService, VersionView } from '../registry/index.js';
import type { AccountsService } from '../accounts/index.js';
import type { TokensService } from '../tokens/index.js';
import type { TrustService } from '../trust/index.js';
import type { AttestationsService } from '../attestations/index.js';
import type { MfaPolicyService } from '../mfa-policy/index.js';
import type { MfaService } from '../mfa/index.js';

/** What the composition root hands each adapter: services and the few settings it needs. */
export interface EcosystemContext {
  registry: RegistryService;
  accounts: AccountsService;
  tokens: TokensService;
  trust: TrustService;
  attestations: AttestationsService;
  /** The MFA policy: token changes check it; npm's web-auth OTP poll reads its grants. */
  mfaPolicy: MfaPolicyService;
  /** Second factors: the legacy npm login asks an MFA account for a code; npm profile's 2FA commands enrol and remove. */
  mfa: Pick<MfaService, 'status' | 'verifyCode' | 'startTotp' | 'pendingTotp' | 'confirmTotp' | 'removeFactor'>;
  log: Logger;
  settings: {
    publicUrl: string;
    packumentMaxAge: number;
    maxArtifactBytes: number;
  };
}

/** A link on a package page. Adapters give only http(s) URLs; the web layer still checks each one. */
export interface PageLink {
  label: string;
  url: string;
}

/** A labelled piece of plain text on a package page ("Requires Python": ">=3.8"). */
export interface PageFact {
  label: string;
  value: string;
  /** A digest or other machine string: shown in monospace, breakable anywhere. */
  digest?: boolean;
}

/** One file of a version as a package page lists it: its digests and what the ecosystem says of it. */
export interface PageFile {
  filename: string;
  size: number;
  sha256: string;
  /** Further digests and per-file facts (npm: integrity, shasum; others: file type, platform tags, more digests). */
  extra: PageFact[];
}

/**
 * What the package page shows of one version, in neutral words: the web layer renders this and
 * never reads an ecosystem's manifest itself. Every string is plain text (the web layer escapes
 * it); the README is markdown or plain text, sanitized by the web layer when rendered.
 */
export interface PackagePageModel {
  /** One line about the package (npm `description`; a `Summary` field elsewhere). */
  summary: string | null;
  license: string | null;
  /** Homepage, repository, project URLs: http(s) only. */
  links: PageLink[];
  /** Other facts worth a line in the sidebar ("Requires Python", "Node"). */
  facts: PageFact[];
  /** The command that installs exactly this version. */
  install: string;
  readme: string | null;
  /** `markdown`: rendered, then sanitized. `text`: shown as preformatted text (reStructuredText, plain text). */
  readmeFormat: 'markdown' | 'text';
  files: PageFile[];
}

export interface Ecosystem {
  id: string;
  /** Shown in the web UI. */
  label: string;
  rules: EcosystemRules;
  renderError: ErrorRenderer;
  /** How the web UI tells a user to install a package. */
  installCommand(name: string, version: string): string;
  /** The web path of a package's page (`/package/@scope/name`, `/project/<normalized>/`), or of one version's. */
  pagePath(name: string, version?: string): string;
  /**
   * The web UI's URL patterns for this ecosystem's pages. Params: `name` (and `scope` for a
   * name written `@scope/name`), plus `version` on a version's page. A pattern ending in `/`
   * also answers without the slash, redirecting to `pagePath`.
   */
  pageRoutes: { package: string[]; version: string[] };
  /** The version a package page shows when none is asked for (npm: `latest`; elsewhere e.g. the newest non-yanked final release). */
  defaultVersion(view: PackageView): VersionView | undefined;
  /** What the package page shows of `version` (pure). */
  describePackage(view: PackageView, version: VersionView): PackagePageModel;
  routes(app: FastifyInstance, context: EcosystemContext): Promise<void>;
}
