// What the web package page shows of an npm package (pure): the manifest's description, license
// and links, the tarball with its integrity and shasum, and where the page lives.
import type { PackageView, VersionView } from '../../registry/index.js';
import type { PackagePageModel, PageFact, PageLink } from '../types.js';
import { compareNpmVersions } from './versions.js';

const MAX_TEXT = 500;
const MAX_LICENSE = 100;
const MAX_URL = 2048;

export function npmInstallCommand(name: string, version: string): string {
  return `npm install ${name}@${version}`;
}

/** `/package/<name>`, `/package/@scope/name`; a version's page adds `/v/<version>`. */
export function npmPagePath(name: string, version?: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const encoded = slash > 0
    ? `@${encodeURIComponent(name.slice(1, slash))}/${encodeURIComponent(name.slice(slash + 1))}`
    : encodeURIComponent(name);
  return version === undefined ? `/package/${encoded}` : `/package/${encoded}/v/${encodeURIComponent(version)}`;
}

/** The version the `latest` tag names, else the highest one. */
export function npmDefaultVersion(view: PackageView): VersionView | undefined {
  const latest = view.tags.latest;
  const tagged = latest === undefined ? undefined : view.versions.find((v) => v.version === latest);
  return tagged ?? [...view.versions].sort((a, b) => compareNpmVersions(b.version, a.version))[0];
}

function text(value: unknown, max = MAX_TEXT): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : null;
}

function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_URL) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** `"git+https://…/x.git"`, `{ url }` or `github:user/repo` as a link a browser can open. */
function repositoryUrl(value: unknown): string | null {
  const raw = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (value as { url?: unknown }).url : null;
  if (typeof raw !== 'string') return null;
  const shorthand = /^(?:github:)?([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(raw);
  if (shorthand) return httpUrl(`https://github.com/${shorthand[1]}/${shorthand[2]!.replace(/\.git$/, '')}`);
  return httpUrl(raw.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, ''));
}

/** `"MIT"`, or the legacy `{ type: "MIT" }`. */
function licenseOf(value: unknown): string | null {
  if (typeof value === 'object' && value !== null) return text((value as { type?: unknown }).type, MAX_LICENSE);
  return text(value, MAX_LICENSE);
}

function linksOf(manifest: Record<string, unknown>): PageLink[] {
  const links: PageLink[] = [];
  const add = (label: string, url: string | null) => {
    if (url && !links.some((l) => l.url === url)) links.push({ label, url });
  };
  add('Homepage', httpUrl(manifest.homepage));
  add('Repository', repositoryUrl(manifest.repository));
  const bugs = manifest.bugs;
  add('Issues', httpUrl(typeof bugs === 'object' && bugs !== null ? (bugs as { url?: unknown }).url : bugs));
  return links;
}

function factsOf(manifest: Record<string, unknown>): PageFact[] {
  const facts: PageFact[] = [];
  const engines = manifest.engines;
  const node = typeof engines === 'object' && engines !== null ? text((engines as { node?: unknown }).node, 100) : null;
  if (node) facts.push({ label: 'Node', value: node });
  const deps = manifest.dependencies;
  const count = typeof deps === 'object' && deps !== null && !Array.isArray(deps) ? Object.keys(deps).length : 0;
  facts.push({ label: 'Dependencies', value: String(count) });
  return facts;
}

export function describeNpmPackage(view: PackageView, version: VersionView): PackagePageModel {
  const manifest = version.manifest;
  return {
    summary: text(manifest.description),
    license: licenseOf(manifest.license),
    links: linksOf(manifest),
    facts: factsOf(manifest),
    install: npmInstallCommand(view.head.displayName, version.version),
    readme: version.readme,
    readmeFormat: 'markdown',
    files: version.artifacts.map((artifact) => ({
      filename: artifact.filename,
      size: artifact.size,
      sha256: artifact.sha256,
      extra: [
        { label: 'integrity', value: `sha512-${Buffer.from(artifact.sha512, 'hex').toString('base64')}`, digest: true },
        { label: 'shasum', value: artifact.sha1, digest: true },
      ],
    })),
  };
}
