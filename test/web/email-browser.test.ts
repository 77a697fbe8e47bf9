// Sign-up, verification and the security log in a real browser (Debian's chromium through
// playwright-core), with mail captured by a real SMTP server: sign up → sign in before verifying
// → follow the link from the mail → the security log → change the address through its link; the
// old address is told. The leaked-password check reads the offline fixture (no network).
// Chromium is required: without it this test fails, it never skips.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { listenOnFreePort } from '../helpers/test-app.js';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp-server.js';
import { verifyLinkOf } from '../helpers/sign-up.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { launchChromium } from '../helpers/chromium.js';

const NAME = 'webster';
const EMAIL = 'webster@example.test';
const NEW_EMAIL = 'webster@new.example';
const PASSWORD = 'a long passphrase for webster';

describe('sign-up and email verification in chromium', () => {
  let app: BulwarkApp;
  let url: string;
  let dataDir: string;
  let smtp: SmtpCapture;
  let browser: Browser;

  before(async () => {
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-email-browser-'));
    ({ app } = await listenOnFreePort((port) =>
      createApp({ config: loadConfig({}, { host: '127.0.0.1', port, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', smtpUrl: smtp.url, leakCheckDir: PWNED_FIXTURE_DIR }) }),
    ));
    url = app.config.publicUrl;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await smtp?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('sign up, sign in, verify from the mail, read the security log, change the address', { timeout: 90_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    // The sign-in page offers sign-up.
    await page.goto(`${url}/account/login`);
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByLabel('User name').fill(NAME);
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    // Signing in works before verifying; the email page says what is missing.
    await page.goto(`${url}/account/login?next=/account/email`);
    await page.getByLabel('User name').fill(NAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Email address' }).waitFor();
    assert.match(await page.locator('main').innerText(), /not verified/);

    // The link from the captured mail, opened in the signed-in browser.
    const link = verifyLinkOf(await smtp.nextMessage({ to: EMAIL, subject: 'Verify your email address for Bulwark' }));
    await page.goto(link);
    await page.getByRole('button', { name: `Confirm ${EMAIL}` }).click();
    await page.getByRole('heading', { name: 'Email address verified' }).waitFor();
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Security log' }).waitFor();
    const log = await page.locator('table.security-log').innerText();
    assert.match(log, /Email address verified/);
    assert.match(log, /Account created/);
    assert.equal((await app.accounts.getUserByName(NAME))?.emailVerified, true);

    // The same link again: refused, with a page saying so.
    await page.goto(link);
    await page.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
    assert.match(await page.locator('main').innerText(), /already used/);
    // (its 400 status is the one console error expected)
    const expected = problems.findIndex((p) => /status of 400/.test(p));
    if (expected >= 0) problems.splice(expected, 1);

    // Change the address: the new one proves itself, the old one is told.
    await page.goto(`${url}/account/email`);
    await page.getByLabel('New address').fill(NEW_EMAIL);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Send a confirmation link' }).click();
    await page.getByText(`We sent a confirmation link to ${NEW_EMAIL}`).waitFor();
    const changeLink = verifyLinkOf(await smtp.nextMessage({ to: NEW_EMAIL, subject: 'Confirm your new email address for Bulwark' }));
    await page.goto(changeLink);
    await page.getByRole('button', { name: `Confirm ${NEW_EMAIL}` }).click();
    await page.getByRole('heading', { name: 'Email address verified' }).waitFor();
    assert.equal((await app.accounts.getUserByName(NAME))?.email, NEW_EMAIL);
    await app.processPendingNotifications();
    const notice = await smtp.nextMessage({ to: EMAIL, subject: 'The email address of your Bulwark account was changed' });
    assert.match(notice.text, new RegExp(`from ${EMAIL} to ${NEW_EMAIL}`));
    await page.goto(`${url}/account/security`);
    assert.match(await page.locator('table.security-log').innerText(), /Email address changed/);
    assert.deepEqual(problems, [], 'no console errors (CSP violations included)');
    await context.close();
  });
});
