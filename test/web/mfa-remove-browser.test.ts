// Removing a factor on /account/mfa, re-authenticating with a passkey instead of the password or
// a code: real chromium (playwright-core) with a CDP virtual authenticator. The button shows only
// when the account has a security key or passkey; a forged assertion is refused, counted and
// logged, and removes nothing; the real one removes exactly the chosen factor.
// Chromium is required: without it this test fails, it never skips.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { generate } from 'otplib';
import { listenOnFreePort } from '../helpers/test-app.js';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';

const CHROMIUM = '/usr/bin/chromium';
const NAME = 'remy';
const PASSWORD = 'remy-long-passphrase';
const CONFIRM_WITH_KEY = 'Remove, confirming with a security key or passkey';

describe('removing a factor with a passkey in chromium', () => {
  let app: BulwarkApp;
  let url: string;
  let dataDir: string;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium to run the web UI tests`);
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-mfa-remove-'));
    ({ app } = await listenOnFreePort((port) =>
      createApp({
        config: loadConfig(
          {},
          { host: '127.0.0.1', port, publicUrl: `http://localhost:${port}`, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', leakCheckDir: PWNED_FIXTURE_DIR },
        ),
      }),
    ));
    url = app.config.publicUrl;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'],
    });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('the app factor is removed after a passkey assertion; a forged assertion removes nothing', { timeout: 90_000 }, async () => {
    const user = await app.accounts.createUser({ name: NAME, email: 'remy@example.test', password: PASSWORD });
    const context = await browser.newContext();
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    await page.goto(`${url}/account/login?next=/account/mfa`);
    await page.getByLabel('User name').fill(NAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();

    // An authenticator app first: no security key or passkey yet, so no such button.
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('link', { name: 'Done' }).click();
    await page.locator('tr[data-factor-kind="totp"]').waitFor();
    assert.equal(await page.getByRole('button', { name: CONFIRM_WITH_KEY }).count(), 0);

    // Then a passkey.
    await page.getByLabel('Passkey').check();
    await page.getByLabel('Name (optional)').fill('Laptop passkey');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Create the passkey' }).click();
    await page.getByText('Passkey "Laptop passkey" added.').waitFor();
    assert.deepEqual((await app.mfa.status(user.id)).factors.map((f) => f.kind), ['totp', 'passkey']);

    // A forged assertion on the confirmation page's challenge: refused, logged, nothing removed.
    await page.locator('tr[data-factor-kind="totp"]').getByRole('button', { name: CONFIRM_WITH_KEY }).click();
    await page.getByRole('heading', { name: 'Remove “Authenticator app (TOTP)”' }).waitFor();
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const factorId = await page.locator('input[name="factor"]').inputValue();
    const forged = await page.request.post(`${url}/account/mfa/remove/webauthn/finish`, {
      form: { _csrf: csrf, factor: factorId, credential: JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} }) },
    });
    assert.equal(forged.status(), 401);
    assert.deepEqual((await app.mfa.status(user.id)).factors.map((f) => f.kind), ['totp', 'passkey']);
    const failed = await app.db.selectFrom('events').select('data').where('type', '=', 'mfa:failed').execute();
    assert.ok(failed.some((e) => (JSON.parse(e.data) as { kind?: string }).kind === 'webauthn'), 'the forged assertion is logged');

    // The real ceremony, with the passkey, removes the app.
    await page.goto(`${url}/account/mfa`);
    await page.locator('tr[data-factor-kind="totp"]').getByRole('button', { name: CONFIRM_WITH_KEY }).click();
    await page.getByRole('button', { name: 'Confirm with a security key or passkey' }).click();
    await page.getByText('Factor removed.').waitFor();
    const status = await app.mfa.status(user.id);
    assert.deepEqual(status.factors.map((f) => [f.kind, f.label]), [['passkey', 'Laptop passkey']]);
    assert.ok(status.factors[0]!.lastUsedAt, 'the passkey was used');
    const removed = await app.db.selectFrom('events').select(['subject', 'data']).where('type', '=', 'mfa:remove').execute();
    assert.equal(removed.length, 1);
    assert.equal(removed[0]!.subject, `user:${NAME}`);
    assert.equal(await page.locator('tr[data-factor-kind="totp"]').count(), 0);
    assert.deepEqual(scriptErrors, [], 'no script errors (CSP included)');
    await context.close();
  });
});
