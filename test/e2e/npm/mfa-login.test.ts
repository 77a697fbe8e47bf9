// The legacy npm login (`npm login --auth-type=legacy`, PUT /-/user/org.couchdb.user:<name>) for
// an account with a second factor, with the machine's real npm on a terminal: the password
// alone gets 401 `WWW-Authenticate: OTP`, npm asks for the code and sends it in `npm-otp`; a
// wrong or replayed code gets no token. The password is no API credential for such an account.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { generate } from 'otplib';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { createNpmClient } from '../../helpers/npm-cli.js';

const PASSWORD = 'carol-password-long';

/** The app's clock, moved by the test: codes are computed for its time, never across a step boundary. */
class TestClock {
  ms = Date.now();
  now = () => new Date(this.ms);
}

describe('npm legacy login with two-factor authentication', () => {
  let t: TestApp;
  let userId: number;
  let secret: string;
  const clock = new TestClock();
  const currentCode = () => generate({ secret, epoch: Math.floor(clock.ms / 1000) });

  async function tokenCount(): Promise<number> {
    const row = await t.app.db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  before(async () => {
    t = await createTestApp({ clock });
    ({ id: userId } = await t.app.accounts.createUser({ name: 'carol', email: 'carol@example.test', password: PASSWORD }));
    const started = await t.app.mfa.startTotp(userId);
    secret = started.secret;
    // Enrolment uses this step's code; the tests run one step later, so theirs are unused.
    await t.app.mfa.confirmTotp(userId, started.factorId, await currentCode());
    clock.ms += 30_000;
  });
  after(() => t?.close());

  test('the password alone is answered with an OTP request, and no token', async () => {
    const before = await tokenCount();
    const response = await fetch(`${t.url}/-/user/org.couchdb.user:carol`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', password: PASSWORD }),
    });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'OTP');
    assert.equal(((await response.json()) as { code: string }).code, 'OTP_REQUIRED');
    assert.equal(await tokenCount(), before);
  });

  test('npm login --auth-type=legacy asks for the code and logs in with it; the same code does not work twice', async () => {
    const before = await tokenCount();
    const npm = await createNpmClient(t.url);
    const code = await currentCode();
    const result = await npm.runInPty(['login', '--auth-type=legacy'], [
      [/Username:/, 'carol'],
      [/Password:/, PASSWORD],
      [/OTP:/, code],
    ]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /one-time password/);
    assert.match(result.stdout, /Logged in on/);
    assert.equal((await npm.run(['whoami'])).stdout.trim(), 'carol');
    assert.equal(await tokenCount(), before + 1);

    const replay = await createNpmClient(t.url);
    const refused = await replay.runInPty(['login', '--auth-type=legacy'], [
      [/Username:/, 'carol'],
      [/Password:/, PASSWORD],
      [/OTP:/, code],
    ]);
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.doesNotMatch(await readFile(replay.npmrc, 'utf8'), /_authToken/);
    assert.equal(await tokenCount(), before + 1);
    const failures = await t.app.db.selectFrom('events').select('data').where('type', '=', 'mfa:failed').execute();
    assert.ok(failures.some((e) => (JSON.parse(e.data) as { reason: string }).reason === 'replayed'), 'the replay is logged');
  });

  test('a wrong code gets no token; the password is no API credential for an MFA account', async () => {
    const before = await tokenCount();
    const current = await currentCode();
    const wrong = current === '000000' ? '111111' : '000000';
    const response = await fetch(`${t.url}/-/user/org.couchdb.user:carol`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'npm-otp': wrong },
      body: JSON.stringify({ name: 'carol', password: PASSWORD }),
    });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'OTP');
    assert.equal(((await response.json()) as { code: string }).code, 'OTP_REJECTED');
    assert.equal(await tokenCount(), before);

    const basic = await fetch(`${t.url}/-/whoami`, { headers: { authorization: `Basic ${Buffer.from(`carol:${PASSWORD}`).toString('base64')}` } });
    assert.equal(basic.status, 401);
    assert.equal(((await basic.json()) as { code: string }).code, 'PASSWORD_AUTH_MFA');
  });
});
