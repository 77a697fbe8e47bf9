// What the MFA feature shows the rest of the registry.
export type FactorKind = 'totp' | 'security-key' | 'passkey';

export interface Factor {
  id: string;
  kind: FactorKind;
  label: string;
  /** WebAuthn binds its answer to the site's origin, so a look-alike site cannot relay it. */
  phishingResistant: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface MfaStatus {
  /** At least one confirmed factor: sign-in asks for a second step. */
  enabled: boolean;
  /** At least one phishing-resistant factor (security key or passkey). */
  phishingResistant: boolean;
  factors: Factor[];
  /** Unused recovery codes left (recovery codes are not phishing-resistant). */
  recoveryCodesLeft: number;
}

export const PHISHING_RESISTANT: Record<FactorKind, boolean> = { totp: false, 'security-key': true, passkey: true };

export const KIND_NAMES: Record<FactorKind, string> = { totp: 'Authenticator app (TOTP)', 'security-key': 'Security key', passkey: 'Passkey' };
