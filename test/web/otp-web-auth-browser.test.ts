// npm's web-auth OTP flow for a critical package that needs a phishing-resistant factor, with
// the real npm CLI on a terminal and Debian's chromium (playwright-core) holding a CDP virtual
// authenticator: npm publish gets 401 WWW-Authenticate: OTP with authUrl/doneUrl, prints the
// URL and polls; the browser, signed in, confirms with the passkey; npm's poll yields a one-time
// grant which it sends as npm-otp, and the publish goes through. The grant works once. The
// public URL is http://localhost:<port> (browsers refuse an IP address as a WebAuthn RP id).
// Chromium is required: without it this test fails, it never skips.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { listenOnFreePort } from '../helpers/test-app.js';
import { createNpmClient, writePackage, assertOk, type NpmClient } from '../helpers/npm-cli.js';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { launchChromium, addVirtualAuthenticator } from '../helpers/chromium.js';

const PASSWORD = 'kim-long-passphrase';

describe("npm's web-auth OTP flow with a passkey in chromium", () => {
  let app: BulwarkApp;
  let url: string;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let npm: NpmClient;
  let kimId: number;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-otp-web-'));
    ({ app } = await listenOnFreePort((port) =>
      createApp({
        config: loadConfig({}, { host: '127.0.0.1', port, publicUrl: `http://localhost:${port}`, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent' }),
      }),
    ));
    url = app.config.publicUrl;
    const kim = await app.accounts.createUser({ name: 'kim', email: 'kim@example.test', password: PASSWORD, emailVerified: true });
    kimId = kim.id;
    const { token } = await app.tokens.create({ userId: kim.id, name: 'test', scope: { permission: 'read-write', packages: null, scopes: null } });
    npm = await createNpmClient(url, { env: { npm_config_browser: 'false' } });
    await npm.setToken(token);
    assertOk(await npm.run(['publish'], { cwd: await writePackage({ name: 'kim-core', version: '1.0.0' }) }), 'publish before the policy');

    browser = await launchChromium();
    const context = await browser.newContext();
    page = await context.newPage();
    await addVirtualAuthenticator(context, page);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('sign in and add a passkey', { timeout: 60_000 }, async () => {
    await page.goto(`${url}/account/login?next=/account/mfa`);
    await page.getByLabel('User name').fill('kim');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await page.getByLabel('Passkey').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Create the passkey' }).click();
    // The first factor of an account brings its recovery codes.
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    assert.equal((await app.mfa.status(kimId)).phishingResistant, true);
  });

  test('a critical package under the phishing-resistant policy: npm asks in the browser, then publishes', { timeout: 90_000 }, async () => {
    await app.mfaPolicy.setPolicy({ mode: 'critical-maintainers', criticalNeedsPhishingResistant: true }, { userId: null });
    const pkg = await app.db.selectFrom('packages').select('id').where('name', '=', 'kim-core').executeTakeFirstOrThrow();
    await app.mfaPolicy.critical.setMarked({ packageId: pkg.id, ecosystem: 'npm', name: 'kim-core' }, true, null);

    // In a script npm cannot open a browser: it fails with EOTP and prints both URLs.
    const dir = await writePackage({ name: 'kim-core', version: '1.1.0' });
    const scripted = await npm.run(['publish'], { cwd: dir });
    assert.notEqual(scripted.code, 0);
    assert.match(scripted.stderr, /EOTP/);
    const printed = /(http:\/\/localhost:\d+\/account\/otp\/[A-Za-z0-9_-]+)/.exec(scripted.stderr);
    assert.ok(printed, scripted.stderr);
    assert.match(scripted.stderr, /\/-\/npm\/v1\/otp\/done\?session=/);

    // On a terminal npm prints the page's URL and polls; we confirm in the browser meanwhile.
    let confirmed = false;
    const result = await npm.runInPty(['publish', dir], [
      [
        /\/account\/otp\/[A-Za-z0-9_-]+/,
        async (output) => {
          const authUrl = /(http:\/\/localhost:\d+\/account\/otp\/[A-Za-z0-9_-]+)/.exec(output)![1]!;
          await page.goto(authUrl);
          await page.getByRole('button', { name: 'Confirm with a security key or passkey' }).click();
          await page.getByRole('heading', { name: 'Confirmed' }).waitFor();
          confirmed = true;
          return '';
        },
      ],
    ]);
    assert.equal(result.code, 0, result.stdout);
    assert.ok(confirmed);
    const view = await npm.run(['view', 'kim-core', 'versions', '--json']);
    assert.deepEqual(JSON.parse(view.stdout), ['1.0.0', '1.1.0']);
    const grants = await app.db.selectFrom('events').select(['type', 'data']).where('type', '=', 'otp:grant').execute();
    assert.equal(grants.length, 1);
    assert.equal(JSON.parse(grants[0]!.data).phishingResistant, true);
  });

  test('a grant works once, and only through the poll it was made for', { timeout: 60_000 }, async () => {
    const dir = await writePackage({ name: 'kim-core', version: '1.2.0' });
    const refused = await npm.run(['publish'], { cwd: dir });
    const authUrl = /(http:\/\/localhost:\d+\/account\/otp\/[A-Za-z0-9_-]+)/.exec(refused.stderr)![1]!;
    const doneUrl = /(http:\/\/localhost:\d+\/-\/npm\/v1\/otp\/done\?session=[A-Za-z0-9_-]+)/.exec(refused.stderr)![1]!;
    const pending = await fetch(doneUrl);
    assert.equal(pending.status, 202);
    assert.equal(pending.headers.get('retry-after'), '1');
    await page.goto(authUrl);
    await page.getByRole('button', { name: 'Confirm with a security key or passkey' }).click();
    await page.getByRole('heading', { name: 'Confirmed' }).waitFor();
    const done = await fetch(doneUrl);
    assert.equal(done.status, 200);
    const { token: grant } = (await done.json()) as { token: string };
    assert.match(grant, /^bwo_/);
    assert.equal((await fetch(doneUrl)).status, 404, 'the grant is handed out once');
    assertOk(await npm.run(['publish', `--otp=${grant}`], { cwd: dir }), 'publish with the grant');
    const again = await npm.run(['publish', `--otp=${grant}`], { cwd: await writePackage({ name: 'kim-core', version: '1.3.0' }) });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /EOTP/);
  });
});
