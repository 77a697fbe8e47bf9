// The notification outbox does not mail an address on a domain found abandoned (whoever
// registers the lapsed domain would read the account's security notices): the event stays in
// the owner's security log, other recipients still get their mail. A domain that later resolves
// again (as a re-registered one would) stays skipped while the account's flag is open.
// Real SMTP server, real DNS server (dns2) as the checker's resolver.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp-server.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

const SUBJECT = 'Your Bulwark password was changed';

describe('notifications to an abandoned email domain', () => {
  let smtp: SmtpCapture;
  let dns: TestDnsServer;
  let t: TestApp;

  const received = (to: string) => smtp.received.filter((m) => m.to.includes(to) && m.subject === SUBJECT).length;

  before(async () => {
    dns = await startDnsServer({
      'example.test': { mx: [{ exchange: 'mx.example.test', priority: 10 }], ns: ['ns1.example.test'] },
      'mx.example.test': { a: ['192.0.2.25'] },
      'ns1.example.test': { a: ['192.0.2.53'] },
      // lapsed.test is absent: NXDOMAIN.
    });
    smtp = await startSmtpServer();
    t = await createTestApp({ config: { smtpUrl: smtp.url, dnsServers: dns.address, dnsTimeoutMs: 300, domainCheckIntervalHours: 0 } });
  });
  after(async () => {
    await t?.close();
    await smtp?.close();
    await dns?.close();
  });

  test('a notice to an address on an abandoned domain is not mailed; it stays in the security log', async () => {
    const gina = await t.app.accounts.createUser({ name: 'gina', email: 'gina@lapsed.test', password: 'gina-password-long' });
    const hank = await t.app.accounts.createUser({ name: 'hank', email: 'hank@example.test', password: 'hank-password-long' });
    await t.app.processPendingNotifications();

    // Before any check the domain is not known to be abandoned: the notice goes out.
    await t.app.accounts.changePassword(gina.id, 'gina-password-long-2');
    await t.app.processPendingNotifications();
    await smtp.nextMessage({ to: 'gina@lapsed.test', subject: SUBJECT });

    const report = await t.app.recovery.checkEmailDomains();
    assert.ok(report.abandoned.some((a) => a.user === 'gina' && a.reason === 'nxdomain'));

    const mails = smtp.received.length;
    await t.app.accounts.changePassword(gina.id, 'gina-password-long-3');
    await t.app.accounts.changePassword(hank.id, 'hank-password-long-2');
    assert.equal(await t.app.processPendingNotifications(), 1, 'only hank is mailed');
    await smtp.nextMessage({ to: 'hank@example.test', subject: SUBJECT });
    assert.equal(received('gina@lapsed.test'), 1, 'no second mail to the abandoned domain');
    assert.equal(smtp.received.length, mails + 1);
    const log = await t.app.db.selectFrom('events').select(['type', 'data']).where('type', '=', 'user:password-change').execute();
    assert.equal(log.filter((e) => (JSON.parse(e.data) as { userId?: number }).userId === gina.id).length, 2, 'both changes are in her security log');

    // The domain resolves again (re-registered, maybe by someone else): the periodic check says
    // "ok", but the account's flag is open, so nothing goes there until an administrator acts.
    dns.zone['lapsed.test'] = { mx: [{ exchange: 'mx.example.test', priority: 10 }], ns: ['ns1.example.test'] };
    await t.app.recovery.checkEmailDomains();
    const verdict = await t.app.db.selectFrom('email_domain_checks').select('status').where('domain', '=', 'lapsed.test').executeTakeFirst();
    assert.equal(verdict?.status, 'ok');
    assert.equal((await t.app.recovery.openFlags(gina.id)).length, 1);
    await t.app.accounts.changePassword(gina.id, 'gina-password-long-4');
    assert.equal(await t.app.processPendingNotifications(), 0);
    assert.equal(received('gina@lapsed.test'), 1);
  });
});
