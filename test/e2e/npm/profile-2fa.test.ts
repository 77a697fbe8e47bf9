// npm profile's two-factor commands with the machine's real npm on a terminal: get reports tfa
// truthfully, enable-2fa auth-and-writes enrols an authenticator app (the code is computed from
// the secret npm prints) and prints recovery codes, disable-2fa needs the password and a fresh
// code (npm prompts for it), and is refused while the MFA policy requires a factor.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { createNpmClient, assertOk, type NpmClient } from '../../helpers/npm-cli.js';

class TestClock {
  ms = Date.parse('2026-05-02T10:00:05Z');
  now = () => new Date(this.ms);
  nextStep() {
    this.ms += 30_000;
  }
}

describe('npm profile enable-2fa / get / disable-2fa', () => {
  const clock = new TestClock();
  let t: TestApp;
  let carol: { id: number; name: string; token: string };
  let npm: NpmClient;
  let secret = '';
  const code = () => generate({ secret, epoch: Math.floor(clock.ms / 1000) });
  const tfa = async () => JSON.parse((await npm.run(['profile', 'get', '--json'])).stdout).tfa;

  before(async () => {
    t = await createTestApp({ clock });
    carol = await t.createUser('carol');
    npm = await createNpmClient(t.url);
    await npm.setToken(carol.token);
  });
  after(async () => t?.close());

  test('get: two-factor auth disabled', async () => {
    const shown = await npm.run(['profile', 'get']);
    assertOk(shown, 'profile get');
    assert.match(shown.stdout, /two-factor auth: disabled/);
    assert.equal(await tfa(), false);
  });

  test('enable-2fa auth-only is refused', async () => {
    const result = await npm.runInPty(['profile', 'enable-2fa', 'auth-only'], [[/npm password:/, 'carol-password-long']]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /TFA_MODE_UNSUPPORTED/);
    assert.equal((await t.app.mfa.status(carol.id)).enabled, false);
  });

  test('enable-2fa auth-and-writes: password, secret, code, recovery codes', async () => {
    const result = await npm.runInPty(['profile', 'enable-2fa', 'auth-and-writes'], [
      [/npm password:/, 'carol-password-long'],
      [
        /And an OTP code from your authenticator:/,
        (output) => {
          secret = /Or enter code:\s*([A-Z2-7]+)/.exec(output)![1]!;
          return code();
        },
      ],
    ]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /2FA successfully enabled/);
    // npm prints each recovery code on its own line after a tab (amid terminal control codes).
    const recovery = [...result.stdout.matchAll(/\t(\d{5} \d{5} \d{5} \d{5})\r?\n/g)].map((m) => m[1]);
    assert.equal(recovery.length, 10);
    const status = await t.app.mfa.status(carol.id);
    assert.equal(status.enabled, true);
    assert.deepEqual(status.factors.map((f) => f.kind), ['totp']);
    assert.deepEqual(await tfa(), { mode: 'auth-and-writes', pending: false });
    assert.match((await npm.run(['profile', 'get'])).stdout, /two-factor auth: auth-and-writes/);
  });

  test('disable-2fa is refused while the policy requires MFA', async () => {
    await t.app.mfaPolicy.setPolicy({ mode: 'all-maintainers', criticalNeedsPhishingResistant: false }, { userId: null });
    clock.nextStep();
    const result = await npm.runInPty(['profile', 'disable-2fa', `--otp=${await code()}`], [[/npm password:/, 'carol-password-long']]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /MFA_REQUIRED_BY_POLICY/);
    assert.equal((await t.app.mfa.status(carol.id)).enabled, true);
    await t.app.mfaPolicy.setPolicy({ mode: 'optional', criticalNeedsPhishingResistant: false }, { userId: null });
  });

  test('disable-2fa: password, then npm asks for a code', async () => {
    clock.nextStep();
    const result = await npm.runInPty(['profile', 'disable-2fa'], [
      [/npm password:/, 'carol-password-long'],
      [/Enter OTP:/, () => code()],
    ]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /Two factor authentication disabled/);
    assert.equal((await t.app.mfa.status(carol.id)).enabled, false);
    assert.equal(await tfa(), false);
    const types = (await t.events()).map((e) => e.type);
    assert.ok(types.includes('mfa:add') && types.includes('mfa:remove'));
  });
});
