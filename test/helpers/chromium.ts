// Debian's chromium for the browser tests, driven by playwright-core, and the CDP virtual
// authenticator that stands in for a security key or a platform passkey.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless, no network of its own beyond the test's servers. Fails with the fix when chromium is missing. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get update && apt-get install -y chromium) to run the web UI tests`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'],
  });
}

/** A platform authenticator with user verification (a passkey store): ctap2 over the internal transport. */
export const PASSKEY_AUTHENTICATOR = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } as const;

/**
 * Adds a virtual authenticator to the page's target (it lives as long as that target) and
 * returns its id.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page, options: Record<string, unknown> = PASSKEY_AUTHENTICATOR): Promise<string> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: options as never });
  return authenticatorId;
}
