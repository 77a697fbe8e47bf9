// A real OIDC issuer on a loopback port, for trusted-publishing tests: it serves
// /.well-known/openid-configuration and a JWKS over node:http and signs ID tokens with a
// generated RS256 key (jose), shaped like GitHub Actions' and GitLab CI's.
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export type IssuerBehaviour =
  /** Serve the configuration and keys. */
  | 'ok'
  /** Answer every request with 500. */
  | 'down'
  /** Serve a JWKS far larger than any real one. */
  | 'huge'
  /** Never answer (the registry's timeout must fire). */
  | 'hang';

export interface SignOptions {
  /** `other`: a second key the JWKS does not hold, under the same kid (the signature fails). */
  key?: 'main' | 'other';
  kid?: string;
  alg?: 'RS256' | 'HS256';
}

export interface OidcIssuer {
  /** The issuer URL (`iss`), e.g. http://127.0.0.1:43123/gh. */
  url: string;
  jwksUrl: string;
  /** How many times each document was fetched. */
  hits: { configuration: number; jwks: number };
  behaviour: IssuerBehaviour;
  /** Signs exactly these claims (nothing added). */
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** iss, aud, iat, nbf, exp (+5 min) and a fresh jti, then `claims` over them. */
  token(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  githubClaims(input?: GithubInput): Record<string, unknown>;
  gitlabClaims(input?: GitlabInput): Record<string, unknown>;
  githubToken(input?: GithubInput & { claims?: Record<string, unknown> }, options?: SignOptions): Promise<string>;
  gitlabToken(input?: GitlabInput & { claims?: Record<string, unknown> }, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface GithubInput {
  repository?: string;
  workflow?: string;
  environment?: string;
  ref?: string;
  sha?: string;
  eventName?: string;
  aud?: string;
}

export interface GitlabInput {
  projectPath?: string;
  ciConfigPath?: string;
  environment?: string;
  refPath?: string;
  sha?: string;
  aud?: string;
}

export const DEFAULT_SHA = '0123456789abcdef0123456789abcdef01234567';

export async function startOidcIssuer(options: { path?: string; aud?: string } = {}): Promise<OidcIssuer> {
  const main = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const publicJwk: JWK = { ...(await exportJWK(main.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const path = options.path ?? '';
  const defaultAud = options.aud ?? 'bulwark-test';

  const state = { behaviour: 'ok' as IssuerBehaviour, hits: { configuration: 0, jwks: 0 } };
  let url = '';
  const server: Server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://x').pathname;
    const isConfiguration = pathname === `${path}/.well-known/openid-configuration`;
    const isJwks = pathname === `${path}/jwks`;
    if (isConfiguration) state.hits.configuration++;
    if (isJwks) state.hits.jwks++;
    if (state.behaviour === 'hang') return;
    if (state.behaviour === 'down') {
      response.writeHead(500).end('down');
      return;
    }
    if (isConfiguration) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    } else if (isJwks) {
      const keys = state.behaviour === 'huge' ? Array.from({ length: 2000 }, (_, i) => ({ ...publicJwk, kid: `filler-${i}` })) : [];
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: [publicJwk, ...keys] }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  url = `http://127.0.0.1:${address.port}${path}`;

  const sign = async (claims: Record<string, unknown>, opts: SignOptions = {}) => {
    const alg = opts.alg ?? 'RS256';
    const key: CryptoKey | Uint8Array = alg === 'HS256' ? new TextEncoder().encode('a shared secret of thirty-two bytes!') : opts.key === 'other' ? other.privateKey : main.privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg, kid: opts.kid ?? kid, typ: 'JWT' }).sign(key);
  };
  const token = (claims: Record<string, unknown>, opts?: SignOptions) => {
    const now = Math.floor(Date.now() / 1000);
    return sign({ iss: url, aud: defaultAud, iat: now, nbf: now, exp: now + 300, jti: randomUUID(), ...claims }, opts);
  };

  const githubClaims = (input: GithubInput = {}) => {
    const repository = input.repository ?? 'octo-org/octo-repo';
    const workflow = input.workflow ?? 'release.yml';
    const ref = input.ref ?? 'refs/heads/main';
    const workflowRef = `${repository}/.github/workflows/${workflow}@${ref}`;
    return {
      sub: input.environment ? `repo:${repository}:environment:${input.environment}` : `repo:${repository}:ref:${ref}`,
      ...(input.aud ? { aud: input.aud } : {}),
      repository,
      repository_owner: repository.split('/')[0],
      repository_owner_id: '1000001',
      repository_id: '2000002',
      repository_visibility: 'private',
      workflow_ref: workflowRef,
      job_workflow_ref: workflowRef,
      ref,
      ref_type: 'branch',
      sha: input.sha ?? DEFAULT_SHA,
      event_name: input.eventName ?? 'push',
      run_id: '3000003',
      run_attempt: '1',
      actor: 'octocat',
      ...(input.environment ? { environment: input.environment } : {}),
    };
  };

  const gitlabClaims = (input: GitlabInput = {}) => {
    const projectPath = input.projectPath ?? 'group/sub/project';
    const file = input.ciConfigPath ?? '.gitlab-ci.yml';
    const refPath = input.refPath ?? 'refs/heads/main';
    const instance = new URL(url);
    return {
      sub: `project_path:${projectPath}:ref_type:branch:ref:main`,
      ...(input.aud ? { aud: input.aud } : {}),
      project_path: projectPath,
      project_id: '4000004',
      namespace_path: projectPath.split('/').slice(0, -1).join('/'),
      ref_path: refPath,
      ref_type: 'branch',
      sha: input.sha ?? DEFAULT_SHA,
      ci_config_ref_uri: `${instance.host}${instance.pathname.replace(/\/+$/, '')}/${projectPath}//${file}@${refPath}`,
      ci_config_sha: input.sha ?? DEFAULT_SHA,
      pipeline_id: '5000005',
      job_id: '6000006',
      user_login: 'gitlab-user',
      project_visibility: 'private',
      ...(input.environment ? { environment: input.environment } : {}),
    };
  };

  return {
    url,
    jwksUrl: `${url}/jwks`,
    hits: state.hits,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: IssuerBehaviour) {
      state.behaviour = value;
    },
    sign,
    token,
    githubClaims,
    gitlabClaims,
    githubToken: ({ claims, ...input } = {}, opts) => token({ ...githubClaims(input), ...claims }, opts),
    gitlabToken: ({ claims, ...input } = {}, opts) => token({ ...gitlabClaims(input), ...claims }, opts),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
