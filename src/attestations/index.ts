export { createAttestationsService, type AttestationsDeps, type AttestationsService, type Provenance, type VerifyUploadRequest } from './service.js';
export {
  verifyAttestations,
  toSigstoreBundle,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  MAX_ATTESTATIONS,
  type AttestationSubject,
  type ExpectedIdentity,
  type VerifiedAttestations,
  type VerifyAttestationsInput,
} from './verify.js';
export { parseTrustedRoot } from './trusted-root.js';
export { attestationIdentityOf, type PublisherIdentity, type PublisherRecord } from './publisher-identity.js';
export type { AttestationRefusal } from './errors.js';
