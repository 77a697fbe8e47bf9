// The refusals of attestation verification: one stable code, a machine `reason` beside each
// message (in `detail`), so clients and tests can tell the checks apart without parsing text.
import { BulwarkError, invalid } from '../platform/errors.js';

export type AttestationRefusal =
  | 'malformed'
  | 'empty'
  | 'too-many'
  | 'signature'
  | 'identity'
  | 'subject-count'
  | 'subject-name'
  | 'subject-digest'
  | 'predicate-type'
  | 'duplicate-predicate-type';

export const MESSAGE_PREFIX = 'Invalid attestations supplied during upload';

export const attestationInvalid = (reason: AttestationRefusal, why: string) =>
  invalid('ATTESTATION_INVALID', `${MESSAGE_PREFIX}: ${why}`, { reason });

/** Attestations were sent where they cannot be accepted (not a trusted publisher, or verification not configured). */
export const attestationsUnsupported = (why: string) =>
  new BulwarkError('invalid', 'ATTESTATIONS_UNSUPPORTED', `${MESSAGE_PREFIX}: ${why}`);
