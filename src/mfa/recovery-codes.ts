// Recovery codes: ten per generation, each 60 random bits written as three groups of four
// characters from an alphabet without look-alikes. Stored only as keyed hashes; each works once.
import { randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // 31 symbols: no 0/o, 1/l/i
const GROUPS = 3;
const GROUP_LENGTH = 4;

export function newRecoveryCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** What the user typed, made comparable: case, spaces and dashes do not matter. */
export function normaliseRecoveryCode(input: string): string | null {
  const compact = input.toLowerCase().replace(/[\s-]/g, '');
  if (compact.length !== GROUPS * GROUP_LENGTH || ![...compact].every((c) => ALPHABET.includes(c))) return null;
  return compact;
}
