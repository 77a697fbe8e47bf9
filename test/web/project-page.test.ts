// Package pages of every ecosystem over HTTP (in-process): the PyPI project page rendered from
// the adapter's model (install command, files with digests, README sanitized, yanks shown), its
// canonical addresses, yanking and un-yanking through the owner's web form (CSRF-protected,
// refused to everyone else with nothing changed), and search results linking to each
// ecosystem's page. npm's page is checked against the same model.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { cookie, csrfOf, form, FORM, type Injected } from './forms.js';
import { integrityOf, npmPublish, shasumOf } from '../helpers/tarball.js';
import { CONTENT_SECURITY_POLICY } from '../../src/web/page.js';
import { buildWheel, uploadForm, type Wheel } from './wheel.js';

const ADMIN_PASSWORD = 'correct-horse-battery';
const PUBLIC_URL = 'https://registry.example.test';
const PROJECT = 'bw-web-py';
const README = '# Readme <script>alert(1)</script>\n\nA project for the web tests.\n\n<img src="x" onerror="alert(2)">';
const FORM_EXPIRED = 'This form has expired or was not sent from this site. Please try again.';
const NOT_OWNER = 'Only the owners of this package can yank or un-yank its versions.';




describe('package pages of every ecosystem', () => {
  let app: BulwarkApp;
  let dataDir: string;
  let oliveToken: string;
  const wheels = new Map<string, Wheel>();

  async function signIn(name: string, password: string): Promise<string> {
    const page = await app.http.inject({ method: 'GET', url: '/account/login' });
    const csrfCookie = cookie(page, 'bulwark_csrf')!.value;
    const response = await app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrfOf(page.body), name, password }),
    });
    assert.equal(response.statusCode, 303, `sign in as ${name}`);
    return cookie(response, 'bulwark_session')!.value;
  }

  async function uploadWheel(name: string, version: string, summary: string): Promise<Wheel> {
    const wheel = buildWheel(name, version, {
      summary,
      readme: README,
      extraHeaders: ['License-Expression: MIT', 'Project-URL: Source, https://example.com/src', 'Project-URL: Evil, javascript:alert(3)'],
    });
    const { contentType, body } = uploadForm(name, version, wheel);
    const response = await app.http.inject({
      method: 'POST',
      url: '/legacy/',
      headers: { 'content-type': contentType, authorization: `Basic ${Buffer.from(`__token__:${oliveToken}`).toString('base64')}` },
      payload: body,
    });
    assert.equal(response.statusCode, 200, `upload ${wheel.filename}: ${response.body}`);
    wheels.set(version, wheel);
    return wheel;
  }

  const get = (url: string, session?: string) =>
    app.http.inject({ method: 'GET', url, ...(session ? { cookies: { bulwark_session: session } } : {}) });

  const post = (url: string, fields: Record<string, string>, session?: string) =>
    app.http.inject({ method: 'POST', url, headers: FORM, payload: form(fields), ...(session ? { cookies: { bulwark_session: session } } : {}) });

  /** What the PyPI JSON API says of a release: the registry's state, not the page's. */
  async function yankedState(version: string): Promise<{ yanked: boolean; reason: string | null }> {
    const json = await get(`/pypi/${PROJECT}/${version}/json`);
    assert.equal(json.statusCode, 200);
    const info = (JSON.parse(json.body) as { info: { yanked: boolean; yanked_reason: string | null } }).info;
    return { yanked: info.yanked, reason: info.yanked_reason };
  }

  async function eventCount(): Promise<number> {
    const json = await get(`/pypi/${PROJECT}/json`);
    return (JSON.parse(json.body) as { last_serial: number }).last_serial;
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-web-project-'));
    app = await createApp({
      config: loadConfig({}, { port: 0, publicUrl: PUBLIC_URL, dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', securityContact: 'mailto:security@example.test', leakCheckDir: PWNED_FIXTURE_DIR }),
    });
    const olive = await app.accounts.createUser({ name: 'olive', email: 'olive@example.test', password: 'olive-password-long' });
    await app.accounts.createUser({ name: 'nora', email: 'nora@example.test', password: 'nora-password-long' });
    ({ token: oliveToken } = await app.tokens.create({ userId: olive.id, name: 'test', scope: { permission: 'read-write', packages: null, scopes: null } }));
    await uploadWheel(PROJECT, '1.0.0', 'The first release');
    await uploadWheel(PROJECT, '1.1.0', 'Shows how Bulwark renders a PyPI project');
  });

  after(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('the project page shows the install command, files with digests, the README without script', async () => {
    const page = await get(`/project/${PROJECT}/`);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    const body = page.body;
    assert.match(body, /<h1>bw-web-py<\/h1>/);
    assert.match(body, /<span class="tag">PyPI<\/span>/);
    assert.match(body, /<pre class="install"><code>pip install bw-web-py==1\.1\.0<\/code><\/pre>/);
    assert.match(body, /<p class="lead">Shows how Bulwark renders a PyPI project<\/p>/);
    // The files table: the wheel of the version shown, with its sha256 and the adapter's facts.
    const wheel = wheels.get('1.1.0')!;
    assert.ok(body.includes(wheel.filename), 'the wheel is listed');
    assert.ok(body.includes(`<code class="digest">${wheel.sha256}</code>`), 'its sha256 is shown');
    assert.ok(!body.includes(wheels.get('1.0.0')!.sha256), "another version's file is not");
    assert.match(body, /<dt>blake2b-256<\/dt><dd><code class="digest">[0-9a-f]{64}<\/code><\/dd>/);
    assert.match(body, /<dt>Type<\/dt><dd>Wheel<\/dd>/);
    assert.match(body, /<dt>Python<\/dt><dd>py3<\/dd>/);
    assert.match(body, /<dt>Requires Python<\/dt><dd>&gt;=3\.8<\/dd>/);
    // About: license, the http(s) project URL only.
    assert.match(body, /<dt>License<\/dt><dd>MIT<\/dd>/);
    assert.match(body, /<dt>Source<\/dt><dd><a href="https:\/\/example\.com\/src" rel="nofollow noopener noreferrer">/);
    assert.doesNotMatch(body, /javascript:|<dt>Evil<\/dt>/);
    // The README: rendered markdown, sanitized.
    assert.match(body, /<h1>Readme\s*<\/h1>/);
    assert.match(body, /A project for the web tests\./);
    assert.doesNotMatch(body, /<script|onerror|alert\(/i);
    // Versions with dates, newest first; maintainers; no tags section (PyPI has none).
    assert.match(body, /<ol class="versions">[\s\S]*1\.1\.0[\s\S]*\d{4}-\d{2}-\d{2}[\s\S]*1\.0\.0[\s\S]*<\/ol>/);
    assert.match(body, /<a class="version" href="\/project\/bw-web-py\/1\.0\.0\/">1\.0\.0<\/a>/);
    assert.match(body, /<ul class="plain maintainers">\s*<li><a href="\/user\/olive">olive<\/a><\/li>/);
    assert.doesNotMatch(body, /<h2>Tags<\/h2>/);
  });

  test('one address per project: slashless and unnormalized forms redirect; unknown ones are 404', async () => {
    const slashless = await get(`/project/${PROJECT}`);
    assert.equal(slashless.statusCode, 301);
    assert.equal(slashless.headers.location, `/project/${PROJECT}/`);
    const spelled = await get('/project/Bw_Web.Py/');
    assert.equal(spelled.statusCode, 301);
    assert.equal(spelled.headers.location, `/project/${PROJECT}/`);
    const release = await get(`/project/${PROJECT}/1.0.0`);
    assert.equal(release.statusCode, 301);
    assert.equal(release.headers.location, `/project/${PROJECT}/1.0.0/`);
    for (const url of ['/project/no-such-project/', `/project/${PROJECT}/9.9.9/`, '/project/not%20valid/', `/project/${PROJECT}/not-a-version/`]) {
      const response = await get(url);
      assert.equal(response.statusCode, 404, url);
      assert.match(response.body, /<h1>Not found<\/h1>/, url);
    }
  });

  test("a release's page shows that release", async () => {
    const page = await get(`/project/${PROJECT}/1.0.0/`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /pip install bw-web-py==1\.0\.0/);
    assert.match(page.body, /<p class="lead">The first release<\/p>/);
    assert.ok(page.body.includes(wheels.get('1.0.0')!.sha256));
    assert.match(page.body, /This is not the current version: see <a href="\/project\/bw-web-py\/">1\.1\.0<\/a>/);
    assert.match(page.body, /<title>bw-web-py 1\.0\.0 · Bulwark<\/title>/);
  });

  test('only owners see the yank forms', async () => {
    const anonymous = await get(`/project/${PROJECT}/`);
    assert.doesNotMatch(anonymous.body, /\/yank"|Manage versions/);
    const nora = await signIn('nora', 'nora-password-long');
    const other = await get(`/project/${PROJECT}/`, nora);
    assert.equal(other.statusCode, 200);
    assert.doesNotMatch(other.body, /\/yank"|Manage versions/);
    const olive = await signIn('olive', 'olive-password-long');
    const owner = await get(`/project/${PROJECT}/`, olive);
    assert.match(owner.body, /<h2>Manage versions<\/h2>/);
    assert.match(owner.body, /<form method="post" action="\/project\/bw-web-py\/1\.0\.0\/yank" class="yank-form">/);
    assert.match(owner.body, /<form method="post" action="\/project\/bw-web-py\/1\.1\.0\/yank" class="yank-form">/);
  });

  test('the owner yanks with a reason through the form, sees it marked, and un-yanks', async () => {
    const olive = await signIn('olive', 'olive-password-long');
    const page = await get(`/project/${PROJECT}/`, olive);
    const token = csrfOf(page.body);

    const yanked = await post(`/project/${PROJECT}/1.0.0/yank`, { _csrf: token, reason: 'Broken <b>build</b>' }, olive);
    assert.equal(yanked.statusCode, 303);
    assert.equal(yanked.headers.location, `/project/${PROJECT}/`);
    assert.deepEqual(await yankedState('1.0.0'), { yanked: true, reason: 'Broken <b>build</b>' });

    const after = await get(`/project/${PROJECT}/`);
    assert.match(after.body, /<li class="yanked">\s*<a class="version" href="\/project\/bw-web-py\/1\.0\.0\/">1\.0\.0<\/a>\s*<span class="tag warn">yanked<\/span>/);
    assert.match(after.body, /<p class="yank">Yanked: Broken &lt;b&gt;build&lt;\/b&gt;<\/p>/);
    const release = await get(`/project/${PROJECT}/1.0.0/`);
    assert.match(release.body, /<p class="banner yanked">This version has been yanked: Broken &lt;b&gt;build&lt;\/b&gt;<\/p>/);

    // The owner's form now offers to un-yank it; yanking it again is refused with the reason.
    const owner = await get(`/project/${PROJECT}/`, olive);
    assert.match(owner.body, /action="\/project\/bw-web-py\/1\.0\.0\/unyank"/);
    assert.doesNotMatch(owner.body, /action="\/project\/bw-web-py\/1\.0\.0\/yank"/);
    const again = await post(`/project/${PROJECT}/1.0.0/yank`, { _csrf: token, reason: '' }, olive);
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /<p class="error" role="alert">[^<]*already yanked[^<]*<\/p>/i);

    const unyanked = await post(`/project/${PROJECT}/1.0.0/unyank`, { _csrf: token }, olive);
    assert.equal(unyanked.statusCode, 303);
    assert.deepEqual(await yankedState('1.0.0'), { yanked: false, reason: null });
    const restored = await get(`/project/${PROJECT}/`);
    assert.doesNotMatch(restored.body, /class="yanked"|<p class="yank">/);

    // A yank without a reason is a yank too.
    const plain = await post(`/project/${PROJECT}/1.1.0/yank`, { _csrf: token }, olive);
    assert.equal(plain.statusCode, 303);
    assert.deepEqual(await yankedState('1.1.0'), { yanked: true, reason: null });
    const shown = await get(`/project/${PROJECT}/1.1.0/`);
    assert.match(shown.body, /<p class="banner yanked">This version has been yanked\.<\/p>/);
    // With its newest release yanked, the project page shows the newest one that is not.
    const project = await get(`/project/${PROJECT}/`);
    assert.match(project.body, /pip install bw-web-py==1\.0\.0/);
    assert.equal((await post(`/project/${PROJECT}/1.1.0/unyank`, { _csrf: token }, olive)).statusCode, 303);
  });

  test('a yank without the session CSRF token is refused with 403 and changes nothing', async () => {
    const olive = await signIn('olive', 'olive-password-long');
    const other = await signIn('olive', 'olive-password-long');
    const tokenOfOther = csrfOf((await get(`/project/${PROJECT}/`, other)).body);
    const events = await eventCount();
    const attempts: Array<Record<string, string>> = [{ reason: 'x' }, { _csrf: 'forged', reason: 'x' }, { _csrf: tokenOfOther, reason: 'x' }];
    for (const fields of attempts) {
      const response = await post(`/project/${PROJECT}/1.0.0/yank`, fields, olive);
      assert.equal(response.statusCode, 403, JSON.stringify(fields));
      assert.match(response.body, new RegExp(`<p class="error" role="alert">${FORM_EXPIRED.replace(/\./g, '\\.')}</p>`));
    }
    assert.deepEqual(await yankedState('1.0.0'), { yanked: false, reason: null });
    assert.equal(await eventCount(), events, 'no event was recorded');
  });

  test('a signed-in non-owner cannot yank (403); an anonymous post goes to sign in', async () => {
    const nora = await signIn('nora', 'nora-password-long');
    const token = csrfOf((await get(`/project/${PROJECT}/`, nora)).body);
    const events = await eventCount();
    for (const verb of ['yank', 'unyank']) {
      const refused = await post(`/project/${PROJECT}/1.0.0/${verb}`, { _csrf: token, reason: 'mine now' }, nora);
      assert.equal(refused.statusCode, 403, verb);
      assert.match(refused.body, new RegExp(`<p class="error" role="alert">${NOT_OWNER}</p>`));
      assert.doesNotMatch(refused.body, /Manage versions/, 'the refusal page offers no forms either');
    }
    const anonymous = await post(`/project/${PROJECT}/1.0.0/yank`, { _csrf: token, reason: 'x' });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, `/account/login?next=${encodeURIComponent(`/project/${PROJECT}/`)}`);
    const missing = await post('/project/no-such-project/1.0.0/yank', { _csrf: token }, nora);
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(await yankedState('1.0.0'), { yanked: false, reason: null });
    assert.equal(await eventCount(), events, 'no event was recorded');
  });

  test('npm pages render the same model (tarball with integrity and shasum) and have no yank forms', async () => {
    const name = 'bw-web-npm-demo';
    const manifest = { name, version: '2.0.0', description: 'An npm package beside the PyPI one', license: 'ISC', repository: 'git+https://example.com/repo.git' };
    const { tarball, body } = await npmPublish(manifest, { files: { 'README.md': '# npm readme' }, readme: '# npm readme' });
    const integrity = integrityOf(tarball);
    const shasum = shasumOf(tarball);
    const published = await app.http.inject({
      method: 'PUT',
      url: `/${name}`,
      headers: { authorization: `Bearer ${oliveToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    assert.equal(published.statusCode, 201, published.body);

    const olive = await signIn('olive', 'olive-password-long');
    const page = await get(`/package/${name}`, olive);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<pre class="install"><code>npm install bw-web-npm-demo@2\.0\.0<\/code><\/pre>/);
    assert.ok(page.body.includes(`${name}-2.0.0.tgz`));
    assert.ok(page.body.includes(`<code class="digest">${createHash('sha256').update(tarball).digest('hex')}</code>`));
    assert.ok(page.body.includes(`<dt>integrity</dt><dd><code class="digest">${integrity}</code></dd>`));
    assert.ok(page.body.includes(`<dt>shasum</dt><dd><code class="digest">${shasum}</code></dd>`));
    assert.match(page.body, /<dt>Repository<\/dt><dd><a href="https:\/\/example\.com\/repo"/);
    assert.match(page.body, /<dl class="facts tags">\s*<dt>latest<\/dt><dd>2\.0\.0<\/dd>/);
    assert.doesNotMatch(page.body, /Manage versions|\/yank"/, 'npm deprecates; it has no yank forms');
    const version = await get(`/package/${name}/v/2.0.0`);
    assert.equal(version.statusCode, 200);
    assert.match(version.body, /npm install bw-web-npm-demo@2\.0\.0/);
    // No web route takes the post (the npm protocol's routes answer it, and refuse it).
    const notAWebRoute = await post(`/package/${name}/v/2.0.0/yank`, { _csrf: csrfOf(page.body) }, olive);
    assert.ok(notAWebRoute.statusCode >= 400, `no yank for npm: ${notAWebRoute.statusCode}`);
    assert.doesNotMatch(String(notAWebRoute.headers['content-type']), /text\/html/);
    assert.doesNotMatch((await get(`/package/${name}`)).body, /yanked/);

    // Search: each hit with its ecosystem's label, linking to the page its ecosystem names.
    const search = await get('/packages/search?q=bw-web');
    assert.equal(search.statusCode, 200);
    assert.match(search.body, /<a class="pkg" href="\/package\/bw-web-npm-demo">bw-web-npm-demo<\/a>\s*<span class="version">2\.0\.0<\/span>\s*<span class="tag">npm<\/span>/);
  });

  // The registry's search joins each package's `latest` tag, which PyPI projects never have
  // (src/registry/service.ts `search`): until it does not, no PyPI project is ever a hit.
  test('search lists PyPI projects with their label, linking to /project/<name>/', async () => {
    const search = await get(`/packages/search?q=${PROJECT}`);
    assert.equal(search.statusCode, 200);
    assert.match(search.body, /<a class="pkg" href="\/project\/bw-web-py\/">bw-web-py<\/a>\s*<span class="version">[^<]+<\/span>\s*<span class="tag">PyPI<\/span>/);
  });
});
