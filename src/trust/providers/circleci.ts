// CircleCI. Config: { org_id, project_id, pipeline_definition_id (UUIDs), vcs_origin
// ("github.com/owner/repo"), context_ids? }. The token's issuer is the organization's own,
// https://oidc.circleci.com/org/<org_id>.
import { claimString, configList, configString, readConfig, sameText, sameTextIgnoringCase, UUID } from './fields.js';
import type { ProviderDefinition } from './types.js';

const CLAIM = 'oidc.circleci.com/';
const VCS_ORIGIN = /^[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9_.-]+){2,}$/;
const uuid = { shape: 'a UUID', pattern: UUID, normalize: (v: string) => v.toLowerCase() };

export const circleci: ProviderDefinition = {
  id: 'circleci',
  canonicalIssuer: (config) => `https://oidc.circleci.com/org/${configString(config, 'org_id')}`,

  parseConfig: (raw) =>
    readConfig(raw, {
      org_id: uuid,
      project_id: uuid,
      pipeline_definition_id: uuid,
      vcs_origin: { shape: 'the repository as CircleCI names it, such as `github.com/owner/repo`', pattern: VCS_ORIGIN },
      context_ids: { ...uuid, shape: 'a list of context UUIDs', optional: true, list: true },
    }),

  lookupKey: (config) => configString(config, 'project_id')!,
  lookupKeyOfClaims: (claims) => claimString(claims, `${CLAIM}project-id`)?.toLowerCase() ?? null,

  match(config, claims) {
    for (const [claim, key] of [
      ['project-id', 'project_id'],
      ['org-id', 'org_id'],
      ['pipeline-definition-id', 'pipeline_definition_id'],
    ] as const) {
      if (!sameTextIgnoringCase(claimString(claims, `${CLAIM}${claim}`), configString(config, key)!)) return { ok: false, claim: `${CLAIM}${claim}` };
    }
    if (!sameTextIgnoringCase(claimString(claims, `${CLAIM}vcs-origin`), configString(config, 'vcs_origin')!)) {
      return { ok: false, claim: `${CLAIM}vcs-origin` };
    }
    const required = configList(config, 'context_ids');
    if (required.length === 0) return { ok: true, specificity: 0 };
    const present = claims[`${CLAIM}context-ids`];
    const granted = Array.isArray(present) ? present.filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase()) : [];
    return required.every((id) => granted.some((g) => sameText(g, id))) ? { ok: true, specificity: 1 } : { ok: false, claim: `${CLAIM}context-ids` };
  },

  auditClaims: ['sub', `${CLAIM}project-id`, `${CLAIM}pipeline-id`, `${CLAIM}pipeline-definition-id`, `${CLAIM}vcs-origin`, `${CLAIM}vcs-ref`, `${CLAIM}job-id`],
};
