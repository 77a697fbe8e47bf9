// Trusted publisher configs: who may add, list and revoke them, and what each provider accepts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { openDatabase, migrateToLatest, type Db } from '../../src/platform/db/index.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { anonymous, type Actor, type UserActor } from '../../src/auth/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { createTokensService } from '../../src/tokens/index.js';
import { listEvents } from '../../src/events/index.js';
import { createTrustService, type IssuerSettings, type TrustPackage, type TrustService } from '../../src/trust/index.js';
import { loadConfig } from '../../src/platform/config.js';

const GITHUB = 'https://token.actions.githubusercontent.com';

interface Fixture {
  db: Db;
  trust: TrustService;
  alice: UserActor;
  bob: UserActor;
  admin: UserActor;
  demo: TrustPackage;
  restricted: TrustPackage;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

function userActor(id: number, name: string, extra: Partial<UserActor> = {}): UserActor {
  return { kind: 'user', userId: id, name, isAdmin: false, via: 'password', tokenId: null, readonly: false, scope: null, ...extra };
}

async function setup(issuers: IssuerSettings = loadConfig({}).oidcIssuers): Promise<Fixture> {
  const db = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: tmpdir() });
  await migrateToLatest(db);
  const tokens = createTokensService({ db, clock: systemClock });
  const trust = createTrustService({ db, clock: systemClock, tokens, issuers });
  const now = new Date().toISOString();
  const user = async (name: string, isAdmin = false) => {
    const row = await db
      .insertInto('users')
      .values({ name, email: `${name}@example.test`, password_hash: 'x', is_admin: isAdmin ? 1 : 0, must_change_password: 0, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return userActor(row.id, name, { isAdmin });
  };
  const pkg = async (name: string, access: 'public' | 'restricted', owners: UserActor[]): Promise<TrustPackage> => {
    const row = await db
      .insertInto('packages')
      .values({ ecosystem: 'npm', name, display_name: name, access, created_at: now, updated_at: now, last_event_id: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const owner of owners) await db.insertInto('package_owners').values({ package_id: row.id, user_id: owner.userId, added_at: now }).execute();
    return { id: row.id, ecosystem: 'npm', name, access, ownerIds: owners.map((o) => o.userId) };
  };
  const alice = await user('alice');
  const bob = await user('bob');
  const admin = await user('root', true);
  return {
    db,
    trust,
    alice,
    bob,
    admin,
    demo: await pkg('demo', 'public', [alice]),
    restricted: await pkg('@acme/secret', 'restricted', [alice]),
    async counts() {
      const counts: Record<string, number> = {};
      for (const table of ['trusted_publishers', 'events'] as const) {
        const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        counts[table] = Number(row.n);
      }
      return counts;
    },
    close: () => db.destroy(),
  };
}

async function refused(f: Fixture, promise: Promise<unknown>, code: string): Promise<void> {
  const before = await f.counts();
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BulwarkError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
  assert.deepEqual(await f.counts(), before, 'a refusal stores nothing');
}

const github = { repository: 'octo-org/octo-repo', workflow: 'release.yml' };

describe('trusted publisher configs', () => {
  test('an owner adds, lists and revokes publishers; each change is an event', async () => {
    const f = await setup();
    try {
      const added = await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: { ...github, environment: 'release' }, permissions: ['createPackage'] }, f.alice);
      assert.match(added.id, /^[0-9a-f]{32}$/);
      assert.equal(added.provider, 'github');
      assert.equal(added.issuer, GITHUB);
      assert.deepEqual(added.claims, { repository: 'octo-org/octo-repo', workflow: 'release.yml', environment: 'release' });
      assert.deepEqual(added.permissions, ['createPackage']);
      assert.equal(added.createdBy, f.alice.userId);
      const gitlab = await f.trust.addPublisher({ package: f.demo, provider: 'gitlab', claims: { project_path: 'group/sub/project', ci_config_path: 'ci/release.yml' } }, f.alice);
      assert.equal(gitlab.issuer, 'https://gitlab.com');

      assert.deepEqual((await f.trust.listPublishers(f.demo, f.alice)).map((p) => p.id), [added.id, gitlab.id]);
      await f.trust.revokePublisher(f.demo, added.id, f.alice);
      assert.deepEqual((await f.trust.listPublishers(f.demo, f.alice)).map((p) => p.id), [gitlab.id]);

      const events = (await listEvents(f.db)).filter((e) => e.type.startsWith('trust:'));
      assert.deepEqual(events.map((e) => [e.type, e.actorUserId, e.packageId, e.subject]), [
        ['trust:add', f.alice.userId, f.demo.id, 'npm:demo'],
        ['trust:add', f.alice.userId, f.demo.id, 'npm:demo'],
        ['trust:revoke', f.alice.userId, f.demo.id, 'npm:demo'],
      ]);
      assert.equal(events[0]!.data.publisherId, added.id);
      assert.equal(events[2]!.data.publisherId, added.id);

      await refused(f, f.trust.revokePublisher(f.demo, added.id, f.alice), 'TRUST_PUBLISHER_NOT_FOUND');
      await refused(f, f.trust.revokePublisher(f.demo, 'nope', f.alice), 'TRUST_PUBLISHER_NOT_FOUND');
    } finally {
      await f.close();
    }
  });

  test('only owners add publishers; owners and administrators list and revoke them', async () => {
    const f = await setup();
    try {
      const add = (actor: Actor, pkg = f.demo) => f.trust.addPublisher({ package: pkg, provider: 'github', claims: github }, actor);
      await refused(f, add(f.bob), 'NOT_PERMITTED');
      await refused(f, add(anonymous), 'AUTH_REQUIRED');
      await refused(f, add(f.bob, f.restricted), 'PACKAGE_NOT_FOUND');
      await refused(f, add({ ...f.alice, via: 'token', tokenId: 't', readonly: true, scope: { permission: 'read-only', packages: null, scopes: null } }), 'TOKEN_READ_ONLY');
      await refused(f, add({ ...f.alice, via: 'token', tokenId: 't', scope: { permission: 'read-write', packages: ['elsewhere'], scopes: null } }), 'NOT_PERMITTED');
      await refused(f, f.trust.listPublishers(f.demo, f.bob), 'NOT_PERMITTED');

      // Minted tokens act as the publisher's creator: an administrator who is not an owner may
      // list and revoke publishers, not add one.
      await refused(f, add(f.admin), 'NOT_PERMITTED');
      const added = await add(f.alice);
      await refused(f, f.trust.revokePublisher(f.demo, added.id, f.bob), 'NOT_PERMITTED');
      assert.equal((await f.trust.listPublishers(f.demo, f.admin)).length, 1);
      await f.trust.revokePublisher(f.demo, added.id, f.admin);
      assert.equal((await f.trust.listPublishers(f.demo, f.alice)).length, 0);
    } finally {
      await f.close();
    }
  });

  test('the same config twice is a conflict, and a package has at most 20 publishers', async () => {
    const f = await setup();
    try {
      await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: github }, f.alice);
      await refused(f, f.trust.addPublisher({ package: f.demo, provider: 'github', claims: { workflow: 'release.yml', repository: 'octo-org/octo-repo' } }, f.alice), 'TRUST_PUBLISHER_EXISTS');
      for (let i = 1; i < 20; i++) await f.trust.addPublisher({ package: f.demo, provider: 'github', claims: { ...github, workflow: `w${i}.yml` } }, f.alice);
      await refused(f, f.trust.addPublisher({ package: f.demo, provider: 'github', claims: { ...github, workflow: 'w20.yml' } }, f.alice), 'TRUST_PUBLISHER_LIMIT');
    } finally {
      await f.close();
    }
  });

  const uuid = (n: number) => `${String(n).repeat(8)}-aaaa-4bbb-8ccc-dddddddddddd`;
  const valid: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['github', { ...github, repository_owner_id: '42' }, { ...github, repository_owner_id: '42' }],
    ['gitlab', { project_path: 'group/project', ci_config_path: '.gitlab-ci.yml', environment: 'Prod' }, { project_path: 'group/project', ci_config_path: '.gitlab-ci.yml', environment: 'Prod' }],
    ['google', { email: 'Publisher@Example.iam.gserviceaccount.com' }, { email: 'publisher@example.iam.gserviceaccount.com' }],
    [
      'circleci',
      { org_id: uuid(1).toUpperCase(), project_id: uuid(2), pipeline_definition_id: uuid(3), vcs_origin: 'github.com/o/r', context_ids: [uuid(5), uuid(4)] },
      { org_id: uuid(1), project_id: uuid(2), pipeline_definition_id: uuid(3), vcs_origin: 'github.com/o/r', context_ids: [uuid(4), uuid(5)] },
    ],
    ['activestate', { organization: 'acme', project: 'tools', actor_id: 'a-1' }, { organization: 'acme', project: 'tools', actor_id: 'a-1' }],
  ];
  for (const [provider, claims, stored] of valid) {
    test(`${provider}: a valid config is stored normalized`, async () => {
      const f = await setup();
      try {
        const added = await f.trust.addPublisher({ package: f.demo, provider, claims }, f.alice);
        assert.deepEqual(added.claims, stored);
      } finally {
        await f.close();
      }
    });
  }

  const invalid: Array<[string, string, unknown]> = [
    ['an unknown provider', 'TRUST_PROVIDER_INVALID', { provider: 'jenkins', claims: github }],
    ['claims that are not an object', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: 'octo-org/octo-repo' }],
    ['an unknown field', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { ...github, branch: 'main' } }],
    ['a repository without owner', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { ...github, repository: 'octo-repo' } }],
    ['a repository `..`', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { ...github, repository: 'octo/..' } }],
    ['a workflow with its folder', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { ...github, workflow: '.github/workflows/release.yml' } }],
    ['a workflow that is not YAML', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { ...github, workflow: 'release.sh' } }],
    ['a missing workflow', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { repository: 'o/r' } }],
    ['an environment with a newline', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { ...github, environment: 'a\nb' } }],
    ['a GitLab project without group', 'TRUST_CLAIMS_INVALID', { provider: 'gitlab', claims: { project_path: 'project', ci_config_path: '.gitlab-ci.yml' } }],
    ['a GitLab pipeline path escaping the repository', 'TRUST_CLAIMS_INVALID', { provider: 'gitlab', claims: { project_path: 'g/p', ci_config_path: '../x.yml' } }],
    ['an absolute GitLab pipeline path', 'TRUST_CLAIMS_INVALID', { provider: 'gitlab', claims: { project_path: 'g/p', ci_config_path: '/ci.yml' } }],
    ['a Google address that is not one', 'TRUST_CLAIMS_INVALID', { provider: 'google', claims: { email: 'nobody' } }],
    ['CircleCI ids that are not UUIDs', 'TRUST_CLAIMS_INVALID', { provider: 'circleci', claims: { org_id: 'x', project_id: 'y', pipeline_definition_id: 'z', vcs_origin: 'github.com/o/r' } }],
    ['an issuer not trusted', 'TRUST_CLAIMS_INVALID', { provider: 'github', claims: { ...github, issuer: 'https://gitlab.com' } }],
    ['permissions that are not a list', 'TRUST_PERMISSIONS_INVALID', { provider: 'github', claims: github, permissions: 'createPackage' }],
    ['a permission with spaces', 'TRUST_PERMISSIONS_INVALID', { provider: 'github', claims: github, permissions: ['create package'] }],
  ];
  for (const [what, code, input] of invalid) {
    test(`refuses ${what} with ${code}`, async () => {
      const f = await setup();
      try {
        await refused(f, f.trust.addPublisher({ package: f.demo, ...(input as { provider: unknown; claims: unknown }) }, f.alice), code);
      } finally {
        await f.close();
      }
    });
  }

  test('the issuer: the provider’s public one, the only one configured, or the one named', async () => {
    const only = await setup({ 'http://127.0.0.1:9/gh': { provider: 'github' } });
    try {
      assert.equal((await only.trust.addPublisher({ package: only.demo, provider: 'github', claims: github }, only.alice)).issuer, 'http://127.0.0.1:9/gh');
      await refused(only, only.trust.addPublisher({ package: only.demo, provider: 'gitlab', claims: { project_path: 'g/p', ci_config_path: '.gitlab-ci.yml' } }, only.alice), 'TRUST_CLAIMS_INVALID');
    } finally {
      await only.close();
    }
    const two = await setup({ 'https://ghe.example.test/_services/token': { provider: 'github' }, 'https://ghe2.example.test/_services/token': { provider: 'github' } });
    try {
      await refused(two, two.trust.addPublisher({ package: two.demo, provider: 'github', claims: github }, two.alice), 'TRUST_CLAIMS_INVALID');
      const named = await two.trust.addPublisher({ package: two.demo, provider: 'github', claims: { ...github, issuer: 'https://ghe2.example.test/_services/token' } }, two.alice);
      assert.equal(named.issuer, 'https://ghe2.example.test/_services/token');
    } finally {
      await two.close();
    }
    const circle = await setup();
    try {
      const org = '11111111-2222-4333-8444-555555555555';
      const config = { org_id: org, project_id: org, pipeline_definition_id: org, vcs_origin: 'github.com/o/r' };
      assert.equal((await circle.trust.addPublisher({ package: circle.demo, provider: 'circleci', claims: config }, circle.alice)).issuer, `https://oidc.circleci.com/org/${org}`);
    } finally {
      await circle.close();
    }
    const off = await setup({});
    try {
      assert.equal(off.trust.enabled, false);
      await refused(off, off.trust.addPublisher({ package: off.demo, provider: 'github', claims: github }, off.alice), 'TRUST_CLAIMS_INVALID');
    } finally {
      await off.close();
    }
  });
});

