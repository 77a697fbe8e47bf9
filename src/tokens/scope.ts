import { BlockList, isIP } from 'node:net';
import { invalid } from '../platform/errors.js';

/** What a token may touch beyond its user's own rights; narrower, never wider. */
export interface TokenScope {
  /** read-write: everything the user may do; read-only: reads only. */
  permission: 'read-write' | 'read-only';
  /** When set, writes are limited to these package names and npm scopes (`@acme`). */
  packages: string[] | null;
  scopes: string[] | null;
}

export const fullScope: TokenScope = Object.freeze({ permission: 'read-write', packages: null, scopes: null });

export function tokenAllowsPackage(scope: TokenScope, packageName: string): boolean {
  if (scope.packages === null && scope.scopes === null) return true;
  if (scope.packages?.includes(packageName)) return true;
  const packageScope = packageName.startsWith('@') ? packageName.split('/')[0] : undefined;
  return packageScope !== undefined && (scope.scopes ?? []).some((s) => s.replace(/^@?/, '@') === packageScope);
}

export function parseCidrList(list: unknown): string[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || list.length > 32) throw invalid('TOKEN_CIDR_INVALID', 'cidr_whitelist must be a list of at most 32 CIDR ranges.');
  return list.map((entry) => {
    const [address, prefix] = String(entry).split('/');
    const family = isIP(address ?? '');
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (!family || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      throw invalid('TOKEN_CIDR_INVALID', `${JSON.stringify(entry)} is not a CIDR range.`);
    }
    return `${address}/${bits}`;
  });
}

export function ipAllowed(cidrs: readonly string[], ip: string | undefined): boolean {
  if (cidrs.length === 0) return true;
  if (!ip) return false;
  const clean = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    list.addSubnet(address!, Number(prefix), isIP(address!) === 6 ? 'ipv6' : 'ipv4');
  }
  return list.check(clean, isIP(clean) === 6 ? 'ipv6' : 'ipv4');
}
