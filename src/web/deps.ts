// What the web UI is given by the composition root: services and the few settings it needs.
import type { RegistryService } from '../registry/index.js';
import type { AccountsService, EmailVerificationService } from '../accounts/index.js';
import type { MfaService } from '../mfa/index.js';
import type { SecurityLog } from '../events/index.js';
import type { MfaPolicyService } from '../mfa-policy/index.js';
import type { Ecosystem } from '../ecosystems/index.js';
import type { RecoveryService } from '../recovery/index.js';
import type { TokensService } from '../tokens/index.js';

export interface WebDeps {
  registry: RegistryService;
  accounts: AccountsService;
  /** Sign-up, address verification and change. */
  emailVerification: EmailVerificationService;
  mfa: MfaService;
  /** The signed-in user's security events. */
  securityLog: SecurityLog;
  /** The MFA policy: its admin page and npm's web-auth OTP approval page. */
  mfaPolicy: MfaPolicyService;
  ecosystems: Ecosystem[];
  recovery: RecoveryService;
  /** The signed-in user's API tokens (/account/tokens). */
  tokens: TokensService;
  /** Secret for CSRF tokens (HMAC key). */
  secret: string;
  publicUrl: string;
  secureCookies: boolean;
  securityContact: string;
}
