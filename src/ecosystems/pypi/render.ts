// Neutral read model → PyPI index documents (pure): the simple API in JSON (PEP 691) and HTML
// (PEP 503), with PEP 592 yanks, PEP 658/714 core metadata and PEP 700 fields, and the JSON API.
import type { ArtifactView, PackageView, VersionView } from '../../registry/index.js';
import type { CoreMetadata } from './core-metadata.js';
import { comparePypiVersions, isPypiPrerelease } from './versions.js';

// 1.1 (PEP 700). The `provenance` key (PEP 740) is a 1.3 addition, but 1.2 brought PEP 708's
// `tracks`/`alternate-locations`, which this index does not serve; advertising 1.3 would claim
// both. So 1.1 stays and `provenance` is sent anyway: clients ignore keys they do not know,
// and those that read it (pip, uv, pypi-attestations) look for the key, not the version.
export const SIMPLE_API_VERSION = '1.1';

/** What the adapter keeps per file (artifact metadata). */
export interface PypiFileData {
  packagetype: 'sdist' | 'bdist_wheel';
  python_version: string;
  requires_python: string | null;
  md5: string;
  blake2b_256: string;
  /** sha256 of the extracted METADATA served as `<file>.metadata`, for wheels. */
  core_metadata_sha256?: string;
}

export function fileUrl(publicUrl: string, project: string, filename: string): string {
  return `${publicUrl}/pypi/files/${project}/${encodeURIComponent(filename)}`;
}

/** PEP 740's integrity API: the provenance of one file. */
export function provenanceUrl(publicUrl: string, project: string, version: string, filename: string): string {
  return `${publicUrl}/integrity/${project}/${encodeURIComponent(version)}/${encodeURIComponent(filename)}/provenance`;
}

/** The provenance URL of a file stored with attestations, else null. */
function provenanceOf(publicUrl: string, project: string, version: VersionView, artifact: ArtifactView): string | null {
  const companions = artifact.metadata.companions as Record<string, string> | undefined;
  return companions?.provenance ? provenanceUrl(publicUrl, project, version.version, artifact.filename) : null;
}

function fileData(artifact: ArtifactView): PypiFileData {
  return artifact.metadata as unknown as PypiFileData;
}

/** `yyyy-mm-ddThh:mm:ss.ffffffZ`, the exact shape PEP 700 asks for. */
function uploadTime(iso: string): string {
  const [whole, fraction = '000Z'] = iso.split('.');
  return `${whole}.${fraction.replace('Z', '').padEnd(6, '0')}Z`;
}

function yankedValue(version: VersionView): boolean | string {
  if (version.state !== 'yanked') return false;
  return version.yankReason ? version.yankReason : true;
}

function filesOf(view: PackageView): Array<{ version: VersionView; artifact: ArtifactView }> {
  return view.versions.flatMap((version) => version.artifacts.map((artifact) => ({ version, artifact })));
}

