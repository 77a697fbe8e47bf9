export { createMfaPolicyService, type MfaPolicyService, type MfaPort, type MfaRequirement, type PolicyTarget, type StepUpChannel } from './service.js';
export { MFA_MODES, DEFAULT_MFA_POLICY, isMfaMode, type MfaMode, type MfaPolicy } from './policy-store.js';
export { topByDownloads, CRITICAL_WINDOW_DAYS, CRITICAL_SHARE, type CriticalPackage, type CriticalPackages } from './critical.js';
export { GRANT_PREFIX, type Grants, type PollResult } from './grants.js';
