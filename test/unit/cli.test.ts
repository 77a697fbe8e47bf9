// The `bulwark` command as users run it: `node bin/bulwark.js …` in a child process, on a
// fresh data folder, checking exit codes, stdout and stderr.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/platform/db/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { createTokensService } from '../../src/tokens/index.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { cleanEnv, runBulwark as bulwark, type CliResult as Result } from '../helpers/bulwark-cli.js';

const TOKEN = /^bwk_[0-9A-Za-z]{49}$/;
const ADMIN_PASSWORD = 'do-not-print-this-admin-password';

/** Assertion message that shows what the command printed. */
function shown(result: Result): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

describe('bulwark CLI', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[], input?: string) => bulwark(args, { env, input });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-cli-'));
    env = { ...cleanEnv(), BULWARK_DATA_DIR: dataDir, BULWARK_ADMIN_PASSWORD: ADMIN_PASSWORD, BULWARK_PWNED_PASSWORDS_DIR: PWNED_FIXTURE_DIR };
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('--help lists every command and exits 0', async () => {
    const result = await run(['--help']);
    assert.equal(result.code, 0, shown(result));
    for (const command of ['serve', 'migrate', 'user', 'token', 'config']) {
      assert.match(result.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `--help should list ${command}\n${shown(result)}`);
    }
  });

  test('each command has its own --help', async () => {
    const result = await run(['user', 'create', '--help']);
    assert.equal(result.code, 0, shown(result));
    assert.match(result.stdout, /--password-stdin/);
    assert.match(result.stdout, /--email <address>/);
  });

  test('an unknown command exits 1', async () => {
    const result = await run(['frobnicate']);
    assert.equal(result.code, 1, shown(result));
    assert.match(result.stderr, /unknown command 'frobnicate'/);
  });

  test('config check prints every setting with secrets redacted', async () => {
    const result = await run(['config', 'check']);
    assert.equal(result.code, 0, shown(result));
    assert.match(result.stdout, /^BULWARK_PORT\s+4873$/m);
    assert.match(result.stdout, new RegExp(`^BULWARK_DATA_DIR\\s+${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(result.stdout, /^BULWARK_ADMIN_PASSWORD\s+\(set, redacted\)$/m);
    assert.ok(!result.stdout.includes(ADMIN_PASSWORD) && !result.stderr.includes(ADMIN_PASSWORD), 'the admin password must not be printed');
  });

  test('config check exits 1 and names the invalid variable', async () => {
    const result = await bulwark(['config', 'check'], { env: { ...env, BULWARK_PORT: 'abc' } });
    assert.equal(result.code, 1, shown(result));
    assert.match(result.stderr, /BULWARK_PORT/);
    assert.equal(result.stdout, '');
  });

  test('migrate applies every migration, then none', async () => {
    const first = await run(['migrate']);
    assert.equal(first.code, 0, shown(first));
    assert.match(first.stdout, /Applied 001-initial/);
    assert.match(first.stdout, /Applied 002-events-append-only/);
    const again = await run(['migrate']);
    assert.equal(again.code, 0, shown(again));
    assert.doesNotMatch(again.stdout, /Applied/);
    assert.match(again.stdout, /Up to date/);
  });

  test('user create reads the password from stdin', async () => {
    const result = await run(['user', 'create', 'bob', '--email', 'bob@example.test', '--password-stdin'], 'bob-password-1234\n');
    assert.equal(result.code, 0, shown(result));
    assert.match(result.stdout, /Created user bob\./);
    assert.ok(!result.stdout.includes('bob-password-1234'));
  });

  test('token create prints only the token, and the token works', async () => {
    const result = await run(['token', 'create', 'bob', '--name', 'ci']);
    assert.equal(result.code, 0, shown(result));
    const token = result.stdout.trim();
    assert.match(token, TOKEN);
    assert.doesNotMatch(result.stderr, /bwk_/, 'the token is printed once, on stdout only');

    const db = openDatabase({ dataDir });
    try {
      const found = await createTokensService({ db, clock: systemClock }).authenticate(token, '127.0.0.1');
      assert.ok(found, 'the printed token authenticates');
      assert.equal(found.scope.permission, 'read-write');
    } finally {
      await db.destroy();
    }
  });

  test('token create --read-only --expires-days makes a narrower token', async () => {
    const result = await run(['token', 'create', 'bob', '--read-only', '--expires-days', '30']);
    assert.equal(result.code, 0, shown(result));
    assert.match(result.stdout.trim(), TOKEN);
    assert.match(result.stderr, /read-only token for bob/);
    assert.match(result.stderr, /expires \d{4}-/);
  });

  test('user create with a short password exits 1 with the code', async () => {
    const result = await run(['user', 'create', 'carol', '--email', 'carol@example.test', '--password-stdin'], 'short\n');
    assert.equal(result.code, 1, shown(result));
    assert.match(result.stderr, /PASSWORD_TOO_SHORT/);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line on stderr\n${shown(result)}`);
  });

  test('user create of an existing name exits 1 with USER_EXISTS', async () => {
    const result = await run(['user', 'create', 'bob', '--email', 'bob@example.test', '--password-stdin'], 'another-password-99\n');
    assert.equal(result.code, 1, shown(result));
    assert.match(result.stderr, /USER_EXISTS/);
  });

  test('user create without --password-stdin and without a terminal exits 1', async () => {
    const result = await run(['user', 'create', 'dave', '--email', 'dave@example.test']);
    assert.equal(result.code, 1, shown(result));
    assert.match(result.stderr, /--password-stdin/);
  });

  test('token create for an unknown user exits 1', async () => {
    const result = await run(['token', 'create', 'nobody']);
    assert.equal(result.code, 1, shown(result));
    assert.match(result.stderr, /No user named "nobody"/);
    assert.equal(result.stdout, '');
  });
});
