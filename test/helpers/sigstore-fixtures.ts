// A local Sigstore for attestation tests: a Fulcio-like CA (with a CT log that embeds SCTs) and
// a Rekor-like log from @sigstore/mock, the TrustedRoot JSON naming them, and a signer that
// produces PEP 740 attestation objects (DSSE over an in-toto Statement, logged with an
// inclusion promise and an inclusion proof). A second CA, absent from the trust root, signs
// "untrusted" certificates.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';

type CA = Awaited<ReturnType<typeof initializeCA>>;
/** A Rekor v1 log entry, as the mock log returns it. */
interface LoggedEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    signedEntryTimestamp: string;
    inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string };
  };
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const PUBLISH_PREDICATE = 'https://docs.pypi.org/attestations/publish/v1';
export const SLSA_PREDICATE = 'https://slsa.dev/provenance/v1';
const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_SOURCE_REPOSITORY_URI = '1.3.6.1.4.1.57264.1.12';
const OID_BUILD_CONFIG_URI = '1.3.6.1.4.1.57264.1.18';

export interface SignerIdentity {
  issuer: string;
  /** The certificate's SAN (a URI). */
  san: string;
  sourceRepositoryUri: string;
  buildConfigUri: string;
}

/** A GitHub Actions identity for `repository`'s `workflow` at refs/heads/main. */
export function githubIdentity(issuer: string, repository = 'octo-org/octo-repo', workflow = 'release.yml'): SignerIdentity {
  const build = `https://github.com/${repository}/.github/workflows/${workflow}@refs/heads/main`;
  return { issuer, san: build, sourceRepositoryUri: `https://github.com/${repository}`, buildConfigUri: build };
}

export interface AttestOptions {
  subjects: Array<{ name: string; sha256: string }>;
  predicateType?: string;
  identity: SignerIdentity;
  /** `untrusted`: a certificate from a CA the trust root does not name. */
  ca?: 'trusted' | 'untrusted';
  /** Sign other bytes than the statement (the log entry is consistent with the bad signature). */
  badSignature?: boolean;
}

export interface Attestation {
  version: 1;
  verification_material: { certificate: string; transparency_entries: Array<Record<string, unknown>> };
  envelope: { statement: string; signature: string };
}

export interface SigstoreFixture {
  /** TrustedRoot JSON (protobuf-specs JSON form) naming the trusted CA, the log and the CT log. */
  trustedRoot: Record<string, unknown>;
  writeTrustedRoot(dir: string): string;
  attest(options: AttestOptions): Promise<Attestation>;
}

const b64 = (bytes: ArrayBufferView) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const ecKeys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = (key: import('node:crypto').KeyObject) => key.export({ format: 'der', type: 'spki' });
const pae = (type: string, payload: Buffer) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);

export async function createSigstoreFixture(): Promise<SigstoreFixture> {
  const ctKeys = ecKeys();
  const ctLog = await initializeCTLog(ctKeys);
  const trustedCa = await initializeCA(ecKeys(), ctLog);
  const untrustedCa = await initializeCA(ecKeys(), ctLog);
  const rekorUrl = 'https://rekor.bulwark.test';
  const tlogKeys = ecKeys();
  const tlog = await initializeTLog(rekorUrl, tlogKeys);
  const start = new Date(Date.now() - 24 * 3600_000).toISOString();

  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekorUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(spki(tlogKeys.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(createHash('sha256').update(spki(tlogKeys.publicKey)).digest()) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: 'https://fulcio.bulwark.test',
        certChain: { certificates: [{ rawBytes: b64(trustedCa.rootCertificate) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.bulwark.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(spki(ctKeys.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(ctLog.logID) },
      },
    ],
    timestampAuthorities: [],
  };

  async function certificateFor(ca: CA, key: import('node:crypto').KeyObject, identity: SignerIdentity): Promise<Buffer> {
    const der = await ca.issueCertificate({
        publicKey: spki(key),
        subjectAltName: identity.san,
        extensions: [
          { oid: OID_ISSUER_V2, value: identity.issuer },
          { oid: OID_SOURCE_REPOSITORY_URI, value: identity.sourceRepositoryUri },
          { oid: OID_BUILD_CONFIG_URI, value: identity.buildConfigUri },
        ],
      });
    return Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  }

  return {
    trustedRoot,
    writeTrustedRoot(dir) {
      const path = join(dir, 'trusted_root.json');
      writeFileSync(path, JSON.stringify(trustedRoot));
      return path;
    },
    async attest(options) {
      const statement = Buffer.from(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: options.subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
          predicateType: options.predicateType ?? PUBLISH_PREDICATE,
          predicate: {},
        }),
      );
      const keys = ecKeys();
      const cert = await certificateFor(options.ca === 'untrusted' ? untrustedCa : trustedCa, keys.publicKey, options.identity);
      const signed = options.badSignature ? Buffer.concat([statement, Buffer.from(' ')]) : statement;
      const signature = sign('sha256', pae(PAYLOAD_TYPE, signed), keys.privateKey);
      const envelope = { payload: b64(statement), payloadType: PAYLOAD_TYPE, signatures: [{ sig: b64(signature), keyid: '' }] };
      const pem = `-----BEGIN CERTIFICATE-----\n${b64(cert).replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
      const logged = await tlog.log({
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify(envelope)).digest('hex') },
          payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
          signatures: [{ signature: b64(signature), verifier: Buffer.from(pem).toString('base64') }],
        },
      });
      const entry = Object.values(logged)[0] as unknown as LoggedEntry;
      const proof = entry.verification.inclusionProof;
      return {
        version: 1,
        verification_material: {
          certificate: b64(cert),
          transparency_entries: [
            {
              logIndex: String(entry.logIndex),
              logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
              kindVersion: { kind: 'dsse', version: '0.0.1' },
              integratedTime: String(entry.integratedTime),
              inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
              inclusionProof: {
                logIndex: String(proof.logIndex),
                rootHash: Buffer.from(proof.rootHash, 'hex').toString('base64'),
                treeSize: String(proof.treeSize),
                hashes: proof.hashes,
                checkpoint: { envelope: proof.checkpoint },
              },
              canonicalizedBody: entry.body,
            },
          ],
        },
        envelope: { statement: b64(statement), signature: b64(signature) },
      };
    },
  };
}
