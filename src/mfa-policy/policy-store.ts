// The administrator's MFA policy, kept in the settings table (one JSON row) so every server
// sharing the database enforces the same one. Read on each enforced change (a primary-key
// lookup): a policy change applies at once.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/index.js';
import type { Clock } from '../platform/clock.js';
import { invalid } from '../platform/errors.js';
import { appendEvent } from '../events/index.js';

export const MFA_MODES = ['optional', 'critical-maintainers', 'all-maintainers'] as const;
export type MfaMode = (typeof MFA_MODES)[number];

export interface MfaPolicy {
  /** `optional`: MFA is never required; `critical-maintainers`: required of owners of critical packages (and for changes to critical packages); `all-maintainers`: required of everyone who changes packages or tokens. */
  mode: MfaMode;
  /** Changes to critical packages (and token changes by their owners) need a phishing-resistant factor (security key or passkey). */
  criticalNeedsPhishingResistant: boolean;
}

export const DEFAULT_MFA_POLICY: MfaPolicy = Object.freeze({ mode: 'optional', criticalNeedsPhishingResistant: false });

const KEY = 'mfa_policy';

export function isMfaMode(value: unknown): value is MfaMode {
  return typeof value === 'string' && (MFA_MODES as readonly string[]).includes(value);
}

export async function readPolicy(db: Kysely<Database>): Promise<MfaPolicy> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
  if (!row) return DEFAULT_MFA_POLICY;
  const parsed = JSON.parse(row.value) as Partial<MfaPolicy>;
  return {
    mode: isMfaMode(parsed.mode) ? parsed.mode : DEFAULT_MFA_POLICY.mode,
    criticalNeedsPhishingResistant: parsed.criticalNeedsPhishingResistant === true,
  };
}

/** Stores the policy and records a `policy:change` event; returns whether anything changed. */
export async function writePolicy(
  db: Kysely<Database>,
  clock: Clock,
  policy: MfaPolicy,
  by: { userId: number | null; tokenId?: string | null },
): Promise<boolean> {
  if (!isMfaMode(policy.mode)) throw invalid('MFA_POLICY_INVALID', `The MFA mode must be one of ${MFA_MODES.join(', ')}.`);
  const next: MfaPolicy = { mode: policy.mode, criticalNeedsPhishingResistant: policy.criticalNeedsPhishingResistant === true };
  return db.transaction().execute(async (trx) => {
    const previous = await readPolicy(trx);
    if (previous.mode === next.mode && previous.criticalNeedsPhishingResistant === next.criticalNeedsPhishingResistant) return false;
    const value = JSON.stringify(next);
    await trx.insertInto('settings').values({ key: KEY, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
    await appendEvent(trx, clock, { type: 'policy:change', actor: by, subject: 'policy:mfa', data: { ...next, previous } });
    return true;
  });
}
