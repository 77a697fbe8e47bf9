// The Sigstore trust root, as the TrustedRoot JSON of the Sigstore protobuf specs
// (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`), turned into the trust material
// @sigstore/verify checks against. It is always given (configuration), never fetched: whoever
// runs the registry decides which Fulcio CAs, Rekor logs and CT logs it believes.
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { X509Certificate } from '@sigstore/core';
import type { TrustMaterial } from '@sigstore/verify';
import { BulwarkError } from '../platform/errors.js';

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const validFor = z.object({ start: z.string().datetime({ offset: true }).optional(), end: z.string().datetime({ offset: true }).optional() }).optional();
const log = z.object({
  baseUrl: z.string().default(''),
  publicKey: z.object({ rawBytes: base64, keyDetails: z.string().optional(), validFor }),
  logId: z.object({ keyId: base64 }),
  checkpointKeyId: z.object({ keyId: base64 }).optional(),
});
const authority = z.object({
  certChain: z.object({ certificates: z.array(z.object({ rawBytes: base64 })).min(1) }),
  validFor,
});
const trustedRootJson = z.object({
  mediaType: z.string().optional(),
  tlogs: z.array(log).default([]),
  certificateAuthorities: z.array(authority).default([]),
  ctlogs: z.array(log).default([]),
  timestampAuthorities: z.array(authority).default([]),
});

const BEGINNING = new Date(0);
const END = new Date(8640000000000000);
const PKCS1 = new Set(['PKCS1_RSA_PKCS1V5', 'PKCS1_RSA_PSS']);

function window(v: z.infer<typeof validFor>) {
  return { start: v?.start ? new Date(v.start) : BEGINNING, end: v?.end ? new Date(v.end) : END };
}

function logAuthority(entry: z.infer<typeof log>) {
  const der = Buffer.from(entry.publicKey.rawBytes, 'base64');
  return {
    baseURL: entry.baseUrl,
    logID: Buffer.from((entry.checkpointKeyId ?? entry.logId).keyId, 'base64'),
    publicKey: createPublicKey({ key: der, format: 'der', type: PKCS1.has(entry.publicKey.keyDetails ?? '') ? 'pkcs1' : 'spki' }),
    validFor: window(entry.publicKey.validFor),
  };
}

function certAuthority(entry: z.infer<typeof authority>) {
  return {
    certChain: entry.certChain.certificates.map((c) => X509Certificate.parse(Buffer.from(c.rawBytes, 'base64'))),
    validFor: window(entry.validFor),
  };
}

/** The trust material for verification; throws (at startup) when the JSON is not a usable TrustedRoot. */
export function parseTrustedRoot(json: unknown): TrustMaterial {
  const parsed = trustedRootJson.safeParse(json);
  if (!parsed.success) throw new Error(`Invalid Sigstore trusted root: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const root = parsed.data;
  if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
    throw new Error('Invalid Sigstore trusted root: it needs at least one certificate authority and one transparency log.');
  }
  try {
    return {
      certificateAuthorities: root.certificateAuthorities.map(certAuthority),
      timestampAuthorities: root.timestampAuthorities.map(certAuthority),
      tlogs: root.tlogs.map(logAuthority),
      ctlogs: root.ctlogs.map(logAuthority),
      // Attestations are signed with Fulcio certificates only, never bare keys.
      publicKey: () => {
        throw new BulwarkError('invalid', 'ATTESTATION_INVALID', 'Attestations must be signed with a certificate.', { detail: { reason: 'signature' } });
      },
    };
  } catch (error) {
    throw new Error(`Invalid Sigstore trusted root: ${(error as Error).message}`, { cause: error });
  }
}
