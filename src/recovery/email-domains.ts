// Is an email domain abandoned? A lapsed domain can be registered by anyone, who then receives
// the mail (recovery links included) of every account that still lists an address there. We ask
// DNS, through a node:dns Resolver with configurable servers:
//   - NXDOMAIN for the domain: abandoned;
//   - MX records: only a null MX (`.` preference 0, RFC 7505) means "no mail here"; MX hosts that
//     all have no address mean no route either;
//   - no MX: the implicit MX of RFC 5321 §5.1 is the domain's own A/AAAA; none means no route;
//   - the zone's nameservers (NS, walking up to the zone apex): when none of them has an address
//     any more, whoever registers the nameservers' domain controls this one;
//   - optionally RDAP (`<base>/domain/<name>`): an `expiration` event in the past, or a
//     `pending delete` / `redemption period` status, means the registration lapsed.
// SERVFAIL, timeouts and unreachable resolvers are `unknown`, and unknown never counts as
// abandoned: an outage must not flag accounts or refuse recoveries.
import { Resolver } from 'node:dns/promises';
import { domainToASCII } from 'node:url';
import type { Clock } from '../platform/clock.js';

export type DomainStatus = 'ok' | 'abandoned' | 'unknown';
export type DomainReason =
  | 'mail-route'
  | 'nxdomain'
  | 'null-mx'
  | 'no-mail-route'
  | 'mx-hosts-gone'
  | 'nameservers-gone'
  | 'registration-expired'
  | 'lookup-failed'
  | 'invalid-domain';

export interface DomainVerdict {
  domain: string;
  status: DomainStatus;
  reason: DomainReason;
  /** For logs: the DNS error code or RDAP date behind an unknown or abandoned verdict. */
  detail?: string;
}

export interface DomainCheckerOptions {
  /** `host` or `host:port` of resolvers; empty uses the system's. */
  servers?: readonly string[];
  timeoutMs: number;
  /** RDAP base URL (the domain's lookup is `<base>/domain/<name>`); unset skips RDAP. */
  rdapUrl?: string | undefined;
  clock: Clock;
}

export interface DomainChecker {
  check(domain: string): Promise<DomainVerdict>;
}

type Lookup<T> = { kind: 'records'; records: T[] } | { kind: 'nodata' } | { kind: 'nxdomain' } | { kind: 'failed'; code: string };

const RDAP_MAX_BYTES = 256 * 1024;
const RDAP_LAPSED_STATUSES = new Set(['pending delete', 'redemption period']);

/** The domain part of an address, lower-cased and in ASCII (punycode), or null. */
export function emailDomain(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 1) return null;
  return normalizeDomain(address.slice(at + 1));
}

function normalizeDomain(text: string): string | null {
  const ascii = domainToASCII(text.trim().replace(/\.$/, '').toLowerCase());
  if (!ascii || ascii.length > 253 || !ascii.includes('.')) return null;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(ascii) ? ascii : null;
}

