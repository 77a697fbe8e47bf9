import type { AccountsService } from './service.js';
import { randomToken } from '../platform/crypto.js';

export const ADMIN_NAME = 'admin';

/**
 * On an empty registry, creates the `admin` account. Without a configured password a random
 * one is generated, returned once for the caller to show, and must be changed at first sign-in.
 */
export async function ensureAdmin(accounts: AccountsService, configuredPassword: string | undefined): Promise<{ created: boolean; generatedPassword: string | null }> {
  if ((await accounts.countUsers()) > 0) return { created: false, generatedPassword: null };
  const generated = configuredPassword ? null : randomToken(18);
  try {
    await accounts.createUser({
      name: ADMIN_NAME,
      email: 'admin@bulwark.invalid',
      password: configuredPassword ?? generated!,
      isAdmin: true,
      mustChangePassword: generated !== null,
    });
  } catch (error) {
    // Another server sharing the database created it first.
    if ((error as { code?: string }).code === 'USER_EXISTS') return { created: false, generatedPassword: null };
    throw error;
  }
  return { created: true, generatedPassword: generated };
}
