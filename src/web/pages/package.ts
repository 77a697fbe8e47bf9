// The page of a package, whatever its ecosystem: what the adapter's `describePackage` says of one
// version (summary, license, links, install command, README, files with digests), plus what the
// core knows (versions with dates, deprecations and yanks, tags, maintainers). This file reads no
// ecosystem's metadata; it renders the model. Which URLs show which ecosystem is one table below.
//
// Where versions gather many files (`rules.filesPerVersion === 'many'`), the package's
// owners (and admins) also get a form per version to yank it, with an optional reason, or to
// un-yank it. The forms carry the session's CSRF token and post to `<version page>/yank` and
// `/unyank`; whoever else posts there is refused by the registry (403, or 404 when the package is
// not theirs to see). npm has no yank: it deprecates, through the CLI.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BulwarkError, statusOfKind } from '../../platform/errors.js';
import { can, type Actor } from '../../auth/index.js';
import type { Ecosystem } from '../../ecosystems/index.js';
import type { PackageView, VersionView } from '../../registry/index.js';
import { html, safeHttpUrl, type SafeHtml } from '../html.js';
import { MAX_MARKDOWN_CHARS, renderMarkdown } from '../markdown.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import {
  formField,
  movedPermanently,
  pageHandler,
  PUBLIC_PAGE,
  requireSession,
  seeOther,
  sendPage,
  type WebContext,
} from '../page.js';
import { userPath } from '../paths.js';
import { viewerOf } from '../viewer.js';
import { notFoundPage } from './error.js';
import { FORM_EXPIRED } from './login.js';

/** What an adapter says of a version for its page (the type lives with the Ecosystem interface). */
export type PackagePageModel = ReturnType<Ecosystem['describePackage']>;

type PageRoutes = Ecosystem['pageRoutes'];

/** Yank forms: the route needs no user up front (the handler sends visitors to sign in). */
const YANK_ROUTE = { config: { action: 'package:unpublish', web: true } } as const;
const MAX_REASON_LENGTH = 1024;
const NOT_OWNER = 'Only the owners of this package can yank or un-yank its versions.';

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

function day(iso: string): string {
  return iso.slice(0, 10);
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} kB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function nameOf(params: { scope?: string; name: string }): string {
  return params.scope !== undefined ? `@${params.scope}/${params.name}` : params.name;
}

/** A version of the view by its URL spelling: the ecosystem's canonical form first, then as written. */
function findVersion(eco: Ecosystem, view: PackageView, raw: string): VersionView | undefined {
  let canonical = raw;
  try {
    canonical = eco.rules.checkVersion(raw);
  } catch {
    // Not a valid version: it can still only match as written, which it will not.
  }
  return view.versions.find((v) => v.version === canonical) ?? view.versions.find((v) => v.version === raw);
}

/** Whether the request's path is already the page's canonical one (compared decoded). */
function isCanonical(url: string, path: string): boolean {
  const requested = url.split('?')[0]!;
  try {
    return decodeURIComponent(requested) === decodeURIComponent(path);
  } catch {
    return true;
  }
}

/** Whether this viewer may yank this package's versions here: a web session, and the policy's yes. */
function manageToken(eco: Ecosystem, view: PackageView, actor: Actor, csrf: string | null): string | null {
  if (eco.rules.filesPerVersion !== 'many' || !csrf) return null;
  const { head } = view;
  const allowed = can(actor, 'package:unpublish', { package: { name: head.name, ecosystem: head.ecosystem, access: head.access, ownerIds: head.ownerIds } });
  return allowed ? csrf : null;
}

function stateNote(version: VersionView): SafeHtml | null {
  if (version.state === 'yanked') {
    return html`<p class="yank">Yanked${version.yankReason ? html`: ${version.yankReason}` : null}</p>`;
  }
  return version.deprecated ? html`<p class="deprecation">Deprecated: ${version.deprecated}</p>` : null;
}

