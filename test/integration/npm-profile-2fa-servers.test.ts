// `npm profile enable-2fa` sends two requests (password → otpauth URI; code → recovery codes).
// Behind a load balancer they may reach two servers: the unfinished enrolment lives in the shared
// database, not in one process, and it expires. (The real npm CLI drives the same routes in
// test/e2e/npm/profile-2fa.test.ts.)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';

const PASSWORD = 'petra-password-long';

class TestClock {
  ms = Date.parse('2026-06-01T08:00:05Z');
  now = () => new Date(this.ms);
}

describe('npm profile enable-2fa across two servers', () => {
  const clock = new TestClock();
  let first: BulwarkApp;
  let second: BulwarkApp;
  let dataDir: string;
  let token: string;

  const post = (app: BulwarkApp, tfa: unknown) =>
    app.http.inject({ method: 'POST', url: '/-/npm/v1/user', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ tfa }) });
  const profile = async (app: BulwarkApp) =>
    JSON.parse((await app.http.inject({ method: 'GET', url: '/-/npm/v1/user', headers: { authorization: `Bearer ${token}` } })).body) as { tfa: unknown };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-profile-2fa-'));
    const config = () => loadConfig({}, { port: 0, publicUrl: 'https://registry.example.test', dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', sessionSecret: 'a-shared-secret-of-the-two-servers', leakCheckDir: PWNED_FIXTURE_DIR });
    first = await createApp({ config: config(), clock });
    second = await createApp({ config: config(), clock });
    const user = await first.accounts.createUser({ name: 'petra', email: 'petra@example.test', password: PASSWORD });
    ({ token } = await first.tokens.create({ userId: user.id, name: 'cli' }));
  });

  after(async () => {
    await second?.close();
    await first?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('started on one server, an enrolment expires after 10 minutes', async () => {
    const started = await post(first, { password: PASSWORD, mode: 'auth-and-writes' });
    assert.equal(started.statusCode, 200, started.body);
    assert.deepEqual((await profile(second)).tfa, { mode: 'auth-and-writes', pending: true });
    clock.ms += 10 * 60_000 + 1000;
    const secret = new URL((JSON.parse(started.body) as { tfa: string }).tfa).searchParams.get('secret')!;
    const late = await post(second, [await generate({ secret, epoch: Math.floor(clock.ms / 1000) })]);
    assert.equal(late.statusCode, 400);
    assert.equal((JSON.parse(late.body) as { code: string }).code, 'TFA_ENROLMENT_NOT_STARTED');
    assert.equal((await profile(first)).tfa, false);
  });

  test('started on one server, finished on the other: recovery codes, and 2FA is on for both', async () => {
    const started = await post(first, { password: PASSWORD, mode: 'auth-and-writes' });
    assert.equal(started.statusCode, 200, started.body);
    const secret = new URL((JSON.parse(started.body) as { tfa: string }).tfa).searchParams.get('secret')!;
    const finished = await post(second, [await generate({ secret, epoch: Math.floor(clock.ms / 1000) })]);
    assert.equal(finished.statusCode, 200, finished.body);
    const codes = (JSON.parse(finished.body) as { tfa: string[] }).tfa;
    assert.equal(codes.length, 10);
    assert.deepEqual((await profile(first)).tfa, { mode: 'auth-and-writes', pending: false });
    assert.equal((await first.mfa.status((await first.accounts.getUserByName('petra'))!.id)).enabled, true);
  });
});
