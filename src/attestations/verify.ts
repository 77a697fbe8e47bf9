// Verifying attestation objects (the PEP 740 format: a DSSE-signed in-toto Statement, its Fulcio
// certificate and its Rekor entry) against a given trust root, for one uploaded file. It reads
// as its steps: shape → Sigstore bundle → Sigstore verification (certificate chain and SCT,
// Rekor inclusion, DSSE signature) → signer identity → statement (subject, predicate type).
// Any failure throws ATTESTATION_INVALID with a reason; nothing here stores anything.
import { z } from 'zod';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { toSignedEntity, Verifier, type TrustMaterial } from '@sigstore/verify';
import { attestationInvalid } from './errors.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const MAX_ATTESTATIONS = 2;

// Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_SOURCE_REPOSITORY_URI = '1.3.6.1.4.1.57264.1.12';
const OID_BUILD_CONFIG_URI = '1.3.6.1.4.1.57264.1.18';

/** The file the attestations must be about. */
export interface AttestationSubject {
  name: string;
  /** Lower-case hex. */
  sha256: string;
}

/**
 * Who must have signed: the certificate's OIDC issuer, and per CI platform its SAN (an e-mail
 * for service accounts) or its Source Repository URI and a Build Config URI prefix
 * (`https://github.com/o/r/.github/workflows/release.yml@`, followed by any ref).
 */
export interface ExpectedIdentity {
  issuer: string;
  subjectAlternativeName?: string;
  sourceRepositoryUri?: string;
  buildConfigUriPrefix?: string;
}

export interface VerifyAttestationsInput {
  /** The parsed JSON the client sent: a list of attestation objects. */
  attestations: unknown;
  subject: AttestationSubject;
  allowedPredicateTypes: readonly string[];
  /** null: any signer the trust root vouches for. */
  expectedIdentity: ExpectedIdentity | null;
  trustedRoot: TrustMaterial;
  /** Whether the statement's subject name names the file (an ecosystem may compare parsed filenames). Default: equal strings. */
  sameName?: (claimed: string, filename: string) => boolean;
}

export interface VerifiedAttestations {
  /** The attestation objects, as sent. */
  attestations: unknown[];
  predicateTypes: string[];
  /** What each signing certificate said of its signer. */
  signers: Array<{ issuer: string | null; subjectAlternativeName: string | null; sourceRepositoryUri: string | null; buildConfigUri: string | null }>;
}

const base64 = z.string().min(1).max(1_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/);
const attestationShape = z.object({
  version: z.literal(1),
  verification_material: z.object({
    certificate: base64,
    // One Rekor entry, as the publishing tools produce and their verifiers expect.
    transparency_entries: z.array(z.record(z.string(), z.unknown())).length(1),
  }),
  envelope: z.object({ statement: base64, signature: base64 }),
});
type AttestationObject = z.infer<typeof attestationShape>;

const statementShape = z.object({
  _type: z.literal(IN_TOTO_STATEMENT_V1),
  subject: z.array(z.object({ name: z.string(), digest: z.record(z.string(), z.string()) })),
  predicateType: z.string(),
  predicate: z.unknown().optional(),
});

/** The attestation object as the Sigstore bundle (v0.3, DSSE envelope) it stands for. */
export function toSigstoreBundle(attestation: AttestationObject): Bundle {
  return bundleFromJSON({
    mediaType: BUNDLE_V03,
    verificationMaterial: {
      certificate: { rawBytes: attestation.verification_material.certificate },
      tlogEntries: attestation.verification_material.transparency_entries,
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: {
      payload: attestation.envelope.statement,
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: attestation.envelope.signature, keyid: '' }],
    },
  });
}

function extensionText(cert: X509Certificate, oid: string): string | null {
  const ext = cert.extension(oid);
  if (!ext) return null;
  // The newer extensions hold a DER UTF8String; the legacy issuer holds the raw text.
  if (oid === OID_ISSUER_V1) return ext.value.toString('utf8');
  const inner = ext.valueObj.subs?.[0]?.value;
  return inner ? inner.toString('utf8') : null;
}

function signerOf(cert: X509Certificate): VerifiedAttestations['signers'][number] {
  return {
    issuer: extensionText(cert, OID_ISSUER_V2) ?? extensionText(cert, OID_ISSUER_V1),
    subjectAlternativeName: cert.subjectAltName ?? null,
    sourceRepositoryUri: extensionText(cert, OID_SOURCE_REPOSITORY_URI),
    buildConfigUri: extensionText(cert, OID_BUILD_CONFIG_URI),
  };
}

const sameUri = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();