function versionRow(eco: Ecosystem, view: PackageView, version: VersionView, shown: VersionView, tags: string[]): SafeHtml {
  const classes = [version.deprecated ? 'deprecated' : '', version.state === 'yanked' ? 'yanked' : '', version === shown ? 'current' : '']
    .filter(Boolean)
    .join(' ');
  return html`<li class="${classes}">
  <a class="version" href="${eco.pagePath(view.head.name, version.version)}">${version.version}</a>
  ${tags.map((tag) => html` <span class="tag">${tag}</span>`)}
  ${version.state !== 'active' && version.state !== 'deprecated' ? html` <span class="tag warn">${version.state}</span>` : null}
  <time datetime="${version.publishedAt}">${day(version.publishedAt)}</time>
  ${stateNote(version)}
</li>`;
}

function readmeOf(eco: Ecosystem, view: PackageView, version: VersionView, model: PackagePageModel): SafeHtml {
  if (!model.readme) return html`<p class="meta">This package has no README.</p>`;
  if (model.readmeFormat === 'text') return html`<pre class="readme-text">${model.readme.slice(0, MAX_MARKDOWN_CHARS)}</pre>`;
  return cachedReadme(`${eco.id}\u0000${view.head.id}\u0000${view.head.lastEventId}\u0000${version.version}`, model.readme);
}

function filesTable(version: VersionView, model: PackagePageModel): SafeHtml | null {
  if (model.files.length === 0) return null;
  return html`<section class="files">
  <h2>Files of ${version.version}</h2>
  <table class="files">
    <thead><tr><th scope="col">File</th><th scope="col">Size</th><th scope="col">Hashes and details</th></tr></thead>
    <tbody>
    ${model.files.map((file) => html`<tr>
      <td class="filename">${file.filename}</td>
      <td class="size">${formatBytes(file.size)}</td>
      <td><dl class="facts digests">
        <dt>sha256</dt><dd><code class="digest">${file.sha256}</code></dd>
        ${file.extra.map((fact) => html`<dt>${fact.label}</dt><dd>${fact.digest ? html`<code class="digest">${fact.value}</code>` : fact.value}</dd>`)}
      </dl></td>
    </tr>`)}
    </tbody>
  </table>
</section>`;
}

function manageSection(eco: Ecosystem, view: PackageView, newestFirst: VersionView[], csrf: string): SafeHtml {
  const action = (version: string, verb: 'yank' | 'unyank') => `${eco.pagePath(view.head.name, version).replace(/\/$/, '')}/${verb}`;
  const row = (v: VersionView): SafeHtml | null => {
    if (v.state === 'yanked') {
      return html`<tr class="yanked">
      <td class="version">${v.version}</td>
      <td>Yanked${v.yankReason ? html`: ${v.yankReason}` : null}</td>
      <td><form method="post" action="${action(v.version, 'unyank')}" class="yank-form">
        <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
        <button type="submit" aria-label="Un-yank ${v.version}">Un-yank</button>
      </form></td>
    </tr>`;
    }
    if (v.state !== 'active' && v.state !== 'deprecated') return null;
    return html`<tr>
      <td class="version">${v.version}</td>
      <td>${v.deprecated ? 'Deprecated' : 'Available'}</td>
      <td><form method="post" action="${action(v.version, 'yank')}" class="yank-form">
        <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
        <input name="reason" maxlength="${MAX_REASON_LENGTH}" placeholder="Reason (optional)" aria-label="Reason for yanking ${v.version}">
        <button type="submit" aria-label="Yank ${v.version}">Yank</button>
      </form></td>
    </tr>`;
  };
  return html`<section class="manage">
  <h2>Manage versions</h2>
  <p class="meta">A yanked version is skipped by installers unless it is pinned exactly; its files stay downloadable. Un-yanking makes it available again.</p>
  <table class="manage">
    <thead><tr><th scope="col">Version</th><th scope="col">State</th><th scope="col">Action</th></tr></thead>
    <tbody>${newestFirst.map(row)}</tbody>
  </table>
</section>`;
}

export interface PackagePageOptions {
  /** The session's CSRF token when the viewer may yank versions here; null otherwise. */
  manage: string | null;
  /** A refusal to show above the page (a yank that did not happen). */
  message?: string;
}