describe('BULWARK_OIDC_ISSUERS', () => {
  test('defaults to the public CI issuers', () => {
    const issuers = loadConfig({}).oidcIssuers;
    assert.deepEqual(Object.keys(issuers).sort(), [
      'https://accounts.google.com',
      'https://gitlab.com',
      'https://oidc.circleci.com/org/*',
      'https://platform.activestate.com/api/v1/oauth/oidc',
      'https://token.actions.githubusercontent.com',
    ]);
    assert.equal(issuers['https://token.actions.githubusercontent.com']?.provider, 'github');
  });

  test('takes JSON from the environment, replacing the defaults; plain http only on loopback', () => {
    const issuers = loadConfig({ BULWARK_OIDC_ISSUERS: '{"http://127.0.0.1:8080/gl":{"provider":"gitlab","audience":"custom"}}' }).oidcIssuers;
    assert.deepEqual(issuers, { 'http://127.0.0.1:8080/gl': { provider: 'gitlab', audience: 'custom' } });
    assert.deepEqual(loadConfig({ BULWARK_OIDC_ISSUERS: '{}' }).oidcIssuers, {});
    for (const bad of [
      'not json',
      '[]',
      '{"http://ci.example.test":{"provider":"github"}}',
      '{"https://ci.example.test/":{"provider":"github"}}',
      '{"https://ci.example.test/*/x":{"provider":"github"}}',
      '{"https://ci.example.test":{"provider":"jenkins"}}',
      '{"https://ci.example.test":{"provider":"github","jwksUrl":"http://keys.example.test"}}',
      '{"https://ci.example.test":{"provider":"github","other":1}}',
    ]) {
      assert.throws(() => loadConfig({ BULWARK_OIDC_ISSUERS: bad }), /BULWARK_OIDC_ISSUERS: /, bad);
    }
  });
});
