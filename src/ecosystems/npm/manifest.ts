// From the publish request and the tarball's own package.json to what we store: the version
// manifest, its abbreviated summary, and the dependency list for the core's dependents index.
// The tarball is the truth: a request whose metadata disagrees with it is refused.
import { invalid } from '../../platform/errors.js';
import type { ArchiveListing } from '../../platform/archive/index.js';
import type { DependencyRef } from '../../registry/index.js';

/** Fields of a version kept in the abbreviated ("corgi") document, per the npm spec. */
const SUMMARY_FIELDS = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bundledDependencies',
  'bin',
  'directories',
  'engines',
  'os',
  'cpu',
  'libc',
  '_hasShrinkwrap',
  'funding',
  'acceptDependencies',
] as const;

/** Server-owned fields a client may not set. */
const SERVER_FIELDS = ['dist', '_npmUser', 'maintainers', '_rev', '_attachments', 'deprecated', 'hasInstallScript', 'readme', 'readmeFilename'];

// Far above any real package (the largest on npmjs have a few hundred).
const MAX_DEPENDENCIES = 2000;

const DEPENDENCY_KINDS = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['peerDependencies', 'peer'],
  ['devDependencies', 'dev'],
] as const;

export interface PreparedVersion {
  manifest: Record<string, unknown>;
  summary: Record<string, unknown>;
  readme: string | null;
  dependencies: DependencyRef[];
}

export function prepareVersion(name: string, version: string, sent: Record<string, unknown>): PreparedVersion {
  const manifest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sent)) {
    if (!SERVER_FIELDS.includes(key)) manifest[key] = value;
  }
  manifest._id = `${name}@${version}`;
  const dependencies: DependencyRef[] = [];
  const total = DEPENDENCY_KINDS.reduce((n, [field]) => n + Object.keys((manifest[field] as object | undefined) ?? {}).length, 0);
  if (total > MAX_DEPENDENCIES) {
    throw invalid('MANIFEST_INVALID', `A version may declare at most ${MAX_DEPENDENCIES} dependencies in all; this one declares ${total}.`);
  }
  for (const [field, kind] of DEPENDENCY_KINDS) {
    const deps = manifest[field];
    if (deps === undefined) continue;
    if (typeof deps !== 'object' || deps === null || Array.isArray(deps)) {
      throw invalid('MANIFEST_INVALID', `${field} must be an object of names to ranges.`);
    }
    for (const [dep, range] of Object.entries(deps)) {
      if (typeof range !== 'string') throw invalid('MANIFEST_INVALID', `${field}.${dep} must be a string.`);
      dependencies.push({ name: dep, range, kind });
    }
  }
  const summary: Record<string, unknown> = {};
  for (const field of SUMMARY_FIELDS) if (manifest[field] !== undefined) summary[field] = manifest[field];
  const readme = typeof sent.readme === 'string' && sent.readme.length > 0 ? sent.readme.slice(0, 512 * 1024) : null;
  return { manifest, summary, readme, dependencies };
}

function sameDeps(a: unknown, b: unknown): boolean {
  const left = (a ?? {}) as Record<string, unknown>;
  const right = (b ?? {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) if (left[key] !== right[key]) return false;
  return true;
}

/**
 * Checks the tarball's package.json against the request ("manifest confusion" is a registry
 * serving dependencies or scripts that differ from what gets installed), then records what only
 * the tarball can tell: file count, unpacked size, and whether it runs install scripts.
 */
export function reconcileWithTarball(name: string, version: string, prepared: PreparedVersion, listing: ArchiveListing): void {
  refuseCollisionsAfterStrip(listing);
  const packageJsonPath = [...listing.kept.keys()].find((p) => p.split('/').length === 2 && p.endsWith('/package.json'));
  if (!packageJsonPath) throw invalid('TARBALL_NO_PACKAGE_JSON', 'The tarball has no package.json at its top folder.');
  let inner: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(listing.kept.get(packageJsonPath)!.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    inner = parsed as Record<string, unknown>;
  } catch {
    throw invalid('TARBALL_PACKAGE_JSON_INVALID', "The tarball's package.json is not a JSON object.");
  }
  if (inner.name !== name) {
    throw invalid('TARBALL_NAME_MISMATCH', `The tarball's package.json names ${JSON.stringify(inner.name)}, not ${JSON.stringify(name)}.`);
  }
  if (inner.version !== version) {
    throw invalid('TARBALL_VERSION_MISMATCH', `The tarball's package.json says version ${JSON.stringify(inner.version)}, not ${JSON.stringify(version)}.`);
  }
  const m = prepared.manifest;
  // npm's manifest folds optionalDependencies into dependencies; the tarball keeps them apart.
  const innerProd = { ...((inner.dependencies ?? {}) as object), ...((inner.optionalDependencies ?? {}) as object) };
  const sentProd = { ...((m.dependencies ?? {}) as object), ...((m.optionalDependencies ?? {}) as object) };
  if (!sameDeps(innerProd, sentProd) || !sameDeps(inner.peerDependencies, m.peerDependencies)) {
    throw invalid('MANIFEST_MISMATCH', "The request's dependencies differ from the tarball's package.json.");
  }
  const scripts = (inner.scripts ?? {}) as Record<string, unknown>;
  const hasGyp = listing.entries.some((e) => e.path.split('/').length === 2 && e.path.endsWith('/binding.gyp'));
  const hasInstallScript = ['preinstall', 'install', 'postinstall'].some((s) => typeof scripts[s] === 'string') || hasGyp;
  const sentScripts = (m.scripts ?? {}) as Record<string, unknown>;
  for (const hook of ['preinstall', 'install', 'postinstall']) {
    if (scripts[hook] !== undefined && sentScripts[hook] !== scripts[hook]) {
      throw invalid('MANIFEST_MISMATCH', `The request's ${hook} script differs from the tarball's package.json.`);
    }
  }
  const dist = { fileCount: listing.entries.length, unpackedSize: listing.unpackedBytes };
  m.dist = dist;
  prepared.summary.dist = dist;
  if (hasInstallScript) {
    m.hasInstallScript = true;
    prepared.summary.hasInstallScript = true;
  }
}

/**
 * npm installs a tarball with its first path component stripped, so `package/x` and `other/x`
 * land on the same file: the later one wins. Refuse such pairs, or the package.json we check
 * could differ from the one installed.
 */
function refuseCollisionsAfterStrip(listing: ArchiveListing): void {
  const seen = new Map<string, string>();
  for (const entry of listing.entries) {
    const stripped = entry.path.split('/').slice(1).join('/');
    if (stripped === '') continue;
    const earlier = seen.get(stripped);
    if (earlier !== undefined) {
      throw invalid('ARCHIVE_DUPLICATE_ENTRY', `archive entries ${JSON.stringify(earlier)} and ${JSON.stringify(entry.path)} install to the same file`);
    }
    seen.set(stripped, entry.path);
  }
}

/** Entries whose content the adapter reads: package.json at the top folder. */
export function keepForInspection(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 2 && parts[1] === 'package.json';
}
