export { createDomainChecker, emailDomain, type DomainChecker, type DomainVerdict, type DomainStatus, type DomainReason } from './email-domains.js';