function checkIdentity(signer: VerifiedAttestations['signers'][number], expected: ExpectedIdentity): void {
  const refuse = (what: string) => attestationInvalid('identity', `the signing certificate's ${what} does not match the trusted publisher.`);
  if (signer.issuer !== expected.issuer) throw refuse('OIDC issuer');
  if (expected.subjectAlternativeName !== undefined) {
    if (signer.subjectAlternativeName?.toLowerCase() !== expected.subjectAlternativeName.toLowerCase()) throw refuse('subject alternative name');
  }
  if (expected.sourceRepositoryUri !== undefined && !sameUri(signer.sourceRepositoryUri, expected.sourceRepositoryUri)) {
    throw refuse('Source Repository URI');
  }
  if (expected.buildConfigUriPrefix !== undefined) {
    const uri = signer.buildConfigUri;
    const prefix = expected.buildConfigUriPrefix.toLowerCase();
    // The workflow file, pinned to some ref or digest after the `@`.
    if (uri === null || !uri.toLowerCase().startsWith(prefix) || uri.length === prefix.length) throw refuse('Build Config URI');
  }
}

function verifyOne(raw: unknown, index: number, input: VerifyAttestationsInput, verifier: Verifier) {
  const shaped = attestationShape.safeParse(raw);
  if (!shaped.success) throw attestationInvalid('malformed', `attestation ${index + 1} is not a version 1 attestation object with one transparency entry.`);
  const attestation = shaped.data;

  let bundle: Bundle;
  try {
    bundle = toSigstoreBundle(attestation);
  } catch {
    throw attestationInvalid('malformed', `attestation ${index + 1} does not form a valid Sigstore bundle.`);
  }
  // Certificate chain to a trusted CA at the log's time, SCTs, Rekor inclusion (SET and/or
  // proof against a signed checkpoint), the entry's body against the envelope, the DSSE signature.
  try {
    verifier.verify(toSignedEntity(bundle));
  } catch (error) {
    const why = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'verification failed';
    throw attestationInvalid('signature', `attestation ${index + 1} could not be verified against the trusted Sigstore root (${why}).`);
  }
  const signer = signerOf(X509Certificate.parse(Buffer.from(attestation.verification_material.certificate, 'base64')));
  if (input.expectedIdentity) checkIdentity(signer, input.expectedIdentity);

  let statement: z.infer<typeof statementShape>;
  try {
    statement = statementShape.parse(JSON.parse(Buffer.from(attestation.envelope.statement, 'base64').toString('utf8')));
  } catch {
    throw attestationInvalid('malformed', `attestation ${index + 1} does not carry an in-toto v1 Statement.`);
  }
  if (statement.subject.length !== 1) throw attestationInvalid('subject-count', `attestation ${index + 1} must have exactly one subject.`);
  const subject = statement.subject[0]!;
  const sameName = input.sameName ?? ((a: string, b: string) => a === b);
  if (!sameName(subject.name, input.subject.name)) {
    throw attestationInvalid('subject-name', `attestation ${index + 1} is about ${JSON.stringify(subject.name.slice(0, 255))}, not ${JSON.stringify(input.subject.name)}.`);
  }
  if (subject.digest.sha256?.toLowerCase() !== input.subject.sha256.toLowerCase()) {
    throw attestationInvalid('subject-digest', `attestation ${index + 1} has a subject digest that does not match the file's sha256.`);
  }
  if (!input.allowedPredicateTypes.includes(statement.predicateType)) {
    throw attestationInvalid('predicate-type', `attestation ${index + 1} has an unsupported predicate type ${JSON.stringify(statement.predicateType.slice(0, 200))}.`);
  }
  return { predicateType: statement.predicateType, signer };
}

export function verifyAttestations(input: VerifyAttestationsInput): VerifiedAttestations {
  const list = input.attestations;
  if (!Array.isArray(list)) throw attestationInvalid('malformed', 'attestations must be a JSON list of attestation objects.');
  if (list.length === 0) throw attestationInvalid('empty', 'an empty attestation set is not permitted.');
  if (list.length > MAX_ATTESTATIONS) throw attestationInvalid('too-many', `at most ${MAX_ATTESTATIONS} attestations may be supplied.`);

  const verifier = new Verifier(input.trustedRoot, {
    tlogThreshold: 1,
    // Fulcio embeds SCTs; they are required whenever the trust root names a CT log.
    ctlogThreshold: input.trustedRoot.ctlogs.length > 0 ? 1 : 0,
    timestampThreshold: 1,
  });
  const verified = list.map((raw, index) => verifyOne(raw, index, input, verifier));
  const predicateTypes = verified.map((v) => v.predicateType);
  if (new Set(predicateTypes).size !== predicateTypes.length) {
    throw attestationInvalid('duplicate-predicate-type', 'multiple attestations for the same predicate type are not permitted.');
  }
  return { attestations: list, predicateTypes, signers: verified.map((v) => v.signer) };
}
