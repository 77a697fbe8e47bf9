// Recovery codes: ten per generation, each 20 random decimal digits (66 bits) written as four
// groups of five. Digits and spaces only, because that is what the npm CLI's OTP prompt accepts
// (it re-asks for anything else), so a recovery code works wherever a TOTP code does; at 20
// digits it cannot be mistaken for one. Stored only as keyed hashes; each works once.
import { randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const GROUPS = 4;
const GROUP_LENGTH = 5;

export function newRecoveryCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += String(randomInt(10));
    groups.push(group);
  }
  return groups.join(' ');
}

/** What the user typed, made comparable: spaces and dashes do not matter. */
export function normaliseRecoveryCode(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${GROUPS * GROUP_LENGTH}}$`).test(compact) ? compact : null;
}
