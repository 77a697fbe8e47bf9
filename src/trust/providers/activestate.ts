// ActiveState Platform. Config: { organization, project, actor_id }. The checks follow
// Warehouse's ActiveStatePublisher, including its `builder` claim.
import { claimString, configString, readConfig, sameText } from './fields.js';
import type { ProviderDefinition } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** What ActiveState's publishing builder calls itself in its tokens. */
const BUILDER = 'pypi-publisher';

export const activestate: ProviderDefinition = {
  id: 'activestate',
  canonicalIssuer: () => 'https://platform.activestate.com/api/v1/oauth/oidc',

  parseConfig: (raw) =>
    readConfig(raw, {
      organization: { shape: 'an ActiveState organization name', pattern: NAME },
      project: { shape: 'an ActiveState project name', pattern: NAME },
      actor_id: { shape: 'the ActiveState user id (a UUID)', pattern: /^[0-9A-Za-z-]{1,64}$/ },
    }),

  lookupKey: (config) => `${configString(config, 'organization')}/${configString(config, 'project')}`.toLowerCase(),
  lookupKeyOfClaims: (claims) => {
    const organization = claimString(claims, 'organization');
    const project = claimString(claims, 'project');
    return organization && project ? `${organization}/${project}`.toLowerCase() : null;
  },

  match(config, claims) {
    const organization = configString(config, 'organization')!;
    const project = configString(config, 'project')!;
    if (!sameText(claimString(claims, 'organization'), organization)) return { ok: false, claim: 'organization' };
    if (!sameText(claimString(claims, 'project'), project)) return { ok: false, claim: 'project' };
    const sub = claimString(claims, 'sub');
    if (sub === null || !sub.startsWith(`org:${organization}:project:${project}`)) return { ok: false, claim: 'sub' };
    if (!sameText(claimString(claims, 'actor_id'), configString(config, 'actor_id')!)) return { ok: false, claim: 'actor_id' };
    if (!sameText(claimString(claims, 'builder'), BUILDER)) return { ok: false, claim: 'builder' };
    return { ok: true, specificity: 0 };
  },

  auditClaims: ['sub', 'organization', 'project', 'actor_id', 'ingredient', 'artifact_id'],
};
