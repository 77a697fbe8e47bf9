// RFC 6238 TOTP through otplib: SHA-1, 6 digits, 30-second steps (what every authenticator app
// expects), accepting the step before and after the current one for clock drift.
import { generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../platform/clock.js';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

export function newTotpSecret(): string {
  // 20 bytes (160 bits), RFC 4226's recommended length, as base32.
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, issuer: string, account: string): string {
  return generateURI({ issuer, label: account, secret, period: TOTP_PERIOD_SECONDS, digits: TOTP_DIGITS });
}

export function looksLikeTotp(code: string): boolean {
  return /^\d{6}$/.test(code);
}

/** The time step the code belongs to (±1 step around now), or null if it matches none. */
export async function matchTotp(secret: string, code: string, clock: Clock): Promise<number | null> {
  if (!looksLikeTotp(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(clock.now().getTime() / 1000),
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    epochTolerance: TOTP_PERIOD_SECONDS,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
