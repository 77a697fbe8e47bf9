// verifyAttestations on its own: real bundles from a local Sigstore (@sigstore/mock CA, CT log
// and Rekor-like log), checked against the matching TrustedRoot; each refusal names its reason.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseTrustedRoot, verifyAttestations, type ExpectedIdentity } from '../../src/attestations/index.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { createSigstoreFixture, githubIdentity, GITHUB_ISSUER, PUBLISH_PREDICATE, SLSA_PREDICATE, type SigstoreFixture } from '../helpers/sigstore-fixtures.js';

const FILE = 'demo-1.0-py3-none-any.whl';
const SHA = createHash('sha256').update('demo').digest('hex');
const ALLOWED = [PUBLISH_PREDICATE, SLSA_PREDICATE];
const EXPECTED: ExpectedIdentity = {
  issuer: GITHUB_ISSUER,
  sourceRepositoryUri: 'https://github.com/octo-org/octo-repo',
  buildConfigUriPrefix: 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@',
};

describe('verifyAttestations', () => {
  let sigstore: SigstoreFixture;
  let root: ReturnType<typeof parseTrustedRoot>;
  const subject = { name: FILE, sha256: SHA };
  const run = (attestations: unknown, expectedIdentity: ExpectedIdentity | null = EXPECTED) =>
    verifyAttestations({ attestations, subject, allowedPredicateTypes: ALLOWED, expectedIdentity, trustedRoot: root });
  const refusedWith = (fn: () => unknown, reason: string) =>
    assert.throws(fn, (error: unknown) => {
      assert.ok(error instanceof BulwarkError);
      assert.equal(error.code, 'ATTESTATION_INVALID');
      assert.equal(error.kind, 'invalid');
      assert.deepEqual(error.detail, { reason });
      assert.match(error.message, /^Invalid attestations supplied during upload: /);
      return true;
    });

  before(async () => {
    sigstore = await createSigstoreFixture();
    root = parseTrustedRoot(sigstore.trustedRoot);
  });

  test('a publish and a SLSA attestation from the expected workflow verify', async () => {
    const identity = githubIdentity(GITHUB_ISSUER);
    const one = await sigstore.attest({ subjects: [subject], identity });
    const two = await sigstore.attest({ subjects: [subject], identity, predicateType: SLSA_PREDICATE });
    const result = run([one, two]);
    assert.deepEqual(result.predicateTypes, ALLOWED);
    assert.deepEqual(result.attestations, [one, two]);
    assert.equal(result.signers[0]!.issuer, GITHUB_ISSUER);
    assert.equal(result.signers[0]!.sourceRepositoryUri, 'https://github.com/octo-org/octo-repo');
  });

  test('both an inclusion proof and an inclusion promise (SET) are required', async () => {
    const attestation = await sigstore.attest({ subjects: [subject], identity: githubIdentity(GITHUB_ISSUER) });
    const entry = attestation.verification_material.transparency_entries[0]!;
    const withEntry = (e: Record<string, unknown>) => [{ ...attestation, verification_material: { ...attestation.verification_material, transparency_entries: [e] } }];
    // A v0.3 bundle must carry the inclusion proof.
    const { inclusionProof, ...withoutProof } = entry;
    refusedWith(() => run(withEntry(withoutProof)), 'malformed');
    // Without the SET nothing vouches for the signing time (no timestamp authority): refused.
    const { inclusionPromise, ...withoutSet } = entry;
    refusedWith(() => run(withEntry(withoutSet)), 'signature');
    assert.ok(inclusionProof && inclusionPromise);
  });

  test('a tampered SET or checkpoint is refused', async () => {
    const attestation = await sigstore.attest({ subjects: [subject], identity: githubIdentity(GITHUB_ISSUER) });
    const entry = attestation.verification_material.transparency_entries[0]!;
    const badSet = { ...entry, inclusionPromise: { signedEntryTimestamp: Buffer.alloc(70, 1).toString('base64') } };
    refusedWith(() => run([{ ...attestation, verification_material: { ...attestation.verification_material, transparency_entries: [badSet] } }]), 'signature');
    const badLogIndex = { ...entry, logIndex: String(Number(entry.logIndex) + 1) };
    refusedWith(() => run([{ ...attestation, verification_material: { ...attestation.verification_material, transparency_entries: [badLogIndex] } }]), 'signature');
    const proof = entry.inclusionProof as Record<string, unknown>;
    // The leaf is hashed up to the root named by the signed checkpoint (the proof's own rootHash is not trusted):
    // a checkpoint for another tree is refused.
    const checkpointText = String((proof.checkpoint as { envelope: string }).envelope);
    const otherTree = checkpointText.replace(/\n1\n/, '\n2\n');
    assert.notEqual(otherTree, checkpointText);
    const badTree = { ...entry, inclusionProof: { ...proof, checkpoint: { envelope: otherTree } } };
    refusedWith(() => run([{ ...attestation, verification_material: { ...attestation.verification_material, transparency_entries: [badTree] } }]), 'signature');
    // A checkpoint signed by a key the trust root does not name.
    const checkpoint = String((proof.checkpoint as { envelope: string }).envelope);
    const forged = checkpoint.replace(/ ([A-Za-z0-9+/=]+)\n$/, (_m, sig: string) => ` ${Buffer.from(sig, 'base64').fill(3, 4).toString('base64')}\n`);
    assert.notEqual(forged, checkpoint);
    const badCheckpoint = { ...entry, inclusionProof: { ...proof, checkpoint: { envelope: forged } } };
    refusedWith(() => run([{ ...attestation, verification_material: { ...attestation.verification_material, transparency_entries: [badCheckpoint] } }]), 'signature');
  });

  test('another repository or workflow, or another issuer, fails the identity policy', async () => {
    for (const identity of [
      githubIdentity(GITHUB_ISSUER, 'evil-org/octo-repo'),
      githubIdentity(GITHUB_ISSUER, 'octo-org/octo-repo', 'other.yml'),
      githubIdentity('https://issuer.example.test'),
    ]) {
      const attestation = await sigstore.attest({ subjects: [subject], identity });
      refusedWith(() => run([attestation]), 'identity');
      assert.ok(run([attestation], null), 'without a policy the signature alone is checked');
    }
  });

  test('a Google identity is matched by its e-mail SAN', async () => {
    const identity = { issuer: 'https://accounts.google.com', san: 'mailto:ci@example.test', sourceRepositoryUri: '', buildConfigUri: '' };
    const attestation = await sigstore.attest({ subjects: [subject], identity });
    // The mock CA writes every SAN as a URI; the policy compares the SAN text.
    refusedWith(() => run([attestation], { issuer: 'https://accounts.google.com', subjectAlternativeName: 'other@example.test' }), 'identity');
    run([attestation], { issuer: 'https://accounts.google.com', subjectAlternativeName: 'mailto:ci@example.test' });
  });

  test('shape refusals', async () => {
    const attestation = await sigstore.attest({ subjects: [subject], identity: githubIdentity(GITHUB_ISSUER) });
    refusedWith(() => run({}), 'malformed');
    refusedWith(() => run([{ version: 2 }]), 'malformed');
    refusedWith(() => run([{ ...attestation, envelope: { statement: '!!', signature: 'AA==' } }]), 'malformed');
    refusedWith(() => run([]), 'empty');
    refusedWith(() => run([attestation, attestation, attestation]), 'too-many');
    refusedWith(() => run([attestation, attestation]), 'duplicate-predicate-type');
  });
});
