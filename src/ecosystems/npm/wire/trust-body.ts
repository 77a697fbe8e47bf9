// `npm trust` configurations as the npm CLI writes and reads them (lib/commands/trust/*.js), and
// their mapping to the trust core's neutral configs. The core checks the values themselves; this
// file checks only the wire shape. An unknown field is refused, never dropped: silently ignoring a
// constraint the user meant to set would trust more than they asked for.
import { invalid } from '../../../platform/errors.js';
import type { PublisherView } from '../../../trust/index.js';

export type NpmTrustType = 'github' | 'gitlab' | 'circleci';

/** One configuration to add, in the core's words. */
export interface NpmTrustRequest {
  provider: NpmTrustType;
  claims: Record<string, unknown>;
  permissions: unknown;
}

/** What `npm trust list` reads: `[{id, type, claims, permissions}]`, claims in npm's shape. */
export interface NpmTrustConfig {
  id: string;
  type: string;
  claims: Record<string, unknown>;
  permissions: string[];
}

/** npm's permission for `--allow-publish`; the exchange route requires it. */
export const NPM_PUBLISH_PERMISSION = 'createPackage';

const CIRCLECI = 'oidc.circleci.com/';
/** npm's CircleCI claim names → the core's config fields. */
const CIRCLECI_FIELDS = {
  [`${CIRCLECI}org-id`]: 'org_id',
  [`${CIRCLECI}project-id`]: 'project_id',
  [`${CIRCLECI}pipeline-definition-id`]: 'pipeline_definition_id',
  [`${CIRCLECI}vcs-origin`]: 'vcs_origin',
  [`${CIRCLECI}context-ids`]: 'context_ids',
} as const;

const bodyInvalid = () =>
  invalid('BODY_INVALID', 'Send a JSON array holding one trust configuration: {"type", "claims", "permissions"}, as `npm trust` does.');
const claimsInvalid = (message: string) => invalid('TRUST_CLAIMS_INVALID', message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyFields(claims: Record<string, unknown>, allowed: readonly string[], type: NpmTrustType) {
  const unknown = Object.keys(claims).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw claimsInvalid(`Unknown ${type} trust claim${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `\`${k}\``).join(', ')}.`);
  }
}

/** `{file: "publish.yml"}` → `publish.yml`; anything else is left for the core to refuse. */
function fileOf(ref: unknown, field: string): unknown {
  if (ref === undefined || ref === null) return undefined;
  if (!isObject(ref) || Object.keys(ref).some((key) => key !== 'file')) throw claimsInvalid(`\`${field}\` must be {"file": "<file name>"}.`);
  return ref.file;
}

function neutralClaims(type: NpmTrustType, claims: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case 'github':
      onlyFields(claims, ['repository', 'workflow_ref', 'environment'], type);
      return { repository: claims.repository, workflow: fileOf(claims.workflow_ref, 'workflow_ref'), environment: claims.environment };
    case 'gitlab':
      onlyFields(claims, ['project_path', 'ci_config_ref_uri', 'environment'], type);
      return { project_path: claims.project_path, ci_config_path: fileOf(claims.ci_config_ref_uri, 'ci_config_ref_uri'), environment: claims.environment };
    case 'circleci':
      onlyFields(claims, Object.keys(CIRCLECI_FIELDS), type);
      return Object.fromEntries(Object.entries(CIRCLECI_FIELDS).map(([wire, field]) => [field, claims[wire]]));
  }
}

/**
 * The body of `POST /-/package/<name>/trust`. npm sends an array of one; more than one is
 * refused, because the core adds publishers one at a time and a refusal of the second must not
 * leave the first behind. Without `permissions` (npm before `--allow-publish` existed) the
 * configuration allows publishing, which is what it meant then.
 */
export function parseTrustBody(body: unknown): NpmTrustRequest {
  const entry = Array.isArray(body) ? (body.length === 1 ? body[0] : undefined) : undefined;
  if (!isObject(entry)) throw bodyInvalid();
  const { type, claims, permissions, ...rest } = entry;
  if (Object.keys(rest).length > 0) throw bodyInvalid();
  if (type !== 'github' && type !== 'gitlab' && type !== 'circleci') {
    throw invalid('TRUST_PROVIDER_INVALID', 'An npm trust configuration is of type github, gitlab or circleci.');
  }
  if (!isObject(claims)) throw claimsInvalid('`claims` must be an object.');
  return { provider: type, claims: neutralClaims(type, claims), permissions: permissions === undefined ? [NPM_PUBLISH_PERMISSION] : permissions };
}

const defined = (entries: Array<[string, unknown]>) => Object.fromEntries(entries.filter(([, value]) => value !== undefined));

/** A publisher as `npm trust list` shows it. Providers npm has no shape for keep the core's fields. */
export function toNpmTrustConfig(view: PublisherView): NpmTrustConfig {
  const c = view.claims as Record<string, unknown>;
  let claims: Record<string, unknown>;
  switch (view.provider) {
    case 'github':
      claims = defined([
        ['repository', c.repository],
        ['workflow_ref', { file: c.workflow }],
        ['environment', c.environment],
        ['repository_owner_id', c.repository_owner_id],
      ]);
      break;
    case 'gitlab':
      claims = defined([
        ['project_path', c.project_path],
        ['ci_config_ref_uri', { file: c.ci_config_path }],
        ['environment', c.environment],
      ]);
      break;
    case 'circleci':
      claims = defined(Object.entries(CIRCLECI_FIELDS).map(([wire, field]) => [wire, c[field]]));
      break;
    default:
      claims = { ...c };
  }
  return { id: view.id, type: view.provider, claims, permissions: view.permissions };
}