export function renderSimpleJson(view: PackageView, publicUrl: string): Record<string, unknown> {
  const project = view.head.name;
  return {
    meta: { 'api-version': SIMPLE_API_VERSION },
    name: project,
    versions: [...view.versions].sort((a, b) => comparePypiVersions(a.version, b.version)).map((v) => v.version),
    files: filesOf(view).map(({ version, artifact }) => {
      const data = fileData(artifact);
      return {
        filename: artifact.filename,
        url: fileUrl(publicUrl, project, artifact.filename),
        hashes: { sha256: artifact.sha256 },
        'requires-python': data.requires_python,
        size: artifact.size,
        'upload-time': uploadTime(artifact.uploadedAt),
        yanked: yankedValue(version),
        'core-metadata': data.core_metadata_sha256 ? { sha256: data.core_metadata_sha256 } : false,
        provenance: provenanceOf(publicUrl, project, version, artifact),
      };
    }),
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function renderSimpleHtml(view: PackageView, publicUrl: string): string {
  const project = view.head.name;
  const links = filesOf(view).map(({ version, artifact }) => {
    const data = fileData(artifact);
    const attributes = [`href="${escape(`${fileUrl(publicUrl, project, artifact.filename)}#sha256=${artifact.sha256}`)}"`];
    if (data.requires_python) attributes.push(`data-requires-python="${escape(data.requires_python)}"`);
    if (data.core_metadata_sha256) {
      attributes.push(`data-core-metadata="sha256=${data.core_metadata_sha256}"`, `data-dist-info-metadata="sha256=${data.core_metadata_sha256}"`);
    }
    const provenance = provenanceOf(publicUrl, project, version, artifact);
    if (provenance) attributes.push(`data-provenance="${escape(provenance)}"`);
    const yanked = yankedValue(version);
    if (yanked !== false) attributes.push(`data-yanked="${escape(yanked === true ? '' : yanked)}"`);
    return `    <a ${attributes.join(' ')}>${escape(artifact.filename)}</a><br/>`;
  });
  return `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="${SIMPLE_API_VERSION}">
    <title>Links for ${escape(project)}</title>
  </head>
  <body>
    <h1>Links for ${escape(project)}</h1>
${links.join('\n')}
  </body>
</html>
`;
}

export function renderSimpleRootJson(projects: Array<{ name: string }>): Record<string, unknown> {
  return { meta: { 'api-version': SIMPLE_API_VERSION }, projects: projects.map((p) => ({ name: p.name })) };
}

export function renderSimpleRootHtml(projects: Array<{ name: string; normalized: string }>, publicUrl: string): string {
  const links = projects.map((p) => `    <a href="${escape(`${publicUrl}/simple/${p.normalized}/`)}">${escape(p.name)}</a><br/>`);
  return `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="${SIMPLE_API_VERSION}">
    <title>Simple index</title>
  </head>
  <body>
${links.join('\n')}
  </body>
</html>
`;
}

/** PyPI's "latest": not yanked first, then final releases, then the highest version. */
export function latestVersion(view: PackageView): VersionView | undefined {
  const rank = (v: VersionView) => (v.state === 'yanked' ? 2 : 0) + (isPypiPrerelease(v.version) ? 1 : 0);
  return [...view.versions].sort((a, b) => rank(a) - rank(b) || comparePypiVersions(b.version, a.version))[0];
}

function jsonFile(publicUrl: string, project: string, version: VersionView, artifact: ArtifactView): Record<string, unknown> {
  const data = fileData(artifact);
  return {
    filename: artifact.filename,
    url: fileUrl(publicUrl, project, artifact.filename),
    packagetype: data.packagetype,
    python_version: data.python_version,
    size: artifact.size,
    digests: { md5: data.md5, sha256: artifact.sha256, blake2b_256: data.blake2b_256 },
    md5_digest: data.md5,
    requires_python: data.requires_python,
    yanked: version.state === 'yanked',
    yanked_reason: version.state === 'yanked' ? version.yankReason || null : null,
    upload_time: artifact.uploadedAt.slice(0, 19),
    upload_time_iso_8601: uploadTime(artifact.uploadedAt),
    'core-metadata': data.core_metadata_sha256 ? { sha256: data.core_metadata_sha256 } : false,
    comment_text: '',
    has_sig: false,
    downloads: -1,
  };
}

/** `/pypi/<project>/json` (all releases) or `/pypi/<project>/<version>/json` (one). */
export function renderJsonApi(view: PackageView, publicUrl: string, only?: VersionView): Record<string, unknown> {
  const project = view.head.name;
  const version = only ?? latestVersion(view);
  if (!version) return {};
  const m = version.manifest as unknown as CoreMetadata;
  const document: Record<string, unknown> = {
    info: {
      name: view.head.displayName,
      version: version.version,
      summary: m.summary,
      description: version.readme,
      description_content_type: m.descriptionContentType,
      requires_python: m.requiresPython,
      requires_dist: m.requiresDist.length > 0 ? m.requiresDist : null,
      provides_extra: m.providesExtra.length > 0 ? m.providesExtra : null,
      license: m.license,
      license_expression: m.licenseExpression,
      author: m.author,
      author_email: m.authorEmail,
      maintainer: m.maintainer,
      maintainer_email: m.maintainerEmail,
      classifiers: m.classifiers,
      keywords: m.keywords,
      project_urls: Object.keys(m.projectUrls).length > 0 ? m.projectUrls : null,
      home_page: m.homePage,
      download_url: m.downloadUrl,
      yanked: version.state === 'yanked',
      yanked_reason: version.state === 'yanked' ? version.yankReason || null : null,
      package_url: `${publicUrl}/project/${project}/`,
      project_url: `${publicUrl}/project/${project}/`,
      release_url: `${publicUrl}/project/${project}/${version.version}/`,
    },
    urls: version.artifacts.map((a) => jsonFile(publicUrl, project, version, a)),
    vulnerabilities: [],
    last_serial: view.head.lastEventId,
    ownership: { roles: view.owners.map((o) => ({ role: 'Owner', user: o.name })), organization: null },
  };
  if (!only) {
    document.releases = Object.fromEntries(
      [...view.versions]
        .sort((a, b) => comparePypiVersions(a.version, b.version))
        .map((v) => [v.version, v.artifacts.map((a) => jsonFile(publicUrl, project, v, a))]),
    );
  }
  return document;
}