export function renderPackagePage(
  eco: Ecosystem,
  view: PackageView,
  version: VersionView,
  options: PackagePageOptions,
): { title: string; body: SafeHtml } {
  const model = eco.describePackage(view, version);
  const name = view.head.displayName;
  const tagsByVersion = new Map<string, string[]>();
  for (const [tag, v] of Object.entries(view.tags)) tagsByVersion.set(v, [...(tagsByVersion.get(v) ?? []), tag]);
  const newestFirst = [...view.versions].sort((a, b) => eco.rules.compareVersions(b.version, a.version));
  const preferred = eco.defaultVersion(view);
  const links = model.links.flatMap((link) => {
    const url = safeHttpUrl(link.url);
    return url ? [{ label: link.label, url }] : [];
  });
  const tags = Object.entries(view.tags);

  const body = html`<div class="package">
<section class="main">
  ${options.message ? html`<p class="error" role="alert">${options.message}</p>` : null}
  <header class="package-head">
    <h1>${name}</h1>
    <p class="meta">
      <span class="tag">${eco.label}</span>
      <span class="version">${version.version}</span>
      · published ${day(version.publishedAt)}${version.publisher ? html` by <a href="${userPath(version.publisher.name)}">${version.publisher.name}</a>` : null}
      ${view.head.access === 'restricted' ? html` · <span class="tag warn">restricted</span>` : null}
    </p>
    ${model.summary ? html`<p class="lead">${model.summary}</p>` : null}
    ${version.state === 'yanked'
      ? html`<p class="banner yanked">This version has been yanked${version.yankReason ? html`: ${version.yankReason}` : '.'}</p>`
      : null}
    ${version.deprecated ? html`<p class="banner deprecation">This version is deprecated: ${version.deprecated}</p>` : null}
    ${preferred && preferred !== version
      ? html`<p class="meta">This is not the current version: see <a href="${eco.pagePath(view.head.name)}">${preferred.version}</a>.</p>`
      : null}
  </header>
  <article class="readme">
    ${readmeOf(eco, view, version, model)}
  </article>
  ${filesTable(version, model)}
  ${options.manage ? manageSection(eco, view, newestFirst, options.manage) : null}
</section>
<aside class="side">
  <h2>Install</h2>
  <pre class="install"><code>${model.install}</code></pre>
  ${model.license || links.length > 0 || model.facts.length > 0
    ? html`<h2>About</h2><dl class="facts about">
    ${model.license ? html`<dt>License</dt><dd>${model.license}</dd>` : null}
    ${links.map((link) => html`<dt>${link.label}</dt><dd><a href="${link.url}" rel="nofollow noopener noreferrer">${link.url}</a></dd>`)}
    ${model.facts.map((fact) => html`<dt>${fact.label}</dt><dd>${fact.value}</dd>`)}
  </dl>`
    : null}
  ${tags.length > 0
    ? html`<h2>Tags</h2>
  <dl class="facts tags">
    ${tags.map(([tag, v]) => html`<dt>${tag}</dt><dd>${v}</dd>`)}
  </dl>`
    : null}
  <h2>Maintainers</h2>
  <ul class="plain maintainers">
    ${view.owners.map((owner) => html`<li><a href="${userPath(owner.name)}">${owner.name}</a></li>`)}
  </ul>
  <h2>Versions (${view.versions.length})</h2>
  <ol class="versions">
    ${newestFirst.map((v) => versionRow(eco, view, v, version, tagsByVersion.get(v.version) ?? []))}
  </ol>
</aside>
</div>`;
  return { title: version === preferred ? name : `${name} ${version.version}`, body };
}

/** The package's view, or null when the viewer may not know it exists (missing, private, invalid). */
async function loadView(ctx: WebContext, eco: Ecosystem, name: string, actor: Actor): Promise<PackageView | null> {
  try {
    return await ctx.deps.registry.getView(eco.rules, name, actor);
  } catch (error) {
    // Private packages look exactly like missing ones, to anonymous viewers too.
    if (error instanceof BulwarkError && ['not_found', 'unauthenticated', 'forbidden', 'invalid'].includes(error.kind)) return null;
    throw error;
  }
}

function sendNotFound(ctx: WebContext, request: FastifyRequest, reply: FastifyReply) {
  return sendPage(ctx, request, reply, { status: 404, ...notFoundPage(request.actor.kind === 'user') });
}