export function createDomainChecker(options: DomainCheckerOptions): DomainChecker {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);

  async function lookup<T>(query: () => Promise<T[]>): Promise<Lookup<T>> {
    try {
      const records = await query();
      return records.length > 0 ? { kind: 'records', records } : { kind: 'nodata' };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      if (code === 'ENOTFOUND') return { kind: 'nxdomain' };
      if (code === 'ENODATA') return { kind: 'nodata' };
      return { kind: 'failed', code };
    }
  }

  /** Whether a host has an address: yes, no (NXDOMAIN or no A/AAAA), or failed (unknown). */
  async function hasAddress(host: string): Promise<'yes' | 'no' | { failed: string }> {
    const [a, aaaa] = await Promise.all([lookup(() => resolver.resolve4(host)), lookup(() => resolver.resolve6(host))]);
    if (a.kind === 'records' || aaaa.kind === 'records') return 'yes';
    if (a.kind === 'failed') return { failed: a.code };
    if (aaaa.kind === 'failed') return { failed: aaaa.code };
    return 'no';
  }

  /** Of several hosts: does any have an address; if none, did every lookup answer? */
  async function anyHasAddress(hosts: string[]): Promise<'yes' | 'no' | { failed: string }> {
    const results = await Promise.all(hosts.map(hasAddress));
    if (results.includes('yes')) return 'yes';
    const failed = results.find((r): r is { failed: string } => typeof r === 'object');
    return failed ?? 'no';
  }

  async function mailRoute(domain: string): Promise<DomainVerdict> {
    const mx = await lookup(() => resolver.resolveMx(domain));
    if (mx.kind === 'nxdomain') return { domain, status: 'abandoned', reason: 'nxdomain' };
    if (mx.kind === 'failed') return { domain, status: 'unknown', reason: 'lookup-failed', detail: `MX ${mx.code}` };
    if (mx.kind === 'records') {
      const hosts = mx.records.map((r) => r.exchange.replace(/\.$/, '')).filter((host) => host !== '');
      if (hosts.length === 0) return { domain, status: 'abandoned', reason: 'null-mx' };
      const route = await anyHasAddress(hosts);
      if (route === 'yes') return { domain, status: 'ok', reason: 'mail-route' };
      if (route === 'no') return { domain, status: 'abandoned', reason: 'mx-hosts-gone' };
      return { domain, status: 'unknown', reason: 'lookup-failed', detail: `MX host ${route.failed}` };
    }
    // No MX at all: RFC 5321 §5.1's implicit MX is the domain itself.
    const implicit = await hasAddress(domain);
    if (implicit === 'yes') return { domain, status: 'ok', reason: 'mail-route' };
    if (implicit === 'no') return { domain, status: 'abandoned', reason: 'no-mail-route' };
    return { domain, status: 'unknown', reason: 'lookup-failed', detail: `A/AAAA ${implicit.failed}` };
  }

  /**
   * The zone apex holding the domain (the nearest name with NS records, never a TLD) and whether
   * its nameservers still exist.
   */
  async function nameservers(domain: string): Promise<{ apex: string; verdict: DomainVerdict | null }> {
    const labels = domain.split('.');
    for (let i = 0; i <= labels.length - 2; i++) {
      const name = labels.slice(i).join('.');
      const ns = await lookup(() => resolver.resolveNs(name));
      if (ns.kind === 'nodata') continue;
      if (ns.kind === 'nxdomain') return { apex: name, verdict: { domain, status: 'abandoned', reason: 'nxdomain', detail: `NS ${name}` } };
      if (ns.kind === 'failed') return { apex: name, verdict: { domain, status: 'unknown', reason: 'lookup-failed', detail: `NS ${ns.code}` } };
      const hosts = ns.records.map((host) => host.replace(/\.$/, '')).filter((host) => host !== '');
      const reachable = await anyHasAddress(hosts);
      if (reachable === 'no') return { apex: name, verdict: { domain, status: 'abandoned', reason: 'nameservers-gone', detail: hosts.join(',') } };
      if (reachable === 'yes') return { apex: name, verdict: null };
      return { apex: name, verdict: { domain, status: 'unknown', reason: 'lookup-failed', detail: `NS host ${reachable.failed}` } };
    }
    return { apex: labels.slice(-2).join('.'), verdict: null };
  }

  /** An RDAP answer saying the registration lapsed, or null (fine, or no answer). */
  async function rdapLapsed(domain: string, apex: string): Promise<DomainVerdict | null> {
    if (!options.rdapUrl) return null;
    const url = `${options.rdapUrl.replace(/\/+$/, '')}/domain/${encodeURIComponent(apex)}`;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/rdap+json, application/json' },
        redirect: 'follow',
        signal: AbortSignal.timeout(options.timeoutMs * 2),
      });
      if (response.status !== 200) return null;
      const body = await response.text();
      if (body.length > RDAP_MAX_BYTES) return null;
      const data = JSON.parse(body) as { events?: unknown; status?: unknown };
      const events = Array.isArray(data.events) ? (data.events as Array<Record<string, unknown>>) : [];
      const expiration = events.find((e) => e?.eventAction === 'expiration' && typeof e.eventDate === 'string');
      const expires = expiration ? Date.parse(expiration.eventDate as string) : NaN;
      if (Number.isFinite(expires) && expires <= options.clock.now().getTime()) {
        return { domain, status: 'abandoned', reason: 'registration-expired', detail: expiration!.eventDate as string };
      }
      const statuses = Array.isArray(data.status) ? data.status.filter((s): s is string => typeof s === 'string') : [];
      const lapsed = statuses.find((s) => RDAP_LAPSED_STATUSES.has(s.toLowerCase()));
      if (lapsed) return { domain, status: 'abandoned', reason: 'registration-expired', detail: lapsed };
      return null;
    } catch {
      return null;
    }
  }

  return {
    async check(input) {
      const domain = normalizeDomain(input);
      if (!domain) return { domain: input, status: 'unknown', reason: 'invalid-domain' };
      const route = await mailRoute(domain);
      if (route.status === 'abandoned') return route;
      const ns = await nameservers(domain);
      if (ns.verdict?.status === 'abandoned') return ns.verdict;
      const lapsed = await rdapLapsed(domain, ns.apex);
      if (lapsed) return lapsed;
      return route.status === 'unknown' ? route : (ns.verdict ?? route);
    },
  };
}
