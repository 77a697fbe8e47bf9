export { createAccountsService, isPhishingResistantFactor, checkNewPassword, checkPasswordLength, type AccountsService, type AttemptContext, type SessionFactor, type User } from './service.js';
export { MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, passwordVerifications } from './passwords.js';
export { breachedPasswordsOptions, createBreachedPasswords, rangeContains, type BreachedPasswords, type BreachedPasswordsOptions } from './breached-passwords.js';
export { checkUserName } from './names.js';
export { ensureAdmin, ADMIN_NAME } from './bootstrap.js';
export type { DeviceInfo } from './devices.js';
export { createEmailVerificationService, VERIFY_EMAIL_PATH, EMAIL_LINK_TTL_MS, type EmailVerificationService, type EmailLinkPurpose } from './email-verification.js';
export { generateOneTimePassword, setOneTimePassword, hashOneTimePassword } from './one-time-password.js';