/** Registers one ecosystem's pages (and, where versions have many files, its yank forms). */
export function registerPackagePage(app: FastifyInstance, ctx: WebContext, eco: Ecosystem, routes: PageRoutes): void {
  /** The package and the version a page is about, or null when there is no such page for this viewer. */
  async function resolve(request: FastifyRequest, name: string, versionParam: string | undefined) {
    const view = await loadView(ctx, eco, name, request.actor);
    if (!view) return null;
    const version = versionParam === undefined ? eco.defaultVersion(view) : findVersion(eco, view, versionParam);
    return version ? { view, version } : null;
  }

  function show(request: FastifyRequest, reply: FastifyReply, view: PackageView, version: VersionView, refusal?: { status: number; message: string }) {
    const viewer = viewerOf(request, ctx.deps.secret);
    const page = renderPackagePage(eco, view, version, { manage: manageToken(eco, view, request.actor, viewer.csrf), message: refusal?.message });
    return sendPage(ctx, request, reply, { status: refusal?.status ?? 200, ...page });
  }

  /** A refused yank: the package page again, with the reason, or the not-found page. */
  async function refuse(request: FastifyRequest, reply: FastifyReply, name: string, status: number, message: string) {
    const found = await resolve(request, name, undefined);
    return found ? show(request, reply, found.view, found.version, { status, message }) : sendNotFound(ctx, request, reply);
  }

  const page = pageHandler(ctx, async (request, reply) => {
    const params = request.params as { scope?: string; name: string; version?: string };
    const found = await resolve(request, nameOf(params), params.version);
    if (!found) return sendNotFound(ctx, request, reply);
    // `/project/Foo_Bar/` → `/project/foo-bar/`: one address per page.
    const canonical = eco.pagePath(found.view.head.name, params.version === undefined ? undefined : found.version.version);
    if (!isCanonical(request.url, canonical)) return movedPermanently(reply, canonical);
    return show(request, reply, found.view, found.version);
  });

  const addSlash = pageHandler(ctx, async (request, reply) => {
    const params = request.params as { scope?: string; name: string; version?: string };
    return movedPermanently(reply, eco.pagePath(nameOf(params), params.version));
  });

  for (const pattern of [...routes.package, ...routes.version]) {
    app.get(pattern, PUBLIC_PAGE, page);
    if (pattern.endsWith('/')) app.get(pattern.slice(0, -1), PUBLIC_PAGE, addSlash);
  }

  if (eco.rules.filesPerVersion !== 'many') return;

  const changeYank = (yank: boolean) =>
    pageHandler(ctx, async (request, reply) => {
      const params = request.params as { scope?: string; name: string; version: string };
      const name = nameOf(params);
      const gate = await requireSession(ctx, request, eco.pagePath(name));
      if (!gate.ok) return seeOther(reply, gate.location);
      if (!checkSessionCsrf(ctx.deps.secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) {
        return refuse(request, reply, name, 403, FORM_EXPIRED);
      }
      const reason = yank ? formField(request.body, 'reason').trim() : null;
      try {
        const version = eco.rules.checkVersion(params.version);
        await ctx.deps.registry.setYanked(eco.rules, name, version, reason, request.actor);
      } catch (error) {
        if (!(error instanceof BulwarkError)) throw error;
        // Other refusals (the MFA policy's, an unverified address) say what to do themselves.
        const message = error.code === 'NOT_PERMITTED' ? NOT_OWNER : error.message;
        return refuse(request, reply, name, statusOfKind[error.kind], message);
      }
      return seeOther(reply, eco.pagePath(name));
    });

  for (const pattern of routes.version) {
    const base = pattern.replace(/\/$/, '');
    app.post(`${base}/yank`, YANK_ROUTE, changeYank(true));
    app.post(`${base}/unyank`, YANK_ROUTE, changeYank(false));
  }
}

/** Each ecosystem's pages, at the URL patterns its adapter names. */
export function registerPackagePages(app: FastifyInstance, ctx: WebContext): void {
  for (const eco of ctx.deps.ecosystems) registerPackagePage(app, ctx, eco, eco.pageRoutes);
}
