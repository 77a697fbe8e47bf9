// Neutral read model → npm packuments (pure). The results are cached by the core per revision.
import type { PackageView, VersionView } from '../../registry/index.js';
import { tarballFilename } from './names.js';

export function revisionOf(view: PackageView): string {
  return `${view.head.lastEventId}-${view.head.id.toString(16)}`;
}

function tarballUrl(publicUrl: string, name: string, version: string): string {
  return `${publicUrl}/${name}/-/${tarballFilename(name, version)}`;
}

function distOf(publicUrl: string, name: string, version: VersionView): Record<string, unknown> {
  const artifact = version.artifacts[0];
  const extra = (version.manifest.dist ?? {}) as Record<string, unknown>;
  if (!artifact) return { ...extra };
  return {
    ...extra,
    integrity: `sha512-${Buffer.from(artifact.sha512, 'hex').toString('base64')}`,
    shasum: artifact.sha1,
    tarball: tarballUrl(publicUrl, name, version.version),
  };
}

function latestOf(view: PackageView): VersionView | undefined {
  const latest = view.tags.latest;
  return view.versions.find((v) => v.version === latest) ?? view.versions[view.versions.length - 1];
}

export function renderFullPackument(view: PackageView, publicUrl: string): Record<string, unknown> {
  const name = view.head.displayName;
  const maintainers = view.owners.map((o) => ({ name: o.name, email: o.email }));
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = { created: view.createdAt, modified: view.updatedAt };
  for (const version of view.versions) {
    versions[version.version] = {
      ...version.manifest,
      ...(version.deprecated ? { deprecated: version.deprecated } : {}),
      dist: distOf(publicUrl, name, version),
      _npmUser: version.publisher ? { name: version.publisher.name, email: version.publisher.email } : undefined,
      maintainers,
    };
    time[version.version] = version.publishedAt;
  }
  const latest = latestOf(view);
  const m = latest?.manifest ?? {};
  return {
    _id: name,
    _rev: revisionOf(view),
    name,
    'dist-tags': view.tags,
    versions,
    time,
    maintainers,
    description: m.description,
    readme: latest?.readme ?? '',
    readmeFilename: latest?.readme ? 'README.md' : undefined,
    license: m.license,
    repository: m.repository,
    homepage: m.homepage,
    keywords: m.keywords,
    author: m.author,
    bugs: m.bugs,
    users: {},
  };
}

export function renderAbbreviatedPackument(view: PackageView, publicUrl: string): Record<string, unknown> {
  const name = view.head.displayName;
  const versions: Record<string, unknown> = {};
  for (const version of view.versions) {
    versions[version.version] = {
      ...version.summary,
      ...(version.deprecated ? { deprecated: version.deprecated } : {}),
      dist: distOf(publicUrl, name, version),
    };
  }
  return { name, modified: view.updatedAt, 'dist-tags': view.tags, versions };
}
