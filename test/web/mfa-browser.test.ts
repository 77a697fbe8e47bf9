// Two-factor sign-in in a real browser: Debian's chromium through playwright-core, with a CDP
// virtual authenticator (CTAP2, platform transport, resident keys, user verification) standing
// in for a phone or laptop. The public URL is http://localhost:<port> because browsers refuse an
// IP address as a WebAuthn RP id. The acceptance path: register → verify the address (the link
// read from the mail the app sent to a real SMTP server on 127.0.0.1) → enrol TOTP (code computed
// from the secret shown) → enrol a passkey → sign out → sign in with the passkey alone.
// Chromium is required: without it this test fails, it never skips.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { generate } from 'otplib';
import { listenOnFreePort } from '../helpers/test-app.js';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp-server.js';
import { verifyLinkOf } from '../helpers/sign-up.js';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { launchChromium, addVirtualAuthenticator } from '../helpers/chromium.js';

const NAME = 'passkey-paula';
const EMAIL = 'paula@example.test';
const PASSWORD = 'paula-long-passphrase';

describe('two-factor sign-in in chromium', () => {
  let app: BulwarkApp;
  let url: string;
  let dataDir: string;
  let smtp: SmtpCapture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let recoveryCodes: string[] = [];

  async function eventTypes(): Promise<string[]> {
    const rows = await app.db.selectFrom('events').select('type').orderBy('id', 'asc').execute();
    return rows.map((r) => r.type);
  }

  before(async () => {
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-mfa-browser-'));
    ({ app } = await listenOnFreePort((port) =>
      createApp({
        config: loadConfig(
          {},
          { host: '127.0.0.1', port, publicUrl: `http://localhost:${port}`, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', smtpUrl: smtp.url, leakCheckDir: PWNED_FIXTURE_DIR },
        ),
      }),
    ));
    url = app.config.publicUrl;
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    // The virtual authenticator lives with this page's target: the whole story runs in it.
    await addVirtualAuthenticator(context, page);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await smtp?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('register, verify the address, enrol TOTP and a passkey, sign out, sign in with the passkey alone', { timeout: 90_000 }, async () => {
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') scriptErrors.push(message.text());
    });

    // Register.
    await page.goto(`${url}/account/register`);
    await page.getByLabel('User name').fill(NAME);
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    // Verify the address with the link from the mail.
    const mail = await smtp.nextMessage({ to: EMAIL });
    const link = verifyLinkOf(mail);
    assert.ok(link.startsWith(`${url}/`), link);
    await page.goto(link);
    await page.getByRole('button', { name: `Confirm ${EMAIL}` }).click();
    await page.getByRole('heading', { name: 'Email address verified' }).waitFor();
    assert.equal((await app.accounts.getUserByName(NAME))?.emailVerified, true);

    // Sign in with the password (no factor yet).
    await page.goto(`${url}/account/login?next=/account/mfa`);
    await page.getByLabel('User name').fill(NAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/account/mfa');

    // Enrol TOTP: the code is computed from the secret the page shows.
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    recoveryCodes = (await page.locator('#recovery-codes li').allInnerTexts()).map((c) => c.trim());
    assert.equal(recoveryCodes.length, 10);
    await page.getByRole('link', { name: 'Done' }).click();
    await page.locator('tr[data-factor-kind="totp"]').waitFor();
    assert.match(await page.locator('tr[data-factor-kind="totp"]').innerText(), /Not phishing-resistant/);

    // Enrol a passkey through the virtual authenticator.
    await page.getByLabel('Passkey').check();
    await page.getByLabel('Name (optional)').fill('Laptop passkey');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Create the passkey' }).click();
    await page.getByText('Passkey "Laptop passkey" added.').waitFor();
    const passkeyRow = await page.locator('tr[data-factor-kind="passkey"]').innerText();
    assert.match(passkeyRow, /Laptop passkey/);
    assert.match(passkeyRow, /Phishing-resistant/);
    const user = (await app.accounts.getUserByName(NAME))!;
    const status = await app.mfa.status(user.id);
    assert.deepEqual(status.factors.map((f) => [f.kind, f.phishingResistant]), [['totp', false], ['passkey', true]]);
    assert.equal(status.phishingResistant, true);

    // Sign out.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/`);
    assert.equal((await context.cookies()).find((c) => c.name === 'bulwark_session'), undefined);

    // Sign in with the passkey alone: no user name, no password, no code.
    const sessionsBefore = (await eventTypes()).filter((t) => t === 'session:create').length;
    await page.goto(`${url}/account/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Sign in with a passkey' }).waitFor();
    await page.getByRole('button', { name: 'Use my passkey' }).click();
    await page.waitForURL(`${url}/`);
    const session = (await context.cookies()).find((c) => c.name === 'bulwark_session');
    assert.ok(session, 'signed in');
    assert.equal(session.httpOnly, true);
    await page.getByRole('link', { name: NAME }).waitFor();
    assert.equal((await eventTypes()).filter((t) => t === 'session:create').length, sessionsBefore + 1);
    const passkey = (await app.mfa.status(user.id)).factors.find((f) => f.kind === 'passkey')!;
    assert.ok(passkey.lastUsedAt, 'the passkey was used');
    assert.deepEqual(scriptErrors, [], 'no script errors (CSP included)');
  });

  test('after a password, the passkey serves as the second factor', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/`);
    await page.goto(`${url}/account/login?next=/account/mfa`);
    await page.getByLabel('User name').fill(NAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/account\/login\/mfa/);
    assert.equal((await context.cookies()).find((c) => c.name === 'bulwark_session'), undefined, 'no session after the password alone');
    await page.getByRole('button', { name: 'Use a security key or passkey' }).click();
    await page.waitForURL(`${url}/account/mfa`);
    await page.locator('tr[data-factor-kind="passkey"]').waitFor();
  });

  test('npm login --auth-type=web for an MFA account goes through the second step', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/`);
    const started = await fetch(`${url}/-/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { loginUrl, doneUrl } = (await started.json()) as { loginUrl: string; doneUrl: string };
    await page.goto(loginUrl);
    await page.getByLabel('User name').fill(NAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/account\/login\/mfa/);
    assert.equal((await fetch(doneUrl)).status, 202, 'still pending: the password alone approves nothing');
    await page.getByLabel('Code from your authenticator app, or a recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('You can close this page and return to the terminal.').waitFor();
    const done = await fetch(doneUrl);
    assert.equal(done.status, 200);
    const { token } = (await done.json()) as { token: string };
    const whoami = await fetch(`${url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await whoami.json(), { username: NAME });
  });

  test('a security key (USB, no resident credential) as the only factor: second step after the password, and no passwordless sign-in', { timeout: 90_000 }, async () => {
    await app.accounts.createUser({ name: 'key-kim', email: 'kim@example.test', password: 'kim-long-passphrase' });
    const keyContext = await browser.newContext();
    const keyPage = await keyContext.newPage();
    const cdp = await keyContext.newCDPSession(keyPage);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: false, automaticPresenceSimulation: true },
    });
    const signInWithPassword = async () => {
      await keyPage.goto(`${url}/account/login?next=/account/mfa`);
      await keyPage.getByLabel('User name').fill('key-kim');
      await keyPage.getByLabel('Password').fill('kim-long-passphrase');
      await keyPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    };

    await signInWithPassword();
    await keyPage.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await keyPage.getByLabel('Security key').check();
    await keyPage.getByLabel('Name (optional)').fill('Blue key');
    await keyPage.getByRole('button', { name: 'Continue' }).click();
    await keyPage.getByRole('button', { name: 'Register the security key' }).click();
    // The first factor of the account: its recovery codes come with it.
    await keyPage.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    assert.equal(await keyPage.locator('#recovery-codes li').count(), 10);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.isResidentCredential, false);
    const kim = (await app.accounts.getUserByName('key-kim'))!;
    assert.deepEqual((await app.mfa.status(kim.id)).factors.map((f) => [f.kind, f.label, f.phishingResistant]), [['security-key', 'Blue key', true]]);

    await keyPage.getByRole('link', { name: 'Done' }).click();
    await keyPage.getByRole('button', { name: 'Sign out' }).click();
    await keyPage.waitForURL(`${url}/`);

    // The key cannot sign in alone: the browser finds no passkey for this site, no session.
    await keyPage.goto(`${url}/account/login`);
    await keyPage.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await keyPage.getByRole('button', { name: 'Use my passkey' }).click();
    await keyPage.getByText(/That did not work/).waitFor();
    assert.equal((await keyContext.cookies()).find((c) => c.name === 'bulwark_session'), undefined);

    // After the password it is the second step.
    await signInWithPassword();
    await keyPage.waitForURL(/\/account\/login\/mfa/);
    assert.equal((await keyContext.cookies()).find((c) => c.name === 'bulwark_session'), undefined);
    await keyPage.getByRole('button', { name: 'Use a security key or passkey' }).click();
    await keyPage.waitForURL(`${url}/account/mfa`);
    await keyPage.locator('tr[data-factor-kind="security-key"]').waitFor();
    await keyContext.close();
  });
});
