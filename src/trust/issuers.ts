// The OIDC issuers this registry trusts, as configured (BULWARK_OIDC_ISSUERS): an exact `iss`,
// or a prefix ending in `/*` standing for one more path segment (CircleCI: one issuer per org).
import type { Provider } from './providers/index.js';

export interface IssuerSetting {
  provider: Provider;
  /** Where the issuer's keys are; discovered from `<iss>/.well-known/openid-configuration` when unset. */
  jwksUrl?: string | undefined;
  /** The audience this issuer's tokens must carry instead of the one the ecosystem expects. */
  audience?: string | undefined;
}

export type IssuerSettings = Readonly<Record<string, IssuerSetting>>;

export interface ResolvedIssuer {
  /** The token's `iss`, exactly. */
  iss: string;
  setting: IssuerSetting;
  /** True when `iss` matched a `/*` prefix: any number of such issuers exist. */
  wildcard: boolean;
}

const SEGMENT = /^(?!\.+$)[A-Za-z0-9._-]{1,128}$/;

export function findIssuer(settings: IssuerSettings, iss: string): ResolvedIssuer | null {
  if (!iss.endsWith('/*') && Object.hasOwn(settings, iss)) return { iss, setting: settings[iss]!, wildcard: false };
  for (const [key, setting] of Object.entries(settings)) {
    if (!key.endsWith('/*')) continue;
    const prefix = key.slice(0, -1);
    if (iss.startsWith(prefix) && SEGMENT.test(iss.slice(prefix.length))) return { iss, setting, wildcard: true };
  }
  return null;
}
