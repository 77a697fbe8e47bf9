// GitLab CI/CD (gitlab.com or a configured self-managed issuer). Config: { project_path:
// "group/sub/project", ci_config_path: ".gitlab-ci.yml" (the top-level pipeline file, as in
// `ci_config_ref_uri`), environment? }. The checks follow Warehouse's GitLabPublisher.
import { claimString, configString, ENVIRONMENT, readConfig, sameText, sameTextIgnoringCase } from './fields.js';
import type { ProviderDefinition } from './types.js';

const PROJECT_PATH = /^(?=.{3,255}$)[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/;
/** A relative file path in the repository: no leading slash, no `.`/`..` segment, a YAML file. */
const CI_CONFIG_PATH = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\.ya?ml$/;

export const gitlab: ProviderDefinition = {
  id: 'gitlab',
  canonicalIssuer: () => 'https://gitlab.com',

  parseConfig: (raw) =>
    readConfig(raw, {
      project_path: { shape: 'a GitLab project path, `group/project` or `group/sub/project`', pattern: PROJECT_PATH },
      ci_config_path: { shape: 'the pipeline file path in the repository, such as `.gitlab-ci.yml`', pattern: CI_CONFIG_PATH },
      environment: { shape: 'a GitLab environment name', pattern: ENVIRONMENT, optional: true },
    }),

  lookupKey: (config) => configString(config, 'project_path')!.toLowerCase(),
  lookupKeyOfClaims: (claims) => claimString(claims, 'project_path')?.toLowerCase() ?? null,

  match(config, claims, issuer) {
    const projectPath = configString(config, 'project_path')!;
    const file = configString(config, 'ci_config_path')!;
    if (!sameTextIgnoringCase(claimString(claims, 'project_path'), projectPath)) return { ok: false, claim: 'project_path' };
    const sub = claimString(claims, 'sub');
    if (sub === null || !sub.toLowerCase().startsWith(`project_path:${projectPath.toLowerCase()}:`)) return { ok: false, claim: 'sub' };
    // `<host>/<project path>//<file>@<ref_path or sha>`, where the host is the instance's.
    const uri = claimString(claims, 'ci_config_ref_uri');
    const refPath = claimString(claims, 'ref_path');
    const sha = claimString(claims, 'sha');
    const instance = new URL(issuer);
    const prefix = `${instance.host}${instance.pathname.replace(/\/+$/, '')}/${projectPath}//`.toLowerCase();
    const pinned =
      uri !== null &&
      refPath !== null &&
      sha !== null &&
      uri.slice(0, prefix.length).toLowerCase() === prefix &&
      [refPath, sha].some((pin) => uri.slice(prefix.length) === `${file}@${pin}`);
    if (!pinned) return { ok: false, claim: 'ci_config_ref_uri' };
    const environment = configString(config, 'environment');
    if (environment === undefined) return { ok: true, specificity: 0 };
    return sameText(claimString(claims, 'environment'), environment) ? { ok: true, specificity: 1 } : { ok: false, claim: 'environment' };
  },

  auditClaims: ['sub', 'project_path', 'project_id', 'ci_config_ref_uri', 'ref_path', 'sha', 'pipeline_id', 'job_id', 'environment', 'user_login'],
};
