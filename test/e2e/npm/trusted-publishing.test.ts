// Trusted publishing with the machine's real npm, on each storage pair: an owner sets up
// `npm trust github|gitlab|circleci`, then `npm publish` runs as in a CI job with no token in
// its .npmrc — GitHub Actions simulated by a loopback ID-token service and a loopback OIDC
// issuer (spec §11), GitLab by NPM_ID_TOKEN — and trades the job's ID token for a short-lived
// one. Refusals (another repository, a replayed or revoked token) prove they stored nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { createNpmClient, writePackage, assertOk, type NpmClient, type NpmResult } from '../../helpers/npm-cli.js';
import { startOidcIssuer, type OidcIssuer } from '../../helpers/oidc-issuer.js';
import { storagePairs } from '../../helpers/storage.js';

const PKG = 'bw-oidc-demo';
/** What npm asks the CI for: `npm:` + the registry's host name, no port. */
const AUD = 'npm:127.0.0.1';
const REQUEST_TOKEN = 'x';
const ORG = '0f6a3c2e-1b7d-4e5f-9a8b-1c2d3e4f5a6b';
const PROJECT = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';
const PIPELINE = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';

/** GitHub's ID-token endpoint, as the runner exposes it through ACTIONS_ID_TOKEN_REQUEST_URL. */
interface TokenService {
  url: string;
  /** The JWT the next request gets. */
  next: string;
  /** What each request asked for. */
  requests: Array<{ audience: string | null; apiVersion: string | null; authorization: string | undefined }>;
  close(): Promise<void>;
}

async function startTokenService(): Promise<TokenService> {
  const state: TokenService = { url: '', next: '', requests: [], close: async () => {} };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    state.requests.push({ audience: url.searchParams.get('audience'), apiVersion: url.searchParams.get('api-version'), authorization: request.headers.authorization });
    if (url.pathname !== '/token' || request.headers.authorization !== `Bearer ${REQUEST_TOKEN}`) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"bad request token"}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: state.next }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  state.url = `http://127.0.0.1:${address.port}/token?api-version=2.0`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

