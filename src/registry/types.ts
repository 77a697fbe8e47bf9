// The ecosystem-neutral model the core reads and writes, and what it needs from an adapter.
import type { ArchiveLimits, ArchiveListing } from '../platform/archive/index.js';
import type { Digests } from '../platform/crypto.js';
import type { Action, Actor } from '../auth/index.js';

/** The rules of one ecosystem that the core applies without knowing which ecosystem it is. */
export interface EcosystemRules {
  id: string;
  /** Canonical form used for uniqueness and lookups; throws a BulwarkError for invalid names. */
  normalizeName(raw: string): string;
  /** Throws a BulwarkError for an invalid version; returns the canonical form. */
  checkVersion(raw: string): string;
  compareVersions(a: string, b: string): number;
  /** Whether the text reads as a version or range (such text cannot be a tag). */
  isVersionRange(text: string): boolean;
  /** Whether a dependency range, as the ecosystem writes it, admits a version. */
  rangeIncludes(range: string, version: string): boolean;
  archiveLimits: ArchiveLimits;
  /** The tags a package must always have (npm: `latest`), which cannot be removed. */
  requiredTag: string | null;
  /**
   * `one`: a version is its single artifact, published once (npm). `many`: a version gathers
   * files uploaded one by one (binary builds per platform, a source archive); each filename is
   * still usable only once.
   */
  filesPerVersion: 'one' | 'many';
  /**
   * How the ecosystem's clients prove a second factor for a change, when the MFA policy asks:
   * `otp`, a one-time password sent with the request (npm's `npm-otp` header); `token`, no
   * such channel (twine), so only an API token created with a fresh second factor will do.
   */
  stepUp?: 'otp' | 'token';
}

/**
 * The MFA policy's check of a change to a package (publish, unpublish, yank, owners), called
 * after authorization with the package (null for a new one). Throws to refuse.
 */
export type StepUpCheck = (
  actor: Actor,
  action: Action,
  target: { packageId: number | null; ecosystem: string; stepUp: EcosystemRules['stepUp'] },
) => Promise<void>;

export type Access = 'public' | 'restricted';
export type VersionState = 'active' | 'deprecated' | 'yanked' | 'quarantined' | 'removed';

export interface PackageHead {
  id: number;
  ecosystem: string;
  name: string;
  displayName: string;
  access: Access;
  lastEventId: number;
  ownerIds: number[];
}

export interface ArtifactView {
  filename: string;
  sha256: string;
  sha512: string;
  sha1: string;
  size: number;
  uploadedAt: string;
  /** The adapter's per-file data; `companions` maps a role to the blob key of a companion file. */
  metadata: Record<string, unknown>;
}

export interface PersonView {
  name: string;
  email: string;
}

export interface VersionView {
  version: string;
  state: VersionState;
  deprecated: string | null;
  yankReason: string | null;
  /** The ecosystem's own metadata for the version, as its adapter stored it. */
  manifest: Record<string, unknown>;
  /** The adapter's precomputed short form (npm: the abbreviated manifest without dist). */
  summary: Record<string, unknown>;
  readme: string | null;
  publishedAt: string;
  publisher: PersonView | null;
  artifacts: ArtifactView[];
}

export interface PackageView {
  head: PackageHead;
  createdAt: string;
  updatedAt: string;
  /** Versions that can be installed or shown, oldest first; removed ones are only in `removed`. */
  versions: VersionView[];
  removed: Array<{ version: string; removedAt: string }>;
  tags: Record<string, string>;
  owners: PersonView[];
}

export interface DependencyRef {
  name: string;
  range: string;
  kind: string;
}

export interface PublishRequest {
  rules: EcosystemRules;
  name: string;
  version: string;
  /** Requested visibility; null keeps the current one (public for a new package). */
  access: Access | null;
  tags: string[];
  manifest: Record<string, unknown>;
  summary: Record<string, unknown>;
  readme: string | null;
  /** One line about the version, for search (the adapter knows its field). */
  description: string | null;
  dependencies: DependencyRef[];
  artifact: {
    filename: string;
    bytes: Buffer;
    /** Digests the client claims; each one given must equal ours. */
    declared: Partial<Digests>;
    /** Per-file data the adapter keeps (set or completed by `inspect`). */
    metadata?: Record<string, unknown>;
    /** Files that accompany the artifact (metadata extracted from it), stored as blobs, by role. */
    companions?: Record<string, Buffer>;
  };
  /**
   * What an upload of a filename the package already has, with the very same bytes, means:
   * `no-op` (accepted, nothing stored: the upload is idempotent) or `refuse`.
   */
  identicalReupload?: 'no-op' | 'refuse';
  /** How the artifact is packed, so the core opens it under its limits. */
  archive: 'tar.gz' | 'zip';
  /** The adapter's checks of the archive content against the request (name, version, …). */
  inspect(listing: ArchiveListing, digests: Digests): void | Promise<void>;
}

export interface PublishResult {
  packageId: number;
  version: string;
  created: boolean;
  /** True when an identical re-upload was accepted without storing anything. */
  unchanged: boolean;
  digests: Digests;
}
