// Attestations at upload: the checks of verify.ts, with the trust root from configuration and
// the signer identity taken from the trusted publisher that minted the upload's token. The
// result is the provenance object to store beside the file; on any refusal nothing is stored
// (the caller verifies before its publish commits anything).
import type { TrustService } from '../trust/index.js';
import type { TrustMaterial } from '@sigstore/verify';
import { attestationInvalid, attestationsUnsupported } from './errors.js';
import { attestationIdentityOf, type PublisherIdentity } from './publisher-identity.js';
import { parseTrustedRoot } from './trusted-root.js';
import { verifyAttestations, type AttestationSubject } from './verify.js';

/** The provenance object of one file: its attestations, grouped by the publisher that produced them. */
export interface Provenance {
  version: 1;
  attestation_bundles: Array<{ publisher: PublisherIdentity; attestations: unknown[] }>;
}

export interface AttestationsDeps {
  /** Who a minted token's publisher is (the CI identity that must have signed). */
  trust: Pick<TrustService, 'getPublisher'>;
  /** The Sigstore TrustedRoot JSON; null turns attestation uploads off. */
  trustedRoot: unknown;
}

export interface VerifyUploadRequest {
  /** The trusted publisher whose minted token authenticated the upload. */
  publisherId: string;
  attestations: unknown;
  subject: AttestationSubject;
  allowedPredicateTypes: readonly string[];
  sameName?: (claimed: string, filename: string) => boolean;
}

const MAX_ATTESTATIONS_JSON = 1024 * 1024;

export function createAttestationsService({ trust, trustedRoot }: AttestationsDeps) {
  const material: TrustMaterial | null = trustedRoot === null || trustedRoot === undefined ? null : parseTrustedRoot(trustedRoot);

  return {
    /** Whether a trust root is configured, so attestations can be verified at all. */
    enabled: material !== null,

    /** Parses the JSON text a client sent; refuses text that is not JSON. */
    readAttestationsJson(text: string): unknown {
      if (text.length > MAX_ATTESTATIONS_JSON) throw attestationInvalid('malformed', 'the attestations are too large.');
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw attestationInvalid('malformed', 'attestations must be a JSON list of attestation objects.');
      }
    },

    /** Verifies an upload's attestations for its trusted publisher; returns the provenance to store. */
    async verifyUpload(request: VerifyUploadRequest): Promise<Provenance> {
      if (!material) throw attestationsUnsupported('this registry has no Sigstore trust root configured.');
      const found = await trust.getPublisher(request.publisherId);
      const publisher = found ? { provider: found.provider, issuer: found.issuer, claims: found.claims as unknown as Record<string, unknown> } : null;
      const policy = publisher ? attestationIdentityOf(publisher) : null;
      if (!policy) throw attestationsUnsupported('the trusted publisher of this upload has no attestation identity.');
      const verified = verifyAttestations({
        attestations: request.attestations,
        subject: request.subject,
        allowedPredicateTypes: request.allowedPredicateTypes,
        expectedIdentity: policy.expected,
        trustedRoot: material,
        ...(request.sameName ? { sameName: request.sameName } : {}),
      });
      return { version: 1, attestation_bundles: [{ publisher: policy.identity, attestations: verified.attestations }] };
    },
  };
}

export type AttestationsService = ReturnType<typeof createAttestationsService>;
