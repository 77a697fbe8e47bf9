// The whole life of packages with the machine's real npm, on each storage pair: log in, publish
// scoped and unscoped packages with dependencies, install them elsewhere, move dist-tags,
// deprecate, manage owners and tokens, unpublish within the policy, and never reuse a version.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { createNpmClient, writePackage, assertOk, type NpmClient } from '../../helpers/npm-cli.js';
import { storagePairs } from '../../helpers/storage.js';

/** Runs `npm login` (web flow) and approves the printed login URL as the given user. */
async function loginWithWebFlow(t: TestApp, npm: NpmClient, userId: number): Promise<string> {
  const child = npm.spawn(['login']);
  let output = '';
  let approval: Promise<void> | undefined;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    const match = /\/account\/cli-login\/([A-Za-z0-9_-]+)/.exec(output);
    if (match && !approval) approval = t.app.accounts.approveCliLogin(match[1]!, userId);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.stdin!.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await approval;
  assert.equal(code, 0, `npm login failed:\n${output}`);
  assert.match(output, /Logged in on/);
  return output;
}

for (const storage of storagePairs) {
  describe(`npm lifecycle on ${storage}`, () => {
    let t: TestApp;
    let npm: NpmClient;
    let alice: { id: number; name: string; token: string };
    let bob: { id: number; name: string; token: string };

    before(async () => {
      t = await createTestApp({ storage });
      alice = await t.createUser('alice');
      bob = await t.createUser('bob');
      npm = await createNpmClient(t.url);
    });
    after(async () => t?.close());

    test('legacy login on a terminal (npm login --auth-type=legacy)', async () => {
      const terminal = await createNpmClient(t.url);
      const result = await terminal.runInPty(['login', '--auth-type=legacy'], [
        [/Username:/, 'bob'],
        [/Password:/, 'bob-password-long'],
      ]);
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /Logged in on/);
      assert.equal((await terminal.run(['whoami'])).stdout.trim(), 'bob');
      const refused = await createNpmClient(t.url);
      const wrong = await refused.runInPty(['login', '--auth-type=legacy'], [
        [/Username:/, 'bob'],
        [/Password:/, 'not-bobs-password'],
      ]);
      assert.notEqual(wrong.code, 0);
      assert.doesNotMatch(await readFile(refused.npmrc, 'utf8'), /_authToken/);
    });

    test('log in, publish, install, tag, deprecate, own, unpublish', async (s) => {
      await s.test('npm login (web flow) saves a working token', async () => {
        await loginWithWebFlow(t, npm, alice.id);
        const npmrc = await readFile(npm.npmrc, 'utf8');
        assert.match(npmrc, /:_authToken=bwk_[0-9A-Za-z]{49}/);
        const who = await npm.run(['whoami']);
        assertOk(who, 'npm whoami');
        assert.equal(who.stdout.trim(), 'alice');
        assert.ok((await t.events()).some((e) => e.type === 'cli-login:approve'));
      });

      await s.test('npm ping', async () => {
        assertOk(await npm.run(['ping']), 'npm ping');
      });

      await s.test('publish an unscoped library in two versions and a scoped app depending on it', async () => {
        for (const version of ['1.0.0', '1.1.0']) {
          const dir = await writePackage(
            { name: 'bw-strings', version, description: 'string helpers', keywords: ['strings'], main: 'index.js' },
            { 'index.js': `exports.version = ${JSON.stringify(version)}; exports.shout = (s) => s.toUpperCase();\n` },
          );
          assertOk(await npm.run(['publish'], { cwd: dir }), `publish bw-strings@${version}`);
        }
        const app = await writePackage(
          { name: '@acme/greeter', version: '1.0.0', main: 'index.js', dependencies: { 'bw-strings': '^1.0.0' } },
          {
            'index.js': "const s = require('bw-strings'); module.exports = (n) => s.shout('hello ' + n) + ' ' + s.version;\n",
            'README.md': '# Greeter\n\nSays hello.\n',
          },
        );
        assertOk(await npm.run(['publish', '--access', 'public'], { cwd: app }), 'publish @acme/greeter');
        const beta = await writePackage({ name: '@acme/greeter', version: '2.0.0-beta.1', main: 'index.js', dependencies: { 'bw-strings': '^1.0.0' } });
        assertOk(await npm.run(['publish', '--tag', 'next'], { cwd: beta }), 'publish @acme/greeter@2.0.0-beta.1 --tag next');
      });

      await s.test('install the tree in another folder and run it', async () => {
        const project = await writePackage({ name: 'consumer', version: '0.0.0', private: true });
        assertOk(await npm.run(['install', '@acme/greeter'], { cwd: project }), 'npm install');
        const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8'));
        assert.equal(lock.packages['node_modules/@acme/greeter'].version, '1.0.0', 'latest, not the next-tagged beta');
        assert.equal(lock.packages['node_modules/bw-strings'].version, '1.1.0');
        assert.match(lock.packages['node_modules/bw-strings'].integrity, /^sha512-/);
        await writeFile(join(project, 'run.cjs'), "process.stdout.write(require('@acme/greeter')('npm'))");
        const { execFileSync } = await import('node:child_process');
        assert.equal(execFileSync(process.execPath, ['run.cjs'], { cwd: project, encoding: 'utf8' }), 'HELLO NPM 1.1.0');
      });

      await s.test('npm view and search see the packages', async () => {
        const view = await npm.run(['view', '@acme/greeter', '--json']);
        assertOk(view, 'npm view');
        const doc = JSON.parse(view.stdout);
        assert.deepEqual(doc['dist-tags'], { latest: '1.0.0', next: '2.0.0-beta.1' });
        assert.deepEqual(doc.maintainers, ['alice <alice@example.test>']);
        const search = await npm.run(['search', 'bw-str', '--json']);
        assertOk(search, 'npm search');
        assert.deepEqual(JSON.parse(search.stdout).map((p: { name: string }) => p.name), ['bw-strings']);
      });

      await s.test('dist-tag add, ls, rm', async () => {
        assertOk(await npm.run(['dist-tag', 'add', 'bw-strings@1.0.0', 'legacy']), 'dist-tag add');
        const ls = await npm.run(['dist-tag', 'ls', 'bw-strings']);
        assertOk(ls, 'dist-tag ls');
        assert.match(ls.stdout, /legacy: 1\.0\.0/);
        assert.match(ls.stdout, /latest: 1\.1\.0/);
        assertOk(await npm.run(['dist-tag', 'add', 'bw-strings@1.0.0', 'latest']), 'move latest');
        assert.match((await npm.run(['view', 'bw-strings', 'dist-tags.latest'])).stdout, /1\.0\.0/);
        assertOk(await npm.run(['dist-tag', 'add', 'bw-strings@1.1.0', 'latest']), 'move latest back');
        assertOk(await npm.run(['dist-tag', 'rm', 'bw-strings', 'legacy']), 'dist-tag rm');
        assert.doesNotMatch((await npm.run(['dist-tag', 'ls', 'bw-strings'])).stdout, /legacy/);
        const refused = await npm.run(['dist-tag', 'rm', 'bw-strings', 'latest']);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /TAG_REQUIRED/);
      });

      await s.test('deprecate and undeprecate', async () => {
        assertOk(await npm.run(['deprecate', 'bw-strings@1.0.0', 'use 1.1.0 or later']), 'npm deprecate');
        const doc = JSON.parse((await npm.run(['view', 'bw-strings', '--json', 'versions', 'time'])).stdout);
        assert.ok(doc.versions.includes('1.0.0'));
        const full = await (await fetch(`${t.url}/bw-strings`)).json();
        assert.equal(full.versions['1.0.0'].deprecated, 'use 1.1.0 or later');
        assert.equal(full.versions['1.1.0'].deprecated, undefined);
        assertOk(await npm.run(['deprecate', 'bw-strings@1.0.0', '']), 'npm undeprecate');
        const after = await (await fetch(`${t.url}/bw-strings`)).json();
        assert.equal(after.versions['1.0.0'].deprecated, undefined);
      });

      await s.test('owner ls, add, rm', async () => {
        assertOk(await npm.run(['owner', 'add', 'bob', 'bw-strings']), 'owner add');
        const ls = await npm.run(['owner', 'ls', 'bw-strings']);
        assertOk(ls, 'owner ls');
        assert.match(ls.stdout, /alice <alice@example.test>/);
        assert.match(ls.stdout, /bob <bob@example.test>/);
        assertOk(await npm.run(['owner', 'rm', 'bob', 'bw-strings']), 'owner rm');
        assert.doesNotMatch((await npm.run(['owner', 'ls', 'bw-strings'])).stdout, /bob/);
        const types = (await t.events()).map((e) => e.type);
        assert.ok(types.includes('owner:add') && types.includes('owner:remove'));
      });

      await s.test('a non-owner cannot publish over someone else\'s package', async () => {
        const other = await createNpmClient(t.url);
        await other.setToken(bob.token);
        const dir = await writePackage({ name: 'bw-strings', version: '9.0.0' });
        const result = await other.run(['publish'], { cwd: dir });
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, /NOT_PERMITTED/);
      });

      await s.test('unpublish follows the policy and leaves tombstones', async () => {
        // bw-strings@1.x is depended on by @acme/greeter: refused.
        const blocked = await npm.run(['unpublish', 'bw-strings@1.1.0']);
        assert.notEqual(blocked.code, 0);
        assert.match(blocked.stderr, /UNPUBLISH_HAS_DEPENDENTS/);
        // One version of the app, then the whole app package.
        assertOk(await npm.run(['unpublish', '@acme/greeter@2.0.0-beta.1']), 'unpublish one version');
        const doc = await (await fetch(`${t.url}/@acme%2fgreeter`)).json();
        assert.deepEqual(Object.keys(doc.versions), ['1.0.0']);
        assert.deepEqual(doc['dist-tags'], { latest: '1.0.0' });
        assertOk(await npm.run(['unpublish', '@acme/greeter', '--force']), 'unpublish whole package');
        assert.equal((await fetch(`${t.url}/@acme%2fgreeter`)).status, 404);
        assert.equal((await fetch(`${t.url}/@acme/greeter/-/greeter-1.0.0.tgz`)).status, 404);
        // Nothing depends on bw-strings any more.
        assertOk(await npm.run(['unpublish', 'bw-strings@1.1.0']), 'unpublish bw-strings@1.1.0');
        const strings = await (await fetch(`${t.url}/bw-strings`)).json();
        assert.equal(strings['dist-tags'].latest, '1.0.0', 'latest moves to the highest remaining version');
        // The number can never be used again.
        const again = await writePackage({ name: 'bw-strings', version: '1.1.0' });
        const republish = await npm.run(['publish'], { cwd: again });
        assert.notEqual(republish.code, 0);
        assert.match(republish.stderr, /VERSION_TOMBSTONED/);
        const types = (await t.events()).map((e) => e.type);
        assert.ok(types.includes('version:unpublish') && types.includes('package:unpublish'));
      });

      await s.test('tokens: create, list, revoke; logout revokes the session token', async () => {
        const created = await npm.run(['token', 'create', '--password', 'alice-password-long', '--name', 'ci', '--json']);
        assertOk(created, 'token create');
        const { token } = JSON.parse(created.stdout);
        assert.match(token, /^bwk_/);
        const list = await npm.run(['token', 'list', '--json']);
        assertOk(list, 'token list');
        // npm drops `key` from create's output; the list shows it, with the name we gave.
        const entry = JSON.parse(list.stdout).find((e: { name?: string }) => e.name === 'ci');
        assert.ok(entry, `no token named ci in ${list.stdout}`);
        assert.equal(entry.token, `${token.slice(0, 10)}…`);
        const key: string = entry.key;
        assert.match(key, /^[0-9a-f]{32}$/);
        const wrong = await npm.run(['token', 'create', '--password', 'not-the-password']);
        assert.notEqual(wrong.code, 0);
        // Revoked by the short id `npm token list` shows, as a user would.
        assertOk(await npm.run(['token', 'revoke', entry.id]), 'token revoke');
        const revoked = await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(revoked.status, 401);
        assert.equal((await revoked.json()).code, 'TOKEN_INVALID');

        const before = (await readFile(npm.npmrc, 'utf8')).match(/_authToken=(\S+)/)![1]!;
        assertOk(await npm.run(['logout']), 'npm logout');
        const gone = await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Bearer ${before}` } });
        assert.equal(gone.status, 401);
      });
    });
  });
}
