// The page of a package: its README (rendered, then sanitized), install command, versions with
// dates and deprecations, tags, maintainers, and the digests of the current version's files.
// npm packages live at /package/<name> and /package/@<scope>/<name>; another ecosystem gets the
// same page under /<ecosystem>/package/… by one more call to registerPackagePage.
import type { FastifyInstance } from 'fastify';
import { BulwarkError } from '../../platform/errors.js';
import type { Ecosystem } from '../../ecosystems/index.js';
import type { PackageView, VersionView } from '../../registry/index.js';
import { html, safeHttpUrl, type SafeHtml } from '../html.js';
import { renderMarkdown } from '../markdown.js';
import { pageHandler, PUBLIC_PAGE, sendPage, type WebContext } from '../page.js';
import { userPath } from '../paths.js';
import { notFoundPage } from './error.js';

/** Rendered READMEs by package revision and version: rendering a large one costs milliseconds. */
const README_CACHE_SIZE = 200;
const readmeCache = new Map<string, SafeHtml>();

function cachedReadme(key: string, markdown: string): SafeHtml {
  const hit = readmeCache.get(key);
  if (hit) {
    readmeCache.delete(key);
    readmeCache.set(key, hit);
    return hit;
  }
  const rendered = renderMarkdown(markdown);
  readmeCache.set(key, rendered);
  if (readmeCache.size > README_CACHE_SIZE) readmeCache.delete(readmeCache.keys().next().value!);
  return rendered;
}

function text(value: unknown, max = 500): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : null;
}

/** A repository field (`"git+https://…/x.git"` or `{ url }`) as a link a browser can open, if any. */
function repositoryUrl(value: unknown): string | null {
  const raw = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (value as { url?: unknown }).url : null;
  if (typeof raw !== 'string') return null;
  return safeHttpUrl(raw.replace(/^git\+/, '').replace(/\.git$/, ''));
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} kB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** The version the page is about: the one the ecosystem's default tag names, else the newest. */
function currentVersion(eco: Ecosystem, view: PackageView): VersionView {
  const tagged = eco.rules.requiredTag ? view.tags[eco.rules.requiredTag] : undefined;
  const sorted = [...view.versions].sort((a, b) => eco.rules.compareVersions(a.version, b.version));
  return view.versions.find((v) => v.version === tagged) ?? sorted[sorted.length - 1]!;
}

function versionRow(version: VersionView, tags: string[]): SafeHtml {
  return html`<li class="${version.deprecated ? 'deprecated' : ''}">
  <span class="version">${version.version}</span>
  ${tags.map((tag) => html` <span class="tag">${tag}</span>`)}
  ${version.state !== 'active' && version.state !== 'deprecated' ? html` <span class="tag warn">${version.state}</span>` : null}
  <time datetime="${version.publishedAt}">${day(version.publishedAt)}</time>
  ${version.deprecated ? html`<p class="deprecation">Deprecated: ${version.deprecated}</p>` : null}
</li>`;
}

export function renderPackagePage(eco: Ecosystem, view: PackageView): { title: string; body: SafeHtml } {
  const current = currentVersion(eco, view);
  const name = view.head.displayName;
  const manifest = current.manifest;
  const description = text(manifest.description);
  const license = text(manifest.license, 100);
  const homepage = safeHttpUrl(manifest.homepage);
  const repository = repositoryUrl(manifest.repository);
  const tagsByVersion = new Map<string, string[]>();
  for (const [tag, version] of Object.entries(view.tags)) tagsByVersion.set(version, [...(tagsByVersion.get(version) ?? []), tag]);
  const newestFirst = [...view.versions].sort((a, b) => eco.rules.compareVersions(b.version, a.version));
  const readme = current.readme
    ? cachedReadme(`${eco.id}\u0000${view.head.id}\u0000${view.head.lastEventId}\u0000${current.version}`, current.readme)
    : null;

  const body = html`<div class="package">
<section class="main">
  <header class="package-head">
    <h1>${name}</h1>
    <p class="meta">
      <span class="version">${current.version}</span>
      · published ${day(current.publishedAt)}${current.publisher ? html` by <a href="${userPath(current.publisher.name)}">${current.publisher.name}</a>` : null}
      ${view.head.access === 'restricted' ? html` · <span class="tag warn">restricted</span>` : null}
    </p>
    ${description ? html`<p class="lead">${description}</p>` : null}
    ${current.deprecated ? html`<p class="banner deprecation">This version is deprecated: ${current.deprecated}</p>` : null}
  </header>
  <article class="readme">
    ${readme ?? html`<p class="meta">This package has no README.</p>`}
  </article>
</section>
<aside class="side">
  <h2>Install</h2>
  <pre class="install"><code>${eco.installCommand(name, current.version)}</code></pre>
  ${license || homepage || repository
    ? html`<h2>About</h2><dl class="facts">
    ${license ? html`<dt>License</dt><dd>${license}</dd>` : null}
    ${homepage ? html`<dt>Homepage</dt><dd><a href="${homepage}" rel="nofollow noopener noreferrer">${homepage}</a></dd>` : null}
    ${repository ? html`<dt>Repository</dt><dd><a href="${repository}" rel="nofollow noopener noreferrer">${repository}</a></dd>` : null}
  </dl>`
    : null}
  <h2>Tags</h2>
  <dl class="facts tags">
    ${Object.entries(view.tags).map(([tag, version]) => html`<dt>${tag}</dt><dd>${version}</dd>`)}
  </dl>
  <h2>Maintainers</h2>
  <ul class="plain">
    ${view.owners.map((owner) => html`<li><a href="${userPath(owner.name)}">${owner.name}</a></li>`)}
  </ul>
  ${current.artifacts.length > 0
    ? html`<h2>Files of ${current.version}</h2>
  <ul class="plain files">
    ${current.artifacts.map((a) => html`<li><span>${a.filename}</span> <span class="meta">${formatBytes(a.size)}</span><br><code class="digest" title="sha256">sha256:${a.sha256}</code></li>`)}
  </ul>`
    : null}
  <h2>Versions (${view.versions.length})</h2>
  <ol class="versions">
    ${newestFirst.map((v) => versionRow(v, tagsByVersion.get(v.version) ?? []))}
  </ol>
</aside>
</div>`;
  return { title: name, body };
}

/** Registers the package page of one ecosystem under `prefix` (`/package` for npm). */
export function registerPackagePage(app: FastifyInstance, ctx: WebContext, eco: Ecosystem, prefix: string): void {
  const handler = pageHandler(ctx, async (request, reply) => {
    const params = request.params as { scope?: string; name: string };
    const name = params.scope !== undefined ? `@${params.scope}/${params.name}` : params.name;
    let view: PackageView;
    try {
      view = await ctx.deps.registry.getView(eco.rules, name, request.actor);
    } catch (error) {
      // Private packages look exactly like missing ones, to anonymous viewers too.
      if (error instanceof BulwarkError && ['not_found', 'unauthenticated', 'forbidden'].includes(error.kind)) {
        return sendPage(ctx, request, reply, { status: 404, ...notFoundPage(request.actor.kind === 'user') });
      }
      throw error;
    }
    return sendPage(ctx, request, reply, renderPackagePage(eco, view));
  });
  app.get(`${prefix}/:name`, PUBLIC_PAGE, handler);
  app.get(`${prefix}/@:scope/:name`, PUBLIC_PAGE, handler);
}

export function registerPackagePages(app: FastifyInstance, ctx: WebContext): void {
  const npm = ctx.deps.ecosystems.find((e) => e.id === 'npm');
  if (npm) registerPackagePage(app, ctx, npm, '/package');
}
