// Trusted publishing's exchange: a CI's OIDC ID token, from a real issuer on a loopback port,
// traded for a short-lived registry token. Every refusal proves it stored nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { openDatabase, migrateToLatest, type Db } from '../../src/platform/db/index.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { createTokensService, type TokensService } from '../../src/tokens/index.js';
import { createTrustService, type IssuerSettings, type TrustPackage, type TrustService } from '../../src/trust/index.js';
import { can, type UserActor } from '../../src/auth/index.js';
import { listEvents } from '../../src/events/index.js';
import { DEFAULT_SHA, startOidcIssuer, type OidcIssuer } from '../helpers/oidc-issuer.js';
import { createTestApp } from '../helpers/test-app.js';
import { storagePairs, type StoragePair } from '../helpers/storage.js';

const AUD = 'pypi';

let gh: OidcIssuer;
let gl: OidcIssuer;
before(async () => {
  gh = await startOidcIssuer({ path: '/gh', aud: AUD });
  gl = await startOidcIssuer({ path: '/gl', aud: AUD });
});
after(async () => {
  await gh.close();
  await gl.close();
});

interface Fixture {
  db: Db;
  clock: { current: number; now(): Date };
  tokens: TokensService;
  trust: TrustService;
  alice: UserActor;
  bob: UserActor;
  demo: TrustPackage;
  second: TrustPackage;
  /** Owned by alice too, with no publisher. */
  other: TrustPackage;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

function userActor(id: number, name: string): UserActor {
  return { kind: 'user', userId: id, name, isAdmin: false, via: 'password', tokenId: null, readonly: false, scope: null };
}

async function setup(options: { issuers?: IssuerSettings; timeoutMs?: number } = {}): Promise<Fixture> {
  const db = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: tmpdir() });
  await migrateToLatest(db);
  const clock = {
    current: Date.now(),
    now() {
      return new Date(this.current);
    },
  };
  const tokens = createTokensService({ db, clock });
  const issuers = options.issuers ?? { [gh.url]: { provider: 'github' }, [gl.url]: { provider: 'gitlab' } };
  const trust = createTrustService({ db, clock, tokens, issuers, fetch: { timeoutMs: options.timeoutMs ?? 2000 } });
  const now = new Date().toISOString();
  const user = async (name: string) => {
    const row = await db
      .insertInto('users')
      .values({ name, email: `${name}@example.test`, password_hash: 'x', is_admin: 0, must_change_password: 0, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return userActor(row.id, name);
  };
  const pkg = async (ecosystem: string, name: string, owners: UserActor[]): Promise<TrustPackage> => {
    const row = await db
      .insertInto('packages')
      .values({ ecosystem, name, display_name: name, access: 'public', created_at: now, updated_at: now, last_event_id: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const owner of owners) await db.insertInto('package_owners').values({ package_id: row.id, user_id: owner.userId, added_at: now }).execute();
    return { id: row.id, ecosystem, name, access: 'public', ownerIds: owners.map((o) => o.userId) };
  };
  const alice = await user('alice');
  const bob = await user('bob');
  const demo = await pkg('pypi', 'demo', [alice]);
  const second = await pkg('pypi', 'second', [alice, bob]);
  const other = await pkg('pypi', 'other', [alice]);
  return {
    db,
    clock,
    tokens,
    trust,
    alice,
    bob,
    demo,
    second,
    other,
    async counts() {
      const counts: Record<string, number> = {};
      for (const table of ['trusted_publishers', 'trusted_publisher_tokens', 'oidc_jti', 'tokens', 'events'] as const) {
        const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        counts[table] = Number(row.n);
      }
      return counts;
    },
    close: () => db.destroy(),
  };
}

const githubConfig = { repository: 'octo-org/octo-repo', workflow: 'release.yml' };
const gitlabConfig = { project_path: 'group/sub/project', ci_config_path: '.gitlab-ci.yml' };

async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<BulwarkError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof BulwarkError, `expected ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Asserts the exchange is refused with `code` and leaves every table as it was. */
async function refusedLeavingNothing(f: Fixture, promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const before = await f.counts();
  await refused(promise, code, message);
  assert.deepEqual(await f.counts(), before, 'a refusal stores nothing');
}

describe('trusted publishing exchange', () => {
  test('GitHub: a matching token mints a 15-minute token limited to the package, acting for the publisher', async () => {
    const f = await setup();
    try {
      const publisher = await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      const idToken = await gh.githubToken();
      const result = await f.trust.exchange({ idToken, audience: AUD, ecosystem: 'pypi' });
      assert.deepEqual(result.packages, ['demo']);
      assert.deepEqual(result.publisherIds, [publisher.id]);
      assert.equal(result.provider, 'github');
      assert.equal(Date.parse(result.expiresAt), f.clock.current + 900_000);

      // The token authenticates, as the publisher's creator, limited to the package, marked as the publisher's.
      const found = await f.tokens.authenticate(result.token, '127.0.0.1');
      assert.ok(found);
      assert.equal(found.userId, f.alice.userId);
      assert.equal(found.publisherId, publisher.id);
      assert.deepEqual(found.scope, { permission: 'publish', packages: ['demo'], scopes: null, ecosystem: 'pypi' });
      const actor: UserActor = { ...f.alice, via: 'token', tokenId: found.tokenId, scope: found.scope };
      assert.ok(can(actor, 'package:publish', { package: f.demo }));
      assert.equal(can(actor, 'package:publish', { package: f.other }), false, 'another package of the same owner is out of reach');
      assert.equal(can(actor, 'package:unpublish', { package: f.demo }), false, 'a minted token only uploads');
      assert.equal(can(actor, 'package:publish', { package: { ...f.demo, ecosystem: 'npm' } }), false, 'the same name in another ecosystem is out of reach');

      // The events say a publisher acted, not alice.
      const events = await listEvents(f.db);
      const exchange = events.find((e) => e.type === 'trust:exchange');
      assert.ok(exchange);
      assert.equal(exchange.actorUserId, null);
      assert.equal(exchange.packageId, f.demo.id);
      assert.equal(exchange.subject, 'pypi:demo');
      assert.equal(exchange.data.publisherId, publisher.id);
      assert.equal(exchange.data.tokenId, found.tokenId);
      assert.equal((exchange.data.claims as Record<string, unknown>).repository, 'octo-org/octo-repo');
      const created = events.find((e) => e.type === 'token:create');
      assert.equal(created?.data.publisherId, publisher.id);
      assert.deepEqual(await f.tokens.list(f.alice.userId), [], "minted tokens stay out of the user's token list");

      // And it expires.
      f.clock.current += 899_000;
      assert.ok(await f.tokens.authenticate(result.token, '127.0.0.1'));
      f.clock.current += 2_000;
      assert.equal(await f.tokens.authenticate(result.token, '127.0.0.1'), null);
    } finally {
      await f.close();
    }
  });

  test('GitLab: project path, pipeline file and (case-sensitive) environment', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'gitlab', claims: { ...gitlabConfig, environment: 'release' } }, f.alice);
      await refusedLeavingNothing(
        f,
        f.trust.exchange({ idToken: await gl.gitlabToken({ environment: 'Release' }), audience: AUD, ecosystem: 'pypi' }),
        'OIDC_NO_PUBLISHER',
        /environment/,
      );
      await refusedLeavingNothing(
        f,
        f.trust.exchange({ idToken: await gl.gitlabToken({ environment: 'release', ciConfigPath: 'ci/other.yml' }), audience: AUD, ecosystem: 'pypi' }),
        'OIDC_NO_PUBLISHER',
        /ci_config_ref_uri/,
      );
      // Project paths compare without case; the pin may be the ref or the commit.
      const otherCase = await gl.gitlabToken({ environment: 'release', projectPath: 'Group/Sub/Project' });
      const result = await f.trust.exchange({ idToken: otherCase, audience: AUD, ecosystem: 'pypi' });
      assert.deepEqual(result.packages, ['demo']);
      const claims = gl.gitlabClaims({ environment: 'release' });
      const pinnedBySha = await gl.token({ ...claims, ci_config_ref_uri: String(claims.ci_config_ref_uri).replace(/@.*$/, `@${DEFAULT_SHA}`) });
      assert.deepEqual((await f.trust.exchange({ idToken: pinnedBySha, audience: AUD, ecosystem: 'pypi' })).packages, ['demo']);
      // A token of another project's pipeline never matches.
      await refused(
        f.trust.exchange({ idToken: await gl.gitlabToken({ projectPath: 'group/other', environment: 'release' }), audience: AUD, ecosystem: 'pypi' }),
        'OIDC_NO_PUBLISHER',
      );
      // `sub` must name the project too.
      await refused(
        f.trust.exchange({ idToken: await gl.gitlabToken({ environment: 'release', claims: { sub: 'project_path:group/other:ref_type:branch:ref:main' } }), audience: AUD, ecosystem: 'pypi' }),
        'OIDC_NO_PUBLISHER',
        /sub/,
      );
    } finally {
      await f.close();
    }
  });

  test('GitHub: each bound claim that differs is refused, naming the claim and storing nothing', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: { ...githubConfig, environment: 'Release' } }, f.alice);
      const exchange = (idToken: string) => f.trust.exchange({ idToken, audience: AUD, ecosystem: 'pypi' });
      await refusedLeavingNothing(f, exchange(await gh.githubToken({ repository: 'octo-org/elsewhere', environment: 'release' })), 'OIDC_NO_PUBLISHER', /none is configured/);
      await refusedLeavingNothing(f, exchange(await gh.githubToken({ workflow: 'other.yml', environment: 'release' })), 'OIDC_NO_PUBLISHER', /job_workflow_ref/);
      await refusedLeavingNothing(f, exchange(await gh.githubToken({ environment: 'staging' })), 'OIDC_NO_PUBLISHER', /environment/);
      await refusedLeavingNothing(f, exchange(await gh.githubToken()), 'OIDC_NO_PUBLISHER', /environment/);
      await refusedLeavingNothing(
        f,
        exchange(await gh.githubToken({ environment: 'release', eventName: 'pull_request_target' })),
        'OIDC_NO_PUBLISHER',
        /event_name/,
      );
      await refusedLeavingNothing(
        f,
        exchange(await gh.githubToken({ environment: 'release', claims: { repository_owner: 'someone-else' } })),
        'OIDC_NO_PUBLISHER',
        /repository_owner/,
      );
      // The workflow must live in the same repository (a reusable workflow elsewhere does not count)…
      const elsewhere = 'evil/repo/.github/workflows/release.yml@refs/heads/main';
      await refusedLeavingNothing(f, exchange(await gh.githubToken({ environment: 'release', claims: { job_workflow_ref: elsewhere } })), 'OIDC_NO_PUBLISHER', /job_workflow_ref/);
      // …and be pinned by the run's ref or sha.
      await refusedLeavingNothing(
        f,
        exchange(await gh.githubToken({ environment: 'release', claims: { job_workflow_ref: 'octo-org/octo-repo/.github/workflows/release.yml@refs/heads/other' } })),
        'OIDC_NO_PUBLISHER',
        /job_workflow_ref/,
      );
      // Repository and environment compare without case.
      const ok = await exchange(await gh.githubToken({ repository: 'Octo-Org/Octo-Repo', environment: 'RELEASE' }));
      assert.deepEqual(ok.packages, ['demo']);
    } finally {
      await f.close();
    }
  });

  test('the registered claims: audience, expiry, not-before, issue time, signature, algorithm', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      const exchange = (idToken: string) => f.trust.exchange({ idToken, audience: AUD, ecosystem: 'pypi' });
      const now = Math.floor(f.clock.current / 1000);
      const invalid = async (idToken: string, reason: RegExp) => refusedLeavingNothing(f, exchange(idToken), 'OIDC_TOKEN_INVALID', reason);

      await invalid(await gh.githubToken({ aud: 'npm:registry.example.test' }), /audience/);
      await invalid(await gh.githubToken({ claims: { aud: [AUD, 'another-service'] } }), /audience/);
      await invalid(await gh.githubToken({ claims: { iat: now - 600, nbf: now - 600, exp: now - 31 } }), /expired/);
      await invalid(await gh.githubToken({ claims: { nbf: now + 120 } }), /not valid yet/);
      await invalid(await gh.githubToken({ claims: { iat: now + 120 } }), /future/);
      await invalid(await gh.githubToken({}, { key: 'other' }), /signature/);
      await invalid(await gh.githubToken({}, { key: 'other', kid: 'unknown-key' }), /key/);
      await invalid(await gh.githubToken({}, { alg: 'HS256' }), /algorithm/);
      await invalid(await gh.githubToken({ claims: { jti: undefined } }), /jti/);
      await invalid(await gh.githubToken({ claims: { exp: undefined } }), /exp/);
      await refusedLeavingNothing(f, exchange('not-a-jwt'), 'OIDC_TOKEN_MALFORMED');
      await refusedLeavingNothing(f, exchange(await gh.sign({ aud: AUD, exp: now + 60, jti: 'x' })), 'OIDC_TOKEN_MALFORMED');
      await refusedLeavingNothing(f, exchange('a'.repeat(20_000)), 'OIDC_TOKEN_MALFORMED');
      await invalid(`${(await gh.githubToken()).slice(0, -4)}AAAA`, /signature/);

      // Within the 30 s leeway, a just-expired token still works.
      const justExpired = await gh.githubToken({ claims: { iat: now - 300, nbf: now - 300, exp: now - 20 } });
      assert.deepEqual((await exchange(justExpired)).packages, ['demo']);
    } finally {
      await f.close();
    }
  });

  test('an issuer that is not configured is refused before any network call', async () => {
    const stranger = await startOidcIssuer({ path: '/stranger', aud: AUD });
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      await refusedLeavingNothing(f, f.trust.exchange({ idToken: await stranger.githubToken(), audience: AUD, ecosystem: 'pypi' }), 'OIDC_ISSUER_UNKNOWN');
      assert.deepEqual(stranger.hits, { configuration: 0, jwks: 0 });
      // A token that claims a configured issuer but is signed by another key fails its signature.
      const forged = await stranger.sign({ ...gh.githubClaims(), iss: gh.url, aud: AUD, iat: 1, exp: 9_999_999_999, jti: randomUUID() });
      await refusedLeavingNothing(f, f.trust.exchange({ idToken: forged, audience: AUD, ecosystem: 'pypi' }), 'OIDC_TOKEN_INVALID');
    } finally {
      await f.close();
      await stranger.close();
    }
  });

  test('an ID token is accepted once', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      const idToken = await gh.githubToken();
      await f.trust.exchange({ idToken, audience: AUD, ecosystem: 'pypi' });
      await refusedLeavingNothing(f, f.trust.exchange({ idToken, audience: AUD, ecosystem: 'pypi' }), 'OIDC_TOKEN_REUSED');
      // Two exchanges racing with one token: exactly one wins.
      const racing = await gh.githubToken();
      const results = await Promise.allSettled([1, 2, 3].map(() => f.trust.exchange({ idToken: racing, audience: AUD, ecosystem: 'pypi' })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as BulwarkError).code, 'OIDC_TOKEN_REUSED');
    } finally {
      await f.close();
    }
  });

  test('a revoked publisher matches nothing, and the tokens it minted stop working', async () => {
    const f = await setup();
    try {
      const publisher = await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      const minted = await f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi' });
      await f.trust.revokePublisher(f.demo, publisher.id, f.alice);
      assert.equal(await f.tokens.authenticate(minted.token, undefined), null);
      await refusedLeavingNothing(f, f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi' }), 'OIDC_NO_PUBLISHER');
    } finally {
      await f.close();
    }
  });

  test('without a package name every matching package is covered; with one, only that package', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      const secondPublisher = await f.trust.addPublisher({ package: f.second, provider: 'github', claims: githubConfig }, f.alice);
      const all = await f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi' });
      assert.deepEqual(all.packages, ['demo', 'second']);
      assert.equal((await listEvents(f.db)).filter((e) => e.type === 'trust:exchange').length, 2);
      // Revoking either publisher revokes the token that covers both packages.
      const keep = await f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi', packageName: 'demo' });
      await f.trust.revokePublisher(f.second, secondPublisher.id, f.alice);
      assert.equal(await f.tokens.authenticate(all.token, undefined), null);
      assert.ok(await f.tokens.authenticate(keep.token, undefined), 'a token of the other publisher alone stays live');
      await f.trust.addPublisher({ package: f.second, provider: 'github', claims: githubConfig }, f.alice);
      const one = await f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi', packageName: 'second' });
      assert.deepEqual(one.packages, ['second']);
      await refusedLeavingNothing(
        f,
        f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi', packageName: 'other' }),
        'OIDC_NO_PUBLISHER',
      );
      // Another ecosystem's exchange never sees these publishers.
      await refusedLeavingNothing(f, f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'npm' }), 'OIDC_NO_PUBLISHER');
    } finally {
      await f.close();
    }
  });

  test('a token acts for one user: publishers created by someone else are left out', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      f.clock.current += 1000;
      await f.trust.addPublisher({ package: f.second, provider: 'github', claims: githubConfig }, f.bob);
      const result = await f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi' });
      assert.deepEqual(result.packages, ['demo']);
      const bobs = await f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi', packageName: 'second' });
      assert.equal((await f.tokens.authenticate(bobs.token, undefined))?.userId, f.bob.userId);
    } finally {
      await f.close();
    }
  });

  test('a publisher naming the environment is preferred to one that does not', async () => {
    const f = await setup();
    try {
      const loose = await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      const strict = await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: { ...githubConfig, environment: 'release' } }, f.alice);
      const inRelease = await f.trust.exchange({ idToken: await gh.githubToken({ environment: 'release' }), audience: AUD, ecosystem: 'pypi' });
      assert.deepEqual(inRelease.publisherIds, [strict.id]);
      const elsewhere = await f.trust.exchange({ idToken: await gh.githubToken({ environment: 'staging' }), audience: AUD, ecosystem: 'pypi' });
      assert.deepEqual(elsewhere.publisherIds, [loose.id]);
    } finally {
      await f.close();
    }
  });

  test('an exchange may require a permission of the publisher', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig, permissions: ['createPackage'] }, f.alice);
      await f.trust.addPublisher({ package: f.second, provider: 'github', claims: githubConfig }, f.alice);
      const result = await f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi', permission: 'createPackage' });
      assert.deepEqual(result.packages, ['demo']);
      await refusedLeavingNothing(
        f,
        f.trust.exchange({ idToken: await gh.githubToken(), audience: AUD, ecosystem: 'pypi', packageName: 'second', permission: 'createPackage' }),
        'OIDC_NO_PUBLISHER',
        /does not grant createPackage/,
      );
    } finally {
      await f.close();
    }
  });

  test('keys are discovered once and cached', async () => {
    const issuer = await startOidcIssuer({ path: '/cache', aud: AUD });
    const f = await setup({ issuers: { [issuer.url]: { provider: 'github' } } });
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      for (let i = 0; i < 3; i++) await f.trust.exchange({ idToken: await issuer.githubToken(), audience: AUD, ecosystem: 'pypi' });
      assert.deepEqual(issuer.hits, { configuration: 1, jwks: 1 });
    } finally {
      await f.close();
      await issuer.close();
    }
  });

  test('an issuer that is down, too slow or answers too much is unavailable, and later recovers', async () => {
    const issuer = await startOidcIssuer({ path: '/flaky', aud: AUD });
    const f = await setup({ issuers: { [issuer.url]: { provider: 'github' } }, timeoutMs: 300 });
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: githubConfig }, f.alice);
      for (const behaviour of ['down', 'hang', 'huge'] as const) {
        issuer.behaviour = behaviour;
        await refusedLeavingNothing(f, f.trust.exchange({ idToken: await issuer.githubToken(), audience: AUD, ecosystem: 'pypi' }), 'OIDC_ISSUER_UNAVAILABLE');
      }
      issuer.behaviour = 'ok';
      const jwksOnly = await setup({ issuers: { [issuer.url]: { provider: 'github', jwksUrl: issuer.jwksUrl } }, timeoutMs: 300 });
      try {
        await jwksOnly.trust.addPublisher({ package: jwksOnly.demo, provider: 'github', claims: githubConfig }, jwksOnly.alice);
        issuer.behaviour = 'huge';
        await refused(jwksOnly.trust.exchange({ idToken: await issuer.githubToken(), audience: AUD, ecosystem: 'pypi' }), 'OIDC_ISSUER_UNAVAILABLE');
        issuer.behaviour = 'ok';
        assert.deepEqual((await jwksOnly.trust.exchange({ idToken: await issuer.githubToken(), audience: AUD, ecosystem: 'pypi' })).packages, ['demo']);
      } finally {
        await jwksOnly.close();
      }
      assert.deepEqual((await f.trust.exchange({ idToken: await issuer.githubToken(), audience: AUD, ecosystem: 'pypi' })).packages, ['demo']);
    } finally {
      await f.close();
      await issuer.close();
    }
  });

  test('CircleCI: per-organization issuers; an organization no publisher uses is not even fetched', async () => {
    const orgId = '11111111-2222-4333-8444-555555555555';
    const circle = await startOidcIssuer({ path: `/org/${orgId}`, aud: AUD });
    const wildcard = `${circle.url.slice(0, circle.url.lastIndexOf('/'))}/*`;
    const f = await setup({ issuers: { [wildcard]: { provider: 'circleci' } } });
    try {
      const config = {
        org_id: orgId,
        project_id: '22222222-2222-4333-8444-555555555555',
        pipeline_definition_id: '33333333-2222-4333-8444-555555555555',
        vcs_origin: 'github.com/octo-org/octo-repo',
        issuer: circle.url,
      };
      await f.trust.addPublisher({ package: f.demo, provider: 'circleci', claims: config }, f.alice);
      const claims = {
        'oidc.circleci.com/org-id': orgId,
        'oidc.circleci.com/project-id': config.project_id,
        'oidc.circleci.com/pipeline-definition-id': config.pipeline_definition_id,
        'oidc.circleci.com/vcs-origin': config.vcs_origin,
        'oidc.circleci.com/context-ids': [],
        sub: `org/${orgId}/project/${config.project_id}/user/x`,
      };
      assert.deepEqual((await f.trust.exchange({ idToken: await circle.token(claims), audience: AUD, ecosystem: 'pypi' })).packages, ['demo']);
      await refused(
        f.trust.exchange({ idToken: await circle.token({ ...claims, 'oidc.circleci.com/pipeline-definition-id': randomUUID() }), audience: AUD, ecosystem: 'pypi' }),
        'OIDC_NO_PUBLISHER',
        /pipeline-definition-id/,
      );
      const hits = { ...circle.hits };
      const otherOrg = circle.url.replace(orgId, randomUUID());
      await refusedLeavingNothing(f, f.trust.exchange({ idToken: await circle.token({ ...claims, iss: otherOrg }), audience: AUD, ecosystem: 'pypi' }), 'OIDC_ISSUER_UNKNOWN');
      assert.deepEqual(circle.hits, hits);
    } finally {
      await f.close();
      await circle.close();
    }
  });

  test('Google and ActiveState claim tables', async () => {
    const google = await startOidcIssuer({ path: '/google', aud: AUD });
    const state = await startOidcIssuer({ path: '/activestate', aud: AUD });
    const f = await setup({ issuers: { [google.url]: { provider: 'google' }, [state.url]: { provider: 'activestate' } } });
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'google', claims: { email: 'Publisher@Project.iam.gserviceaccount.com', sub: '1234567890' } }, f.alice);
      const googleClaims = { email: 'publisher@project.iam.gserviceaccount.com', email_verified: true, sub: '1234567890' };
      assert.deepEqual((await f.trust.exchange({ idToken: await google.token(googleClaims), audience: AUD, ecosystem: 'pypi' })).packages, ['demo']);
      await refused(f.trust.exchange({ idToken: await google.token({ ...googleClaims, email_verified: false }), audience: AUD, ecosystem: 'pypi' }), 'OIDC_NO_PUBLISHER', /email_verified/);
      await refused(f.trust.exchange({ idToken: await google.token({ ...googleClaims, sub: '999' }), audience: AUD, ecosystem: 'pypi' }), 'OIDC_NO_PUBLISHER', /sub/);

      await f.trust.addPublisher({ package: f.second, provider: 'activestate', claims: { organization: 'acme', project: 'tools', actor_id: 'actor-1' } }, f.alice);
      const stateClaims = { sub: 'org:acme:project:tools', organization: 'acme', project: 'tools', actor_id: 'actor-1', builder: 'pypi-publisher' };
      assert.deepEqual((await f.trust.exchange({ idToken: await state.token(stateClaims), audience: AUD, ecosystem: 'pypi' })).packages, ['second']);
      await refused(f.trust.exchange({ idToken: await state.token({ ...stateClaims, builder: 'other' }), audience: AUD, ecosystem: 'pypi' }), 'OIDC_NO_PUBLISHER', /builder/);
      await refused(f.trust.exchange({ idToken: await state.token({ ...stateClaims, actor_id: 'actor-2' }), audience: AUD, ecosystem: 'pypi' }), 'OIDC_NO_PUBLISHER', /actor_id/);
    } finally {
      await f.close();
      await google.close();
      await state.close();
    }
  });

  for (const storage of storagePairs) {
    test(`the application wires the service from BULWARK_OIDC_ISSUERS (${storage}); replays lose the race there too`, async () => {
      await wiredApp(storage);
    });
  }
});

/** Through createApp, on a storage pair: config → service → a token the HTTP layer accepts. */
async function wiredApp(storage: StoragePair): Promise<void> {
  const t = await createTestApp({ storage, config: { oidcIssuers: JSON.stringify({ [gh.url]: { provider: 'github' } }) } });
  try {
    assert.equal(t.app.trust.enabled, true);
    const alice = await t.createUser('alice');
    const now = new Date().toISOString();
    const row = await t.app.db
      .insertInto('packages')
      .values({ ecosystem: 'npm', name: 'demo', display_name: 'demo', access: 'public', created_at: now, updated_at: now, last_event_id: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.app.db.insertInto('package_owners').values({ package_id: row.id, user_id: alice.id, added_at: now }).execute();
    const demo: TrustPackage = { id: row.id, ecosystem: 'npm', name: 'demo', access: 'public', ownerIds: [alice.id] };
    await t.app.trust.addPublisher({ package: demo, provider: 'github', claims: githubConfig }, userActor(alice.id, 'alice'));
    const audience = 'npm:127.0.0.1';
    const result = await t.app.trust.exchange({ idToken: await gh.githubToken({ aud: audience }), audience, ecosystem: 'npm', packageName: 'demo' });
    const whoami = await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${result.token}` } });
    assert.equal(whoami.status, 200);
    assert.deepEqual(await whoami.json(), { username: 'alice' });

    const racing = await gh.githubToken({ aud: audience });
    const results = await Promise.allSettled([1, 2, 3].map(() => t.app.trust.exchange({ idToken: racing, audience, ecosystem: 'npm', packageName: 'demo' })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as BulwarkError).code, 'OIDC_TOKEN_REUSED');
  } finally {
    await t.close();
  }
}
