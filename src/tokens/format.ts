// Token text: `bwk_` + 43 base62 characters of 256 random bits + a 6-character CRC32 checksum.
// The fixed prefix and checksum let secret scanners find leaked tokens without false positives
// (the scheme large code hosts and package indexes use), and let us reject typos before touching the database.
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_PREFIX = 'bwk_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const TOKEN_PATTERN = /^bwk_[0-9A-Za-z]{49}$/;

function base62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(width, '0');
}

function checksumOf(body: string): string {
  return base62(BigInt(crc32(body)), 6);
}

export function generateToken(): string {
  const body = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), 43);
  return `${TOKEN_PREFIX}${body}${checksumOf(body)}`;
}

/** True when the text has the token shape and its checksum matches. */
export function looksLikeToken(text: string): boolean {
  if (!TOKEN_PATTERN.test(text)) return false;
  const body = text.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 43);
  return checksumOf(body) === text.slice(-6);
}
