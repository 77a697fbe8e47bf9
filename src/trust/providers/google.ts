// Google service accounts. Config: { email, sub? }.
import { claimString, configString, readConfig, sameText, sameTextIgnoringCase } from './fields.js';
import type { ProviderDefinition } from './types.js';

const EMAIL = /^[^\s@]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$/;

export const google: ProviderDefinition = {
  id: 'google',
  canonicalIssuer: () => 'https://accounts.google.com',

  parseConfig: (raw) =>
    readConfig(raw, {
      email: { shape: 'the e-mail address of the service account', pattern: EMAIL, normalize: (v) => v.toLowerCase() },
      // The account's numeric id: pins the account, not only its (reusable) address.
      sub: { shape: "the service account's numeric unique id", pattern: /^[0-9]{1,64}$/, optional: true },
    }),

  lookupKey: (config) => configString(config, 'email')!,
  lookupKeyOfClaims: (claims) => claimString(claims, 'email')?.toLowerCase() ?? null,

  match(config, claims) {
    if (!sameTextIgnoringCase(claimString(claims, 'email'), configString(config, 'email')!)) return { ok: false, claim: 'email' };
    if (claims.email_verified !== true) return { ok: false, claim: 'email_verified' };
    const sub = configString(config, 'sub');
    if (sub === undefined) return { ok: true, specificity: 0 };
    return sameText(claimString(claims, 'sub'), sub) ? { ok: true, specificity: 1 } : { ok: false, claim: 'sub' };
  },

  auditClaims: ['sub', 'email', 'azp'],
};
