import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's second recommended profile (19 MiB, 2 passes, 1 lane).
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the user does not exist, so an unknown name costs the same time as a
// wrong password (no enumeration by timing).
let dummyHash: Promise<string> | undefined;

/** Hashes the dummy ahead, so the first unknown name costs no extra hash. */
export function prepareDummyHash(): void {
  (dummyHash ??= hashPassword('bulwark-dummy-password-for-timing')).catch(() => {});
}

let verifications = 0;

/** How many argon2 verifications ran in this process (tests prove both failure paths do one). */
export function passwordVerifications(): number {
  return verifications;
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  const target = stored ?? (await (dummyHash ??= hashPassword('bulwark-dummy-password-for-timing')));
  verifications++;
  try {
    const ok = await verify(target, password);
    return stored !== null && ok;
  } catch {
    return false;
  }
}
