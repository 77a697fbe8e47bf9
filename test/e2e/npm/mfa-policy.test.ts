// The MFA policy with the machine's real npm: under `all-maintainers`, a publish without a
// one-time password gets npm's OTP answer (401 WWW-Authenticate: OTP → EOTP, or a prompt on a
// terminal), `--otp=<code>` passes, the same code again is refused, owner changes, token
// creation and unpublish ask too, and an account without MFA is told to set it up. The server's
// clock is injected, so each step uses its own TOTP time step without waiting.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { createNpmClient, writePackage, assertOk, type NpmClient } from '../../helpers/npm-cli.js';

class TestClock {
  ms = Date.parse('2026-05-01T10:00:05Z');
  now = () => new Date(this.ms);
  /** The next TOTP time step. */
  nextStep() {
    this.ms += 30_000;
  }
}

describe('MFA policy with the real npm CLI', () => {
  const clock = new TestClock();
  let t: TestApp;
  let alice: { id: number; name: string; token: string };
  let bob: { id: number; name: string; token: string };
  let npm: NpmClient;
  let secret: string;
  const code = () => generate({ secret, epoch: Math.floor(clock.ms / 1000) });

  /** Everything a refused change must leave as it was. */
  const state = async () => {
    const { events, ...rows } = await t.rowCounts();
    return { rows, events, owners: await t.app.db.selectFrom('package_owners').selectAll().execute() };
  };

  before(async () => {
    t = await createTestApp({ clock });
    alice = await t.createUser('alice');
    bob = await t.createUser('bob');
    const started = await t.app.mfa.startTotp(alice.id);
    secret = started.secret;
    await t.app.mfa.confirmTotp(alice.id, started.factorId, await code());
    clock.nextStep();
    npm = await createNpmClient(t.url);
    await npm.setToken(alice.token);
    // Published before the policy: the package exists and has an owner.
    const dir = await writePackage({ name: 'mfa-lib', version: '1.0.0' });
    assertOk(await npm.run(['publish'], { cwd: dir }), 'publish before the policy');
    assert.equal(await t.app.mfaPolicy.setPolicy({ mode: 'all-maintainers', criticalNeedsPhishingResistant: false }, { userId: null }), true);
  });
  after(async () => t?.close());

  test('the policy change is an event', async () => {
    const events = await t.events();
    assert.equal(events.at(-1)!.type, 'policy:change');
    assert.deepEqual(await t.app.mfaPolicy.getPolicy(), { mode: 'all-maintainers', criticalNeedsPhishingResistant: false });
  });

  test('publish without a one-time password: npm fails with EOTP, nothing changes', async () => {
    const dir = await writePackage({ name: 'mfa-lib', version: '1.1.0' });
    const before = await state();
    const result = await npm.run(['publish'], { cwd: dir });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /EOTP/);
    assert.match(result.stderr, /one-time password/);
    assert.deepEqual(await state(), before);
  });

  test('the wire answer: 401, WWW-Authenticate: OTP, a body npm recognises', async () => {
    const response = await fetch(`${t.url}/-/npm/v1/tokens/token/${'0'.repeat(32)}`, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'OTP');
    const body = (await response.json()) as { error: string; code: string };
    assert.equal(body.code, 'OTP_REQUIRED');
    assert.match(body.error, /one-time pass/);
  });

  test('npm publish --otp=<code> succeeds; the same code again is refused', async () => {
    const otp = await code();
    const dir = await writePackage({ name: 'mfa-lib', version: '1.1.0' });
    assertOk(await npm.run(['publish', `--otp=${otp}`], { cwd: dir }), 'publish with --otp');
    const view = await npm.run(['view', 'mfa-lib', 'versions', '--json']);
    assert.deepEqual(JSON.parse(view.stdout), ['1.0.0', '1.1.0']);

    const again = await writePackage({ name: 'mfa-lib', version: '1.2.0' });
    const before = await state();
    const replayed = await npm.run(['publish', `--otp=${otp}`], { cwd: again });
    assert.notEqual(replayed.code, 0);
    assert.match(replayed.stderr, /EOTP/);
    const events = await t.app.db.selectFrom('events').select(['type', 'data']).orderBy('id', 'desc').limit(1).execute();
    // The replay is refused and logged by the MFA service (mfa:failed); nothing else changes.
    assert.equal(events[0]!.type, 'mfa:failed');
    const after = await state();
    assert.deepEqual({ ...after, events: after.events! - 1 }, before);
  });

  test('a wrong code is refused with EOTP', async () => {
    clock.nextStep();
    const right = await code();
    const wrong = right === '000000' ? '111111' : '000000';
    const dir = await writePackage({ name: 'mfa-lib', version: '1.2.0' });
    const result = await npm.run(['publish', `--otp=${wrong}`], { cwd: dir });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /EOTP/);
  });

  test('on a terminal npm prompts for the code and publishes', async () => {
    clock.nextStep();
    const otp = await code();
    const dir = await writePackage({ name: 'mfa-lib', version: '1.2.0' });
    const terminal = await createNpmClient(t.url);
    await terminal.setToken(alice.token);
    const result = await terminal.runInPty(['publish', dir], [[/Enter OTP:/, otp]]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /one-time password/);
    assert.ok((await t.events()).some((e) => e.subject === 'npm:mfa-lib@1.2.0' && e.type === 'version:publish'));
  });

  test('owner add asks for a code', async () => {
    clock.nextStep();
    const before = await state();
    const refused = await npm.run(['owner', 'add', 'bob', 'mfa-lib']);
    assert.notEqual(refused.code, 0);
    // npm owner wraps the EOTP error in its own (EOWNERMUTATE), keeping the message.
    assert.match(refused.stderr, /OTP required for authentication/);
    assert.deepEqual(await state(), before);
    assertOk(await npm.run(['owner', 'add', 'bob', 'mfa-lib', `--otp=${await code()}`]), 'owner add --otp');
    assert.ok((await t.events()).some((e) => e.type === 'owner:add'));
  });

  test('token create asks for a code', async () => {
    clock.nextStep();
    const before = await state();
    const refused = await npm.run(['token', 'create', '--password', 'alice-password-long', '--json']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /EOTP/);
    assert.deepEqual(await state(), before);
    const created = await npm.run(['token', 'create', '--password', 'alice-password-long', '--json', `--otp=${await code()}`]);
    assertOk(created, 'token create --otp');
    assert.match(JSON.parse(created.stdout).token, /^bwk_/);
    // A token made with a second factor stands for it where clients cannot send one (twine).
    assert.equal((await t.app.db.selectFrom('second_factor_tokens').selectAll().execute()).length, 1);
  });

  test('unpublish asks for a code', async () => {
    clock.nextStep();
    const before = await state();
    const refused = await npm.run(['unpublish', 'mfa-lib@1.2.0']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /EOTP/);
    assert.deepEqual(await state(), before);
    assertOk(await npm.run(['unpublish', 'mfa-lib@1.2.0', `--otp=${await code()}`]), 'unpublish --otp');
    assert.ok((await t.events()).some((e) => e.type === 'version:unpublish'));
  });

  test('an owner without MFA is told to set it up (MFA_ENROLMENT_REQUIRED), even with a code', async () => {
    const bobs = await createNpmClient(t.url);
    await bobs.setToken(bob.token);
    const dir = await writePackage({ name: 'bob-lib', version: '1.0.0' });
    const before = await state();
    for (const args of [['publish'], ['publish', '--otp=123456']]) {
      const result = await bobs.run(args, { cwd: dir });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /403/);
      assert.match(result.stderr, /MFA_ENROLMENT_REQUIRED/);
      assert.match(result.stderr, /\/account\/mfa/);
    }
    assert.deepEqual(await state(), before);
  });

  test('policy optional again: no code needed', async () => {
    await t.app.mfaPolicy.setPolicy({ mode: 'optional', criticalNeedsPhishingResistant: false }, { userId: null });
    const dir = await writePackage({ name: 'mfa-lib', version: '1.3.0' });
    assertOk(await npm.run(['publish'], { cwd: dir }), 'publish under the optional policy');
  });
});
