export { createMfaService, type MfaService, type MfaDeps } from './service.js';
export type { WebAuthnSettings, WebAuthnKind } from './webauthn.js';
export type { MfaAttemptLimiter, MfaAttemptKind, MfaAttemptKeys } from './limiter.js';
export { KIND_NAMES, PHISHING_RESISTANT, type Factor, type FactorKind, type MfaStatus } from './types.js';
export { RECOVERY_CODE_COUNT } from './recovery-codes.js';
