// Account recovery in a real browser (Debian's chromium through playwright-core): from the
// sign-in page to "Recover your account", the link read from the captured SMTP message, a new
// password, and signing in with it. DNS answers come from a dns2 server on 127.0.0.1.
// Chromium is required: without it this test fails, it never skips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { links, startSmtpServer, type SmtpCapture } from '../helpers/smtp-server.js';
import { launchChromium } from '../helpers/chromium.js';


describe('account recovery in chromium', () => {
  let t: TestApp;
  let dns: TestDnsServer;
  let smtp: SmtpCapture;
  let browser: Browser;

  before(async () => {
    dns = await startDnsServer({
      'example.test': { mx: [{ exchange: 'mx.example.test', priority: 10 }], ns: ['ns1.example.test'] },
      'mx.example.test': { a: ['192.0.2.25'] },
      'ns1.example.test': { a: ['192.0.2.53'] },
    });
    smtp = await startSmtpServer();
    t = await createTestApp({ config: { smtpUrl: smtp.url, dnsServers: dns.address, dnsTimeoutMs: 300 } });
    await t.app.accounts.createUser({ name: 'grace', email: 'grace@example.test', password: 'grace-old-password' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
    await dns?.close();
  });

  test('forgot password → email link → new password → sign in', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    await page.goto(`${t.url}/account/login`);
    await page.getByRole('link', { name: 'Recover your account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Recover your account' }).waitFor();
    await page.getByLabel('User name or email address').fill('grace@example.test');
    await page.getByRole('button', { name: 'Send a recovery link' }).click();
    await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();

    // The link mail (a notification about the account may come first).
    let mail = await smtp.nextMessage({ to: 'grace@example.test' });
    while (mail.subject !== 'Recover your Bulwark account') mail = await smtp.nextMessage({ to: 'grace@example.test' });
    const link = links(mail).find((l) => l.includes('/account/recover/reset'));
    assert.ok(link, mail.text);
    const opened = await page.goto(link);
    assert.equal(opened?.headers()['referrer-policy'], 'no-referrer');
    await page.getByText('For the account grace').waitFor();
    await page.getByLabel('New password', { exact: true }).fill('grace-new-password-2026');
    await page.getByLabel('New password again').fill('grace-new-password-2026');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Password changed' }).waitFor();

    await page.getByRole('link', { name: 'Sign in' }).last().click();
    await page.getByLabel('User name').fill('grace');
    await page.getByLabel('Password', { exact: true }).fill('grace-new-password-2026');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${t.url}/`);
    assert.deepEqual(cspViolations, []);

    // The link worked once.
    await page.goto(link);
    await page.getByText('already used').waitFor();
    await context.close();
  });
});
