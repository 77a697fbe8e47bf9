// GitHub Actions. Config: { repository: "owner/repo", workflow: "publish.yml", environment?,
// repository_owner_id? }. The checks follow Warehouse's GitHubPublisher.
import { claimString, configString, ENVIRONMENT, readConfig, sameText, sameTextIgnoringCase } from './fields.js';
import type { ProviderDefinition } from './types.js';

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
/** A workflow file name only: GitHub runs workflows from .github/workflows/, no sub-folders. */
const WORKFLOW = /^[A-Za-z0-9_.-]+\.ya?ml$/;

export const github: ProviderDefinition = {
  id: 'github',
  canonicalIssuer: () => 'https://token.actions.githubusercontent.com',

  parseConfig: (raw) =>
    readConfig(raw, {
      repository: { shape: 'a GitHub repository, `owner/repo`', pattern: REPOSITORY },
      workflow: { shape: 'a workflow file name such as `publish.yml`, without its folder', pattern: WORKFLOW },
      environment: { shape: 'a GitHub environment name', pattern: ENVIRONMENT, optional: true },
      // The owner's numeric id stops a deleted account's name from being re-registered and reused.
      repository_owner_id: { shape: 'the numeric id of the repository owner', pattern: /^[0-9]{1,20}$/, optional: true },
    }),

  lookupKey: (config) => configString(config, 'repository')!.toLowerCase(),
  lookupKeyOfClaims: (claims) => claimString(claims, 'repository')?.toLowerCase() ?? null,

  match(config, claims) {
    const repository = configString(config, 'repository')!;
    const workflow = configString(config, 'workflow')!;
    const owner = repository.split('/')[0]!;
    if (!sameTextIgnoringCase(claimString(claims, 'repository'), repository)) return { ok: false, claim: 'repository' };
    if (!sameTextIgnoringCase(claimString(claims, 'repository_owner'), owner)) return { ok: false, claim: 'repository_owner' };
    const ownerId = configString(config, 'repository_owner_id');
    if (ownerId !== undefined && !sameText(claimString(claims, 'repository_owner_id'), ownerId)) return { ok: false, claim: 'repository_owner_id' };
    // `job_workflow_ref` names the workflow file that runs the job (the reusable one, if any):
    // `owner/repo/.github/workflows/<file>@<ref>`, pinned by the run's `ref` or `sha`.
    const jobWorkflowRef = claimString(claims, 'job_workflow_ref');
    const pins = [claimString(claims, 'ref'), claimString(claims, 'sha')].filter((pin): pin is string => pin !== null);
    const prefix = `${repository}/`.toLowerCase();
    const pinned =
      jobWorkflowRef !== null &&
      pins.length > 0 &&
      jobWorkflowRef.slice(0, prefix.length).toLowerCase() === prefix &&
      pins.some((pin) => jobWorkflowRef.slice(prefix.length) === `.github/workflows/${workflow}@${pin}`);
    if (!pinned) return { ok: false, claim: 'job_workflow_ref' };
    // pull_request_target runs the base repository's workflow with its secrets on behalf of a
    // fork's pull request: never a publishing event.
    const event = claimString(claims, 'event_name');
    if (event === null || event === 'pull_request_target') return { ok: false, claim: 'event_name' };
    const environment = configString(config, 'environment');
    if (environment === undefined) return { ok: true, specificity: 0 };
    return sameTextIgnoringCase(claimString(claims, 'environment'), environment) ? { ok: true, specificity: 1 } : { ok: false, claim: 'environment' };
  },

  auditClaims: ['sub', 'repository', 'repository_id', 'job_workflow_ref', 'ref', 'sha', 'event_name', 'environment', 'run_id', 'run_attempt', 'actor'],
};
