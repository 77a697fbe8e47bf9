// The web UI in a real browser (Debian's chromium through playwright-core): a package published
// over the npm protocol renders with its README, and `npm login`'s web flow is approved through
// the sign-in form. Chromium is required: without it this test fails, it never skips.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnFreePort } from '../helpers/test-app.js';
import { type Browser } from 'playwright-core';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { npmPublish } from '../helpers/tarball.js';
import { CONTENT_SECURITY_POLICY } from '../../src/web/page.js';
import { buildWheel, uploadForm } from './wheel.js';
import { launchChromium } from '../helpers/chromium.js';

const PROJECT = 'bw-web-py-demo';
const ADMIN_PASSWORD = 'correct-horse-battery';
const PACKAGE = 'bw-web-demo';
const README = [
  '# Hello Bulwark',
  '',
  'A demo package for the web UI test.',
  '',
  '<script>alert(1)</script>',
  '',
  '<img src="x" onerror="alert(2)">',
  '',
  '## Usage',
  '',
  '```js',
  "import demo from 'bw-web-demo';",
  '```',
  '',
  '[bad link](javascript:alert(3))',
].join('\n');


async function publish(url: string, token: string, version: string): Promise<void> {
  const manifest = { name: PACKAGE, version, description: 'Shows how Bulwark renders a package', license: 'MIT', homepage: 'https://example.com/bw-web-demo' };
  const { body } = await npmPublish(manifest, { files: { 'README.md': README }, readme: README });
  const response = await fetch(`${url}/${PACKAGE}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, `publish ${version}: ${await response.text()}`);
}

describe('web UI in chromium', () => {
  let app: BulwarkApp;
  let url: string;
  let dataDir: string;
  let browser: Browser;

  before(async () => {
    // Fail, loudly, rather than skip: the UI is only known to work if a browser showed it.
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-web-'));
    ({ app } = await listenOnFreePort((port) =>
      createApp({ config: loadConfig({}, { host: '127.0.0.1', port, dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', leakCheckDir: PWNED_FIXTURE_DIR }) }),
    ));
    url = app.config.publicUrl;

    const login = await fetch(`${url}/-/user/org.couchdb.user:admin`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(login.status, 201);
    const { token } = (await login.json()) as { token: string };
    await publish(url, token, '1.0.0');
    await publish(url, token, '1.1.0');
    // A deprecation, through the service (the npm wire form of it is tested elsewhere).
    const npm = app.ecosystems.find((e) => e.id === 'npm')!;
    const admin = (await app.accounts.getUserByName('admin'))!;
    await app.registry.deprecate(npm.rules, PACKAGE, new Map([['1.0.0', 'Use 1.1.0: 1.0.0 is insecure']]), {
      kind: 'user', userId: admin.id, name: admin.name, isAdmin: true, via: 'token', tokenId: null, readonly: false, scope: null,
    });

    // A PyPI project with two releases, the older one yanked.
    for (const version of ['0.9.0', '1.0.0']) {
      const wheel = buildWheel(PROJECT, version, {
        summary: 'Shows how Bulwark renders a PyPI project',
        readme: README,
        extraHeaders: ['Description-Content-Type: text/markdown', 'License-Expression: Apache-2.0', 'Project-URL: Source, https://example.com/src'],
      });
      const { contentType, body } = uploadForm(PROJECT, version, wheel);
      const uploaded = await fetch(`${url}/legacy/`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` },
        body: new Uint8Array(body),
      });
      assert.equal(uploaded.status, 200, `upload ${wheel.filename}: ${await uploaded.text()}`);
    }
    const pypi = app.ecosystems.find((e) => e.id === 'pypi')!;
    await app.registry.setYanked(pypi.rules, PROJECT, '0.9.0', 'Wrong files in the wheel', {
      kind: 'user', userId: admin.id, name: admin.name, isAdmin: true, via: 'token', tokenId: null, readonly: false, scope: null,
    });

    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('the package page renders the README safely, with install command, versions and headers', { timeout: 60_000 }, async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    const response = await page.goto(`${url}/package/${PACKAGE}`);
    assert.ok(response);
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.equal(headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.match(headers['content-type'] ?? '', /^text\/html; charset=utf-8/);

    await page.getByRole('heading', { level: 1, name: 'Hello Bulwark' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Usage' }).waitFor();
    assert.equal((await page.locator('pre.install').innerText()).trim(), `npm install ${PACKAGE}@1.1.0`);
    const versions = await page.locator('ol.versions').innerText();
    assert.match(versions, /1\.1\.0/);
    assert.match(versions, /1\.0\.0/);
    assert.match(versions, /Deprecated: Use 1\.1\.0: 1\.0\.0 is insecure/);
    assert.match(versions, /\d{4}-\d{2}-\d{2}/, 'publish dates are shown');
    assert.match(await page.locator('dl.tags').innerText(), /latest\s+1\.1\.0/);
    assert.match(await page.locator('aside').innerText(), /admin/, 'maintainers are listed');

    const markup = await page.content();
    assert.doesNotMatch(markup, /<script/i, 'no script element reaches the page');
    assert.doesNotMatch(markup, /onerror|javascript:/i);
    assert.equal(await page.locator('a[href^="javascript"]').count(), 0);
    // The stylesheet loaded (the CSP allows 'self'): the header has its dark background.
    const headerBackground = await page.locator('header.site').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(headerBackground, 'rgb(20, 27, 45)');

    const screenshot = join(dataDir, 'package-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok((await stat(screenshot)).size > 10_000);
    t.diagnostic(`screenshot: ${screenshot}`);
    if (process.env.BULWARK_SCREENSHOT_DIR) {
      await page.screenshot({ path: join(process.env.BULWARK_SCREENSHOT_DIR, 'package-page.png'), fullPage: true });
    }

    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, [], 'no script from the README ran');
    assert.deepEqual(cspViolations, [], 'the page itself needs nothing the CSP forbids');
    await context.close();
  });

  test('a PyPI project page: pip install, files with hashes, the yanked release marked', { timeout: 60_000 }, async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    const response = await page.goto(`${url}/project/${PROJECT}`);
    assert.ok(response);
    assert.equal(response.status(), 200);
    assert.equal(new URL(page.url()).pathname, `/project/${PROJECT}/`, 'the slashless address redirects');
    await page.getByRole('heading', { level: 1, name: 'Hello Bulwark' }).waitFor();
    assert.equal((await page.locator('pre.install').innerText()).trim(), `pip install ${PROJECT}==1.0.0`);
    const files = await page.locator('table.files').innerText();
    assert.match(files, new RegExp(`${PROJECT.replace(/-/g, '_')}-1\\.0\\.0-py3-none-any\\.whl`));
    assert.match(files, /sha256\s+[0-9a-f]{64}/);
    assert.match(files, /blake2b-256\s+[0-9a-f]{64}/);
    const versions = await page.locator('ol.versions').innerText();
    assert.match(versions, /0\.9\.0\s+yanked/);
    assert.match(versions, /Yanked: Wrong files in the wheel/);
    assert.doesNotMatch(await page.content(), /<script/i);

    const screenshot = join(dataDir, 'project-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok((await stat(screenshot)).size > 10_000);
    t.diagnostic(`screenshot: ${screenshot}`);
    if (process.env.BULWARK_SCREENSHOT_DIR) {
      await page.screenshot({ path: join(process.env.BULWARK_SCREENSHOT_DIR, 'project-page.png'), fullPage: true });
    }
    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, [], 'no script from the README ran');
    await context.close();
  });

  test('npm login --auth-type=web: sign in through the form, approve, and the CLI gets a token', { timeout: 60_000 }, async () => {
    const started = await fetch(`${url}/-/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(started.status, 200);
    const { loginUrl, doneUrl } = (await started.json()) as { loginUrl: string; doneUrl: string };
    assert.ok(loginUrl.startsWith(`${url}/account/cli-login/`), loginUrl);
    assert.equal((await fetch(doneUrl)).status, 202, 'pending until approved');

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(loginUrl);
    const loginPage = new URL(page.url());
    assert.equal(loginPage.pathname, '/account/login', 'an anonymous visitor is sent to sign in first');
    assert.equal(loginPage.searchParams.get('next'), new URL(loginUrl).pathname);

    // A wrong password first: the generic message, and the form again.
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    const refused = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    assert.equal(refused[0].status(), 401);
    await page.getByText('Incorrect user name or password.').waitFor();

    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Approve npm CLI sign-in as admin?' }).waitFor();
    assert.equal(page.url(), loginUrl, 'back on the approval page after signing in');

    const session = (await context.cookies()).find((c) => c.name === 'bulwark_session');
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/');

    if (process.env.BULWARK_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.BULWARK_SCREENSHOT_DIR, 'approve-page.png'), fullPage: true });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('You can close this page and return to the terminal.').waitFor();

    let token: string | undefined;
    for (let attempt = 0; attempt < 20 && !token; attempt++) {
      const polled = await fetch(doneUrl);
      if (polled.status === 200) token = ((await polled.json()) as { token: string }).token;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(token, 'the polling CLI received a token');
    const whoami = await fetch(`${url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await whoami.json(), { username: 'admin' });
    await context.close();
  });
});
