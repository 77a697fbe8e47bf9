// What a trusted publisher's attestations must be signed by, and how the provenance names the
// publisher, per CI platform. Platforms without signing identities in Fulcio certificates
// (CircleCI, ActiveState) have none: their uploads cannot carry attestations.
import type { ExpectedIdentity } from './verify.js';

export interface PublisherRecord {
  provider: string;
  /** The OIDC issuer the publisher's tokens come from (also the certificate's issuer). */
  issuer: string;
  claims: Record<string, unknown>;
}

/** The publisher as the provenance object names it. */
export type PublisherIdentity =
  | { kind: 'GitHub'; repository: string; workflow: string; environment: string | null }
  | { kind: 'GitLab'; repository: string; workflow_filepath: string; environment: string | null }
  | { kind: 'Google'; email: string };

const text = (claims: Record<string, unknown>, key: string): string | null => (typeof claims[key] === 'string' ? (claims[key] as string) : null);

export function attestationIdentityOf(publisher: PublisherRecord): { expected: ExpectedIdentity; identity: PublisherIdentity } | null {
  const { claims, issuer } = publisher;
  switch (publisher.provider) {
    case 'github': {
      const repository = text(claims, 'repository');
      const workflow = text(claims, 'workflow');
      if (!repository || !workflow) return null;
      return {
        expected: {
          issuer,
          sourceRepositoryUri: `https://github.com/${repository}`,
          buildConfigUriPrefix: `https://github.com/${repository}/.github/workflows/${workflow}@`,
        },
        identity: { kind: 'GitHub', repository, workflow, environment: text(claims, 'environment') },
      };
    }
    case 'gitlab': {
      const project = text(claims, 'project_path');
      const file = text(claims, 'ci_config_path');
      if (!project || !file) return null;
      // gitlab.com or a self-managed instance: the repository lives on the issuer's host.
      const instance = new URL(issuer);
      const base = `https://${instance.host}${instance.pathname.replace(/\/+$/, '')}`;
      return {
        expected: { issuer, sourceRepositoryUri: `${base}/${project}`, buildConfigUriPrefix: `${base}/${project}//${file}@` },
        identity: { kind: 'GitLab', repository: project, workflow_filepath: file, environment: text(claims, 'environment') },
      };
    }
    case 'google': {
      const email = text(claims, 'email');
      if (!email) return null;
      return { expected: { issuer, subjectAlternativeName: email }, identity: { kind: 'Google', email } };
    }
    default:
      return null;
  }
}
