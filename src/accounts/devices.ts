// Known devices: where a user has signed in from before. A device is the pair (user-agent family
// and operating system, network), the network being the IPv4 /24 or IPv6 /48 of the address.
// Coarse on purpose: a browser update or a new DHCP lease on the same network is the same device,
// while another browser or another network is a new one, which is what an account owner wants
// to hear about. Only a digest of the pair is the key; the label shown in mail and the security
// log names the family, system and network, never the full address or user agent.
import type { Kysely, Transaction } from 'kysely';
import { isIP } from 'node:net';
import type { Database } from '../platform/db/index.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { sha256Hex } from '../platform/crypto.js';
import { appendEvent } from '../events/index.js';

export interface DeviceInfo {
  userAgent: string | undefined;
  ip: string | undefined;
  /** How the user came in: a web sign-in or a CLI login token. */
  via: 'web' | 'cli';
}

const FAMILIES: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\b(Chrome|Chromium|CriOS|HeadlessChrome)\//, 'Chrome'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\bVersion\/[\d.]+.*Safari\//, 'Safari'],
  [/^npm\//, 'npm'],
  [/^pnpm\//, 'pnpm'],
  [/^yarn\//, 'yarn'],
  [/^pip\//, 'pip'],
  [/^twine\//, 'twine'],
  [/^curl\//, 'curl'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iOS/, 'iOS'],
  [/Windows|win32/, 'Windows'],
  [/Mac OS X|Macintosh|darwin/, 'macOS'],
  [/Linux|linux/, 'Linux'],
  [/BSD/i, 'BSD'],
];

function family(userAgent: string): string {
  for (const [pattern, name] of FAMILIES) if (pattern.test(userAgent)) return name;
  // Something else: its first product token, kept short and plain.
  const product = /^([A-Za-z][A-Za-z0-9._-]{0,31})\//.exec(userAgent)?.[1];
  return product ?? 'unknown client';
}

function system(userAgent: string): string {
  for (const [pattern, name] of SYSTEMS) if (pattern.test(userAgent)) return name;
  return 'unknown system';
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const missing = address.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** The network an address belongs to, as a CIDR: IPv4 /24, IPv6 /48. */
export function networkOf(ip: string | undefined): string {
  if (!ip) return 'unknown network';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = (mapped ?? ip).split('%')[0]!;
  if (isIP(address) === 4) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIP(address) === 6) return `${expandIpv6(address).slice(0, 3).join(':')}::/48`;
  return 'unknown network';
}

export function describeDevice(device: DeviceInfo): { key: string; label: string } {
  const userAgent = (device.userAgent ?? '').slice(0, 512);
  const what = `${family(userAgent)} on ${system(userAgent)}`;
  const network = networkOf(device.ip);
  return { key: sha256Hex(`${what}\u0000${network}`), label: `${what}, ${network}` };
}

/**
 * Records the device for the user, in the caller's transaction. An unseen device of a user who
 * has signed in before becomes a `session:new-device` event; a user's very first device is
 * recorded silently (the sign-in right after an account is made is not news to its owner).
 */
export async function rememberDevice(trx: Transaction<Database> | Kysely<Database>, clock: Clock, userId: number, device: DeviceInfo): Promise<boolean> {
  const { key, label } = describeDevice(device);
  const now = isoNow(clock);
  const seen = await trx
    .updateTable('known_devices')
    .set({ last_seen_at: now })
    .where('user_id', '=', userId)
    .where('device_key', '=', key)
    .executeTakeFirst();
  if (Number(seen.numUpdatedRows) > 0) return false;
  const others = await trx.selectFrom('known_devices').select('device_key').where('user_id', '=', userId).limit(1).execute();
  const inserted = await trx
    .insertInto('known_devices')
    .values({ user_id: userId, device_key: key, label, first_seen_at: now, last_seen_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'device_key']).doNothing())
    .executeTakeFirst();
  // A simultaneous sign-in from the same new device inserted it first: one event is enough.
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0 || others.length === 0) return false;
  const user = await trx.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow();
  await appendEvent(trx, clock, {
    type: 'session:new-device',
    actor: { userId },
    subject: `user:${user.name}`,
    data: { userId, device: label, via: device.via },
  });
  return true;
}
