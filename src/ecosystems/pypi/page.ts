// What the web project page shows of a PyPI project (pure): the core metadata's summary, license
// and URLs, each file with its type, Python tag, Requires-Python and digests, and where the page
// lives (`/project/<normalized>/`, the address the JSON API already gives as `project_url`).
import type { ArtifactView, PackageView, VersionView } from '../../registry/index.js';
import type { PackagePageModel, PageFact, PageFile, PageLink } from '../types.js';
import type { CoreMetadata } from './core-metadata.js';
import { latestVersion, type PypiFileData } from './render.js';
import { normalizePypiName } from './names.js';

const MAX_TEXT = 500;
const MAX_SHORT = 100;
const MAX_URL = 2048;
const MAX_LINKS = 20;

export function pypiInstallCommand(name: string, version: string): string {
  return `pip install ${name}==${version}`;
}

/** `/project/<normalized>/`; a release's page is `/project/<normalized>/<version>/`. */
export function pypiPagePath(name: string, version?: string): string {
  const project = `/project/${encodeURIComponent(normalizePypiName(name))}/`;
  return version === undefined ? project : `${project}${encodeURIComponent(version)}/`;
}

/** As PyPI: the newest final release not yanked, else the newest pre-release, else the newest yanked. */
export function pypiDefaultVersion(view: PackageView): VersionView | undefined {
  return latestVersion(view);
}

function text(value: unknown, max = MAX_TEXT): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : null;
}

function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_URL) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * `License-Expression` (an SPDX expression) when given, else the first line of `License`, which
 * older tools fill with the whole license text.
 */
function licenseOf(m: Partial<CoreMetadata>): string | null {
  const expression = text(m.licenseExpression, MAX_SHORT);
  if (expression) return expression;
  const first = typeof m.license === 'string' ? m.license.trim().split('\n')[0] : undefined;
  return text(first, MAX_SHORT);
}

function linksOf(m: Partial<CoreMetadata>): PageLink[] {
  const links: PageLink[] = [];
  const add = (label: string, value: unknown) => {
    const url = httpUrl(value);
    const name = text(label, MAX_SHORT);
    if (url && name && links.length < MAX_LINKS && !links.some((l) => l.url === url)) links.push({ label: name, url });
  };
  add('Homepage', m.homePage);
  const projectUrls = typeof m.projectUrls === 'object' && m.projectUrls !== null ? m.projectUrls : {};
  for (const [label, url] of Object.entries(projectUrls)) add(label, url);
  add('Download', m.downloadUrl);
  return links;
}

function factsOf(m: Partial<CoreMetadata>): PageFact[] {
  const facts: PageFact[] = [];
  const add = (label: string, value: unknown) => {
    const shown = text(value, MAX_SHORT);
    if (shown) facts.push({ label, value: shown });
  };
  add('Requires Python', m.requiresPython);
  add('Author', m.author);
  add('Maintainer', m.maintainer);
  return facts;
}

/** Markdown when the metadata says so or says nothing; reStructuredText and plain text as text. */
function readmeFormat(contentType: unknown): PackagePageModel['readmeFormat'] {
  if (typeof contentType !== 'string' || contentType.trim() === '') return 'markdown';
  return /^text\/markdown\b/i.test(contentType.trim()) ? 'markdown' : 'text';
}

const PACKAGE_TYPES: Record<string, string> = { bdist_wheel: 'Wheel', sdist: 'Source' };

function fileOf(artifact: ArtifactView): PageFile {
  const data = artifact.metadata as Partial<PypiFileData>;
  const extra: PageFact[] = [];
  const add = (label: string, value: unknown, digest = false) => {
    const shown = text(value, MAX_SHORT);
    if (shown) extra.push(digest ? { label, value: shown, digest } : { label, value: shown });
  };
  add('Type', data.packagetype ? PACKAGE_TYPES[data.packagetype] ?? data.packagetype : null);
  add('Python', data.python_version);
  add('Requires Python', data.requires_python);
  add('Uploaded', artifact.uploadedAt.slice(0, 10));
  add('blake2b-256', data.blake2b_256, true);
  return { filename: artifact.filename, size: artifact.size, sha256: artifact.sha256, extra };
}

export function describePypiPackage(view: PackageView, version: VersionView): PackagePageModel {
  const m = version.manifest as Partial<CoreMetadata>;
  // Wheels first, then the sdist, each group by name: what pip would pick is near the top.
  const files = [...version.artifacts].sort(
    (a, b) => Number(a.filename.endsWith('.tar.gz')) - Number(b.filename.endsWith('.tar.gz')) || a.filename.localeCompare(b.filename),
  );
  return {
    summary: text(m.summary),
    license: licenseOf(m),
    links: linksOf(m),
    facts: factsOf(m),
    install: pypiInstallCommand(view.head.displayName, version.version),
    readme: version.readme,
    readmeFormat: readmeFormat(m.descriptionContentType),
    files: files.map(fileOf),
  };
}
