// `bulwark user recover` and `bulwark accounts check-domains` as an operator runs them: the real
// command in a child process, on a fresh data folder, with a real DNS server (dns2) as its
// resolver and a real SMTP server capturing its mail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/platform/db/index.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp-server.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { cleanEnv, runBulwark, type CliResult as Result } from '../helpers/bulwark-cli.js';


const shown = (r: Result) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('bulwark user recover / accounts check-domains', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let dns: TestDnsServer;
  let smtp: SmtpCapture;
  const run = (args: string[], input?: string) => runBulwark(args, { env, ...(input === undefined ? {} : { input }) });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-recover-cli-'));
    dns = await startDnsServer({
      'example.test': { mx: [{ exchange: 'mx.example.test', priority: 10 }], ns: ['ns1.example.test'] },
      'mx.example.test': { a: ['192.0.2.25'] },
      'ns1.example.test': { a: ['192.0.2.53'] },
    });
    smtp = await startSmtpServer();
    env = {
      ...cleanEnv(),
      BULWARK_DATA_DIR: dataDir,
      BULWARK_SMTP_URL: smtp.url,
      BULWARK_DNS_SERVERS: dns.address,
      BULWARK_DNS_TIMEOUT_MS: '300',
      BULWARK_LOG_LEVEL: 'silent',
      // Never the real Pwned Passwords API.
      BULWARK_PWNED_PASSWORDS_DIR: PWNED_FIXTURE_DIR,
    };
    for (const [name, email, admin] of [['root', 'root@example.test', true], ['alice', 'alice@lapsed.test', false], ['bob', 'bob@example.test', false]] as const) {
      const created = await run(['user', 'create', name, '--email', email, ...(admin ? ['--admin'] : []), '--password-stdin'], `${name}-password-long\n`);
      assert.equal(created.code, 0, shown(created));
    }
  });

  after(async () => {
    await smtp.close();
    await dns.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('accounts check-domains flags the account on an NXDOMAIN domain and mails the administrators', async () => {
    const result = await run(['accounts', 'check-domains']);
    assert.equal(result.code, 0, shown(result));
    assert.match(result.stdout, /^Checked 2 domain\(s\) of 3 account\(s\)\.$/m);
    assert.match(result.stdout, /^abandoned: alice <alice@lapsed\.test>: nxdomain \(flagged now\)$/m);
    assert.doesNotMatch(result.stdout, /bob|root/);
    const mail = await smtp.nextMessage({ to: 'root@example.test' });
    assert.match(mail.subject, /alice flagged/);

    const again = await run(['accounts', 'check-domains']);
    assert.match(again.stdout, /alice <alice@lapsed\.test>: nxdomain \(already flagged\)/);
  });

  test('user recover refuses without an administrator or a reason, changing nothing', async () => {
    const notAdmin = await run(['user', 'recover', 'alice', '--by', 'bob', '--reason', 'please']);
    assert.equal(notAdmin.code, 1, shown(notAdmin));
    assert.match(notAdmin.stderr, /\[RECOVERY_ADMIN_REQUIRED\]/);
    const noReason = await run(['user', 'recover', 'alice', '--by', 'root']);
    assert.equal(noReason.code, 1, shown(noReason));
    assert.match(noReason.stderr, /--reason/);
    const blank = await run(['user', 'recover', 'alice', '--by', 'root', '--reason', ' ']);
    assert.equal(blank.code, 1, shown(blank));
    assert.match(blank.stderr, /\[RECOVERY_REASON_REQUIRED\]/);
    const db = openDatabase({ dataDir });
    try {
      const audit = await db.selectFrom('events').select('id').where('type', '=', 'recovery:admin').execute();
      assert.equal(audit.length, 0);
    } finally {
      await db.destroy();
    }
  });

  test('user recover prints a one-time password once, records the audit trail and resolves the flag', async () => {
    const result = await run(['user', 'recover', 'alice', '--by', 'root', '--reason', 'ticket 4711: identity checked by video call', '--revoke-tokens']);
    assert.equal(result.code, 0, shown(result));
    const password = result.stdout.trim();
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);
    assert.match(result.stderr, /Recovered alice; reset: password, sessions, mfa \(0 factors\), tokens \(0\)/);

    const db = openDatabase({ dataDir });
    try {
      const events = await db.selectFrom('events').selectAll().where('type', '=', 'recovery:admin').execute();
      assert.equal(events.length, 1);
      const data = JSON.parse(events[0]!.data) as Record<string, unknown>;
      const root = await db.selectFrom('users').select('id').where('name', '=', 'root').executeTakeFirstOrThrow();
      assert.equal(events[0]!.actor_user_id, root.id);
      assert.equal(events[0]!.subject, 'user:alice');
      assert.equal(data.reason, 'ticket 4711: identity checked by video call');
      assert.equal(data.by, 'root');
      assert.equal(typeof data.osUser, 'string');
      assert.equal(data.flagsResolved, 1);
      assert.ok(!events[0]!.data.includes(password), 'the password is not in the event');
      const user = await db.selectFrom('users').select('must_change_password').where('name', '=', 'alice').executeTakeFirstOrThrow();
      assert.equal(user.must_change_password, 1);
      const open = await db.selectFrom('account_flags').select('id').where('resolved_at', 'is', null).execute();
      assert.equal(open.length, 0);
    } finally {
      await db.destroy();
    }
    const toAdmin = await smtp.nextMessage({ to: 'root@example.test' });
    assert.match(toAdmin.subject, /alice recovered by root/);
    assert.ok(!smtp.received.some((m) => m.text.includes(password)), 'the one-time password is never mailed');
  });
});
