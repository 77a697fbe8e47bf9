// The abandoned-domain checker against a real DNS server (dns2 on 127.0.0.1) and a real RDAP
// server (node:http on 127.0.0.1): each verdict from the answers a resolver actually gets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDomainChecker, emailDomain } from '../../src/recovery/email-domains.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const clock = { now: () => NOW };

const ZONE = {
  'good.test': { mx: [{ exchange: 'mx.good.test', priority: 10 }], ns: ['ns1.good.test'] },
  'mx.good.test': { a: ['192.0.2.1'] },
  'ns1.good.test': { a: ['192.0.2.53'] },
  'implicit.test': { a: ['192.0.2.2'], ns: ['ns1.good.test'] },
  'implicit6.test': { aaaa: ['2001:db8::2'], ns: ['ns1.good.test'] },
  'nullmx.test': { mx: [{ exchange: '.', priority: 0 }], a: ['192.0.2.3'], ns: ['ns1.good.test'] },
  'noroute.test': { ns: ['ns1.good.test'] },
  'deadmx.test': { mx: [{ exchange: 'mail.gone.test', priority: 10 }], ns: ['ns1.good.test'] },
  'lame.test': { mx: [{ exchange: 'mx.good.test', priority: 10 }], ns: ['ns1.expired-dns.test', 'ns2.expired-dns.test'] },
  'mail.sub.good.test': { mx: [{ exchange: 'mx.good.test', priority: 10 }] },
  'sub.good.test': {},
  'broken.test': { servfail: true },
  'slow.test': { silent: true },
  'expired.test': { mx: [{ exchange: 'mx.good.test', priority: 10 }], ns: ['ns1.good.test'] },
  'deleting.test': { mx: [{ exchange: 'mx.good.test', priority: 10 }], ns: ['ns1.good.test'] },
};

let dns: TestDnsServer;
let rdap: Server;
let rdapUrl: string;
const rdapRequests: string[] = [];

before(async () => {
  dns = await startDnsServer(ZONE);
  rdap = createServer((request, response) => {
    rdapRequests.push(request.url ?? '');
    const documents: Record<string, unknown> = {
      '/rdap/domain/expired.test': { objectClassName: 'domain', ldhName: 'expired.test', events: [{ eventAction: 'expiration', eventDate: '2026-05-01T00:00:00Z' }] },
      '/rdap/domain/good.test': { objectClassName: 'domain', ldhName: 'good.test', events: [{ eventAction: 'expiration', eventDate: '2027-05-01T00:00:00Z' }] },
      '/rdap/domain/deleting.test': { objectClassName: 'domain', status: ['client transfer prohibited', 'pending delete'] },
    };
    const document = documents[request.url ?? ''];
    response.writeHead(document ? 200 : 404, { 'content-type': 'application/rdap+json' });
    response.end(JSON.stringify(document ?? { errorCode: 404 }));
  });
  await new Promise<void>((resolve) => rdap.listen(0, '127.0.0.1', resolve));
  rdapUrl = `http://127.0.0.1:${(rdap.address() as AddressInfo).port}/rdap`;
});

after(async () => {
  await dns.close();
  await new Promise((resolve) => rdap.close(resolve));
});

function checker(withRdap = false) {
  return createDomainChecker({ servers: [dns.address], timeoutMs: 300, clock, rdapUrl: withRdap ? rdapUrl : undefined });
}

describe('abandoned email domains', () => {
  test('a domain with a reachable MX is fine', async () => {
    assert.deepEqual(await checker().check('good.test'), { domain: 'good.test', status: 'ok', reason: 'mail-route' });
  });

  test('no MX: the implicit MX (A or AAAA) is a mail route', async () => {
    assert.equal((await checker().check('implicit.test')).status, 'ok');
    assert.equal((await checker().check('implicit6.test')).status, 'ok');
  });

  test('NXDOMAIN is abandoned', async () => {
    assert.deepEqual(await checker().check('gone.test'), { domain: 'gone.test', status: 'abandoned', reason: 'nxdomain' });
  });

  test('a null MX is no mail route, even with an A record', async () => {
    assert.deepEqual(await checker().check('nullmx.test'), { domain: 'nullmx.test', status: 'abandoned', reason: 'null-mx' });
  });

  test('no MX and no address is no mail route', async () => {
    assert.equal((await checker().check('noroute.test')).reason, 'no-mail-route');
  });

  test('MX hosts that no longer exist are no mail route', async () => {
    assert.equal((await checker().check('deadmx.test')).reason, 'mx-hosts-gone');
  });

  test('nameservers that no longer exist make the domain abandoned', async () => {
    const verdict = await checker().check('lame.test');
    assert.equal(verdict.status, 'abandoned');
    assert.equal(verdict.reason, 'nameservers-gone');
  });

  test('a subdomain is judged by the nameservers of its zone apex', async () => {
    dns.queries.length = 0;
    assert.equal((await checker().check('mail.sub.good.test')).status, 'ok');
    assert.ok(dns.queries.includes('good.test NS'), dns.queries.join('; '));
  });

  test('SERVFAIL and timeouts are unknown, never abandoned', async () => {
    assert.deepEqual(await checker().check('broken.test'), { domain: 'broken.test', status: 'unknown', reason: 'lookup-failed', detail: 'MX ESERVFAIL' });
    const slow = await checker().check('slow.test');
    assert.equal(slow.status, 'unknown');
    assert.equal(slow.detail, 'MX ETIMEOUT');
  });

  test('a resolver that does not answer at all is unknown', async () => {
    const nowhere = createDomainChecker({ servers: ['127.0.0.1:9'], timeoutMs: 200, clock });
    assert.equal((await nowhere.check('good.test')).status, 'unknown');
  });

  test('RDAP: a registration whose expiration date passed is abandoned', async () => {
    assert.equal((await checker().check('expired.test')).status, 'ok', 'without RDAP only DNS decides');
    assert.deepEqual(await checker(true).check('expired.test'), {
      domain: 'expired.test',
      status: 'abandoned',
      reason: 'registration-expired',
      detail: '2026-05-01T00:00:00Z',
    });
    assert.ok(rdapRequests.includes('/rdap/domain/expired.test'));
  });

  test('RDAP: pending delete is abandoned; a future expiration or no RDAP record changes nothing', async () => {
    assert.equal((await checker(true).check('deleting.test')).reason, 'registration-expired');
    assert.equal((await checker(true).check('good.test')).status, 'ok');
    assert.equal((await checker(true).check('implicit.test')).status, 'ok');
  });

  test('email addresses name their domain in lower-case ASCII', () => {
    assert.equal(emailDomain('Alice@Example.TEST'), 'example.test');
    assert.equal(emailDomain('bob@bücher.test'), 'xn--bcher-kva.test');
    assert.equal(emailDomain('nobody'), null);
    assert.equal(emailDomain('a@localhost'), null);
  });
});
