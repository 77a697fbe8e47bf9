export { createRecoveryService, type RecoveryService } from './service.js';
export type { RecoveryDeps, RecoveryMailer, RecoveryMfa } from './deps.js';
export type { AdminRecoveryInput, AdminRecoveryResult } from './admin-recovery.js';
export type { DomainCheckReport } from './domain-job.js';
export type { OpenFlag } from './flags.js';
export { RECOVERY_LINK_TTL_MS, RECOVERY_RESET_PATH } from './links.js';
export { createDomainChecker, emailDomain, type DomainChecker, type DomainVerdict, type DomainStatus, type DomainReason } from './email-domains.js';
export { openRecoveryService, domainCheckerFor } from './standalone.js';
export { scheduleDomainChecks, type DomainCheckSchedule } from './schedule.js';
