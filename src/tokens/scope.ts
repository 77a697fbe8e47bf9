import { BlockList, isIP } from 'node:net';
import { invalid } from '../platform/errors.js';

/** What a token may touch beyond its user's own rights; narrower, never wider. */
export interface TokenScope {
  /**
   * read-write: everything the user may do; read-only: reads only; publish: reads and new
   * versions or files only (no unpublish, tags, deprecation or owner changes), as minted by
   * trusted publishing.
   */
  permission: 'read-write' | 'read-only' | 'publish';
  /** When set, writes are limited to these package names and npm scopes (`@acme`). */
  packages: string[] | null;
  scopes: string[] | null;
  /** When set, the token reaches packages of this ecosystem only (`foo` on npm is not `foo` elsewhere). */
  ecosystem?: string | null;
}

export const fullScope: TokenScope = Object.freeze({ permission: 'read-write', packages: null, scopes: null });

export function tokenAllowsPackage(scope: TokenScope, packageName: string, ecosystem?: string): boolean {
  if (scope.ecosystem && scope.ecosystem !== ecosystem) return false;
  if (scope.packages === null && scope.scopes === null) return true;
  if (scope.packages?.includes(packageName)) return true;
  const packageScope = packageName.startsWith('@') ? packageName.split('/')[0] : undefined;
  return packageScope !== undefined && (scope.scopes ?? []).some((s) => s.replace(/^@?/, '@') === packageScope);
}

/** Whether a token is as wide as its user: only such a token may exercise admin rights. */
export function isUnrestricted(scope: TokenScope | null): boolean {
  return scope === null || (scope.permission === 'read-write' && scope.packages === null && scope.scopes === null && !scope.ecosystem);
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