async function exchangeOverHttp(t: TestApp, name: string, authorization?: string) {
  const response = await fetch(`${t.url}/-/npm/v1/oidc/token/exchange/package/${name.replace('/', '%2f')}`, {
    method: 'POST',
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

function assertRefused(result: NpmResult, pattern: RegExp) {
  assert.notEqual(result.code, 0, `npm should have failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr, pattern);
}

for (const storage of storagePairs) {
  describe(`npm trusted publishing on ${storage}`, () => {
    let t: TestApp;
    let gh: OidcIssuer;
    let gl: OidcIssuer;
    let service: TokenService;
    let npm: NpmClient;
    let alice: { id: number; name: string; token: string };
    let bob: { id: number; name: string; token: string };
    /** The GitHub publisher `npm trust github` created. */
    let githubId = '';

    before(async () => {
      gh = await startOidcIssuer({ path: '/gh', aud: AUD });
      gl = await startOidcIssuer({ path: '/gl', aud: AUD });
      service = await startTokenService();
      t = await createTestApp({
        storage,
        config: {
          oidcIssuers: {
            [gh.url]: { provider: 'github' },
            [gl.url]: { provider: 'gitlab' },
            'https://oidc.circleci.com/org/*': { provider: 'circleci' },
          },
        },
      });
      alice = await t.createUser('alice');
      bob = await t.createUser('bob');
      npm = await createNpmClient(t.url);
      await npm.setToken(alice.token);
    });
    after(async () => {
      await t?.close();
      await service?.close();
      await gh?.close();
      await gl?.close();
    });

    /** A CI job: an .npmrc without a token, and the runner's variables. */
    const githubJob = () =>
      createNpmClient(t.url, {
        env: { GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: service.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN },
      });
    const demoToken = (input: { repository?: string; aud?: string } = {}) =>
      gh.githubToken({ repository: input.repository ?? 'octo/demo', workflow: 'publish.yml', ...(input.aud ? { aud: input.aud } : {}) });
    const packument = async () => (await fetch(`${t.url}/${PKG}`)).json() as Promise<Record<string, any>>;
    const snapshot = async () => ({ rows: await t.rowCounts(), blobs: await t.storedBlobs() });

    test('npm trust, then publish from a simulated CI job', async (s) => {
      await s.test('alice publishes 1.0.0 with her own token', async () => {
        const dir = await writePackage({ name: PKG, version: '1.0.0' });
        assertOk(await npm.run(['publish'], { cwd: dir }), `publish ${PKG}@1.0.0`);
      });

      await s.test('npm trust github creates a publisher', async () => {
        const result = await npm.run(['trust', 'github', PKG, '--file', 'publish.yml', '--repo', 'octo/demo', '--allow-publish', '--yes']);
        assertOk(result, 'npm trust github');
        assert.match(result.stdout, /Trust configuration created successfully/);
        assert.match(result.stderr, /may not support trusted publishing/, 'npm warns about any registry but npmjs');
        const id = /id: ([0-9a-f]{32})/.exec(result.stdout);
        assert.ok(id, result.stdout);
        githubId = id[1]!;
        assert.match(result.stdout, /repository: octo\/demo/);
        assert.match(result.stdout, /file: publish\.yml/);
        assert.match(result.stdout, /permissions: publish/);
        assert.ok((await t.events()).some((e) => e.type === 'trust:add' && e.subject === `npm:${PKG}`));
      });

      await s.test('npm trust list shows it, in npm’s shape', async () => {
        const list = await npm.run(['trust', 'list', PKG]);
        assertOk(list, 'npm trust list');
        assert.match(list.stdout, new RegExp(`id: ${githubId}`));
        assert.match(list.stdout, /type: github/);
        assert.match(list.stdout, /repository: octo\/demo/);
        const response = await fetch(`${t.url}/-/package/${PKG}/trust`, { headers: { authorization: `Bearer ${alice.token}` } });
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), [
          { id: githubId, type: 'github', claims: { repository: 'octo/demo', workflow_ref: { file: 'publish.yml' } }, permissions: ['createPackage'] },
        ]);
      });

      await s.test('GitHub Actions: npm publish trades the job’s ID token and publishes 1.0.1', async () => {
        const job = await githubJob();
        service.next = await demoToken();
        service.requests.length = 0;
        const dir = await writePackage({ name: PKG, version: '1.0.1' });
        const result = await job.run(['publish', '--provenance=false', '--loglevel=verbose'], { cwd: dir });
        assertOk(result, 'publish from the simulated job');
        assert.match(result.stderr, /oidc Successfully retrieved and set token/);
        assert.deepEqual(service.requests, [{ audience: AUD, apiVersion: '2.0', authorization: `Bearer ${REQUEST_TOKEN}` }]);
        const doc = await packument();
        assert.equal(doc['dist-tags'].latest, '1.0.1');
        assert.equal(doc.versions['1.0.1']._npmUser.name, 'alice', 'the minted token acts as the publisher’s creator');
        const events = await t.events();
        assert.ok(events.some((e) => e.type === 'trust:exchange' && e.subject === `npm:${PKG}`));
      });

      await s.test('the same ID token, replayed, is refused and stores nothing', async () => {
        const before = await snapshot();
        const replay = await exchangeOverHttp(t, PKG, `Bearer ${service.next}`);
        assert.equal(replay.status, 401);
        assert.equal(replay.body.code, 'OIDC_TOKEN_REUSED');
        assert.match(replay.body.message!, /already exchanged.*\[OIDC_TOKEN_REUSED\]/);
        assert.match(replay.body.error!, /\[OIDC_TOKEN_REUSED\]/);
        assert.deepEqual(await snapshot(), before);
      });

      await s.test('a job of another repository cannot publish, and nothing is stored', async () => {
        const before = await snapshot();
        const eventsBefore = await t.events();
        const job = await githubJob();
        service.next = await demoToken({ repository: 'octo/other' });
        const dir = await writePackage({ name: PKG, version: '1.0.2' });
        const result = await job.run(['publish', '--provenance=false', '--loglevel=verbose'], { cwd: dir });
        assertRefused(result, /ENEEDAUTH/);
        // npm shows the exchange's refusal only at verbose level, from `message`.
        assert.match(result.stderr, /Failed token exchange request with body message: .*\[OIDC_NO_PUBLISHER\]/);
        assert.deepEqual(await snapshot(), before);
        assert.deepEqual(await t.events(), eventsBefore);
        assert.equal((await packument()).versions['1.0.2'], undefined);
      });

      await s.test('exchange refusals over HTTP', async () => {
        const before = await snapshot();
        // An ID token for npmjs.org's audience is not one for this registry.
        const wrongAudience = await exchangeOverHttp(t, PKG, `Bearer ${await demoToken({ aud: 'npm:registry.npmjs.org' })}`);
        assert.equal(wrongAudience.status, 401);
        assert.equal(wrongAudience.body.code, 'OIDC_TOKEN_INVALID');
        // A Bulwark token is not read as credentials here (credentials: 'oidc'), but as an ID token.
        const bulwarkToken = await exchangeOverHttp(t, PKG, `Bearer ${alice.token}`);
        assert.equal(bulwarkToken.status, 401);
        assert.equal(bulwarkToken.body.code, 'OIDC_TOKEN_MALFORMED');
        const none = await exchangeOverHttp(t, PKG);
        assert.equal(none.status, 401);
        assert.equal(none.body.code, 'AUTH_REQUIRED');
        // A valid token, for a package with no publisher.
        const unknownPackage = await exchangeOverHttp(t, 'bw-no-such-package', `Bearer ${await demoToken()}`);
        assert.equal(unknownPackage.status, 403);
        assert.equal(unknownPackage.body.code, 'OIDC_NO_PUBLISHER');
        assert.deepEqual(await snapshot(), before);
      });

      await s.test('only owners see and change trust configurations', async () => {
        const before = await snapshot();
        const asBob = await fetch(`${t.url}/-/package/${PKG}/trust`, { headers: { authorization: `Bearer ${bob.token}` } });
        assert.equal(asBob.status, 403);
        assert.equal(((await asBob.json()) as { code: string }).code, 'NOT_PERMITTED');
        const anonymous = await fetch(`${t.url}/-/package/${PKG}/trust`);
        assert.equal(anonymous.status, 401);
        const bobAdds = await fetch(`${t.url}/-/package/${PKG}/trust`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json' },
          body: JSON.stringify([{ type: 'github', claims: { repository: 'bob/evil', workflow_ref: { file: 'x.yml' } }, permissions: ['createPackage'] }]),
        });
        assert.equal(bobAdds.status, 403);
        const bobRevokes = await fetch(`${t.url}/-/package/${PKG}/trust/${githubId}`, { method: 'DELETE', headers: { authorization: `Bearer ${bob.token}` } });
        assert.equal(bobRevokes.status, 403);
        const missing = await fetch(`${t.url}/-/package/bw-no-such-package/trust`, { headers: { authorization: `Bearer ${alice.token}` } });
        assert.equal(missing.status, 404);
        assert.deepEqual(await snapshot(), before);
      });

      await s.test('malformed trust bodies are refused and store nothing', async () => {
        const before = await snapshot();
        const post = async (body: unknown) => {
          const response = await fetch(`${t.url}/-/package/${PKG}/trust`, {
            method: 'POST',
            headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: response.status, code: ((await response.json()) as { code: string }).code };
        };
        const github = { type: 'github', claims: { repository: 'octo/demo2', workflow_ref: { file: 'publish.yml' } }, permissions: ['createPackage'] };
        assert.deepEqual(await post(github), { status: 400, code: 'BODY_INVALID' }, 'an object, not an array');
        assert.deepEqual(await post([github, { ...github, claims: { ...github.claims, repository: 'octo/demo3' } }]), { status: 400, code: 'BODY_INVALID' });
        assert.deepEqual(await post([{ ...github, type: 'google' }]), { status: 400, code: 'TRUST_PROVIDER_INVALID' });
        assert.deepEqual(await post([{ ...github, claims: { ...github.claims, ref: 'refs/heads/main' } }]), { status: 400, code: 'TRUST_CLAIMS_INVALID' });
        assert.deepEqual(await post([{ ...github, claims: { repository: 'octo/demo2', workflow_ref: 'publish.yml' } }]), { status: 400, code: 'TRUST_CLAIMS_INVALID' });
        assert.deepEqual(await post([{ ...github, claims: { repository: 'octo/demo2', workflow_ref: { file: '../x.yml' } } }]), { status: 400, code: 'TRUST_CLAIMS_INVALID' });
        assert.deepEqual(await post([{ ...github, permissions: 'createPackage' }]), { status: 400, code: 'TRUST_PERMISSIONS_INVALID' });
        // The configuration npm trust github created, again.
        assert.deepEqual(await post([{ ...github, claims: { repository: 'octo/demo', workflow_ref: { file: 'publish.yml' } } }]), { status: 409, code: 'TRUST_PUBLISHER_EXISTS' });
        assert.deepEqual(await snapshot(), before);
      });

      await s.test('npm trust gitlab, then a GitLab job publishes 1.1.0 with NPM_ID_TOKEN', async () => {
        const result = await npm.run(['trust', 'gitlab', PKG, '--project', 'group/sub/project', '--file', '.gitlab-ci.yml', '--env', 'production', '--allow-publish', '--yes']);
        assertOk(result, 'npm trust gitlab');
        const id = /id: ([0-9a-f]{32})/.exec(result.stdout)?.[1];
        assert.ok(id, result.stdout);
        const listed = (await (await fetch(`${t.url}/-/package/${PKG}/trust`, { headers: { authorization: `Bearer ${alice.token}` } })).json()) as unknown[];
        assert.deepEqual(
          listed.find((c) => (c as { id: string }).id === id),
          { id, type: 'gitlab', claims: { project_path: 'group/sub/project', ci_config_ref_uri: { file: '.gitlab-ci.yml' }, environment: 'production' }, permissions: ['createPackage'] },
        );
        const dir = await writePackage({ name: PKG, version: '1.1.0' });
        // Without the environment the configuration requires: refused.
        const noEnv = await createNpmClient(t.url, { env: { GITLAB_CI: 'true', NPM_ID_TOKEN: await gl.gitlabToken() } });
        assertRefused(await noEnv.run(['publish', '--provenance=false'], { cwd: dir }), /ENEEDAUTH/);
        const job = await createNpmClient(t.url, { env: { GITLAB_CI: 'true', NPM_ID_TOKEN: await gl.gitlabToken({ environment: 'production' }) } });
        assertOk(await job.run(['publish', '--provenance=false'], { cwd: dir }), 'publish from the GitLab job');
        const doc = await packument();
        assert.equal(doc['dist-tags'].latest, '1.1.0');
        assert.equal(doc.versions['1.1.0']._npmUser.name, 'alice');
      });

      await s.test('npm trust circleci sends the four ids, and list reads them back', async () => {
        const result = await npm.run([
          'trust', 'circleci', PKG,
          '--org-id', ORG, '--project-id', PROJECT, '--pipeline-definition-id', PIPELINE,
          '--vcs-origin', 'github.com/octo/demo', '--allow-publish', '--yes',
        ]);
        assertOk(result, 'npm trust circleci');
        const listed = (await (await fetch(`${t.url}/-/package/${PKG}/trust`, { headers: { authorization: `Bearer ${alice.token}` } })).json()) as Array<{ type: string }>;
        assert.deepEqual(
          listed.filter((c) => c.type === 'circleci').map(({ id: _id, ...rest }: any) => rest),
          [{
            type: 'circleci',
            claims: {
              'oidc.circleci.com/org-id': ORG,
              'oidc.circleci.com/project-id': PROJECT,
              'oidc.circleci.com/pipeline-definition-id': PIPELINE,
              'oidc.circleci.com/vcs-origin': 'github.com/octo/demo',
            },
            permissions: ['createPackage'],
          }],
        );
      });

      await s.test('a scoped package: escaped names on the trust and exchange routes', async () => {
        const scoped = '@acme/oidc-demo';
        const dir = await writePackage({ name: scoped, version: '1.0.0' });
        assertOk(await npm.run(['publish', '--access', 'public'], { cwd: dir }), `publish ${scoped}`);
        assertOk(await npm.run(['trust', 'github', scoped, '--file', 'publish.yml', '--repo', 'octo/demo', '--allow-publish', '--yes']), 'npm trust github (scoped)');
        const job = await githubJob();
        service.next = await demoToken();
        const next = await writePackage({ name: scoped, version: '1.0.1' });
        assertOk(await job.run(['publish', '--provenance=false'], { cwd: next }), 'scoped publish from the simulated job');
        const doc = (await (await fetch(`${t.url}/@acme%2foidc-demo`)).json()) as Record<string, any>;
        assert.equal(doc.versions['1.0.1']._npmUser.name, 'alice');
        const exchanged = await exchangeOverHttp(t, scoped, `Bearer ${await demoToken()}`);
        assert.equal(exchanged.status, 201);
        assert.match(exchanged.body.token!, /^bwk_/);
      });

      await s.test('npm trust revoke: the exchange fails, and tokens minted before stop working', async () => {
        const minted = await exchangeOverHttp(t, PKG, `Bearer ${await demoToken()}`);
        assert.equal(minted.status, 201);
        const whoami = () => fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${minted.body.token}` } });
        assert.equal((await whoami()).status, 200);

        const result = await npm.run(['trust', 'revoke', PKG, '--id', githubId]);
        assertOk(result, 'npm trust revoke');
        assert.match(result.stdout, /Revoked trusted configuration/);
        assert.ok((await t.events()).some((e) => e.type === 'trust:revoke'));
        assert.equal((await whoami()).status, 401, 'the minted token was revoked with its publisher');
        const list = await npm.run(['trust', 'list', PKG]);
        assertOk(list, 'npm trust list');
        assert.doesNotMatch(list.stdout, new RegExp(githubId));

        const before = await snapshot();
        const refused = await exchangeOverHttp(t, PKG, `Bearer ${await demoToken()}`);
        assert.equal(refused.status, 403);
        assert.equal(refused.body.code, 'OIDC_NO_PUBLISHER');
        const job = await githubJob();
        service.next = await demoToken();
        const dir = await writePackage({ name: PKG, version: '1.2.0' });
        assertRefused(await job.run(['publish', '--provenance=false'], { cwd: dir }), /ENEEDAUTH/);
        assert.deepEqual(await snapshot(), before);
        const again = await npm.run(['trust', 'revoke', PKG, '--id', githubId]);
        assertRefused(again, /TRUST_PUBLISHER_NOT_FOUND/);
      });
    });
  });
}
