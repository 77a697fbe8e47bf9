// Leaked-password check (NIST 800-63B §5.1.1.2: refuse passwords known from breaches) against
// Pwned Passwords by k-anonymity: only the first 5 hex digits of the password's SHA-1 leave
// this process, and the answer lists every known suffix under that prefix. The same data can
// be read from disk (the official downloader writes one `<PREFIX>.txt` per prefix, lines
// `SUFFIX:COUNT`), for installations that must not call out.
//
// When the API cannot be reached (timeout, error status, garbage) the check fails open: the
// password is accepted and a warning is logged. Refusing every registration and password
// change while a third-party service is down would be worse than missing a leak for a while;
// the next sign-in checks again.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../platform/log.js';

export interface BreachedPasswords {
  /** true: known leaked; false: not found; null: could not be checked (logged). */
  isLeaked(password: string): Promise<boolean | null>;
}

export type BreachedPasswordsOptions =
  | { mode: 'off' }
  | { mode: 'api'; baseUrl: string; timeoutMs?: number; log?: Logger }
  | { mode: 'dir'; dir: string; log?: Logger };

const MAX_RANGE_BYTES = 2 * 1024 * 1024;
const PREFIX = /^[0-9A-F]{5}$/;

export function createBreachedPasswords(options: BreachedPasswordsOptions): BreachedPasswords {
  if (options.mode === 'off') return { isLeaked: async () => false };
  const fetchRange = options.mode === 'api' ? apiRange(options.baseUrl, options.timeoutMs ?? 3000) : dirRange(options.dir);
  return {
    async isLeaked(password) {
      const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
      const prefix = digest.slice(0, 5);
      try {
        const range = await fetchRange(prefix);
        return rangeContains(range, digest.slice(5));
      } catch (error) {
        options.log?.warn({ err: error, 'pwned.mode': options.mode }, 'leaked-password check unavailable; password accepted unchecked');
        return null;
      }
    },
  };
}

/** True when a `SUFFIX:COUNT` line lists the suffix with a count above 0 (0 = padding). */
export function rangeContains(range: string, suffix: string): boolean {
  const wanted = suffix.toUpperCase();
  for (const line of range.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (line.slice(0, colon).trim().toUpperCase() !== wanted) continue;
    return Number.parseInt(line.slice(colon + 1).trim(), 10) > 0;
  }
  return false;
}

function apiRange(baseUrl: string, timeoutMs: number) {
  const base = baseUrl.replace(/\/+$/, '');
  return async (prefix: string): Promise<string> => {
    const response = await fetch(`${base}/range/${prefix}`, {
      // Padding hides the real number of suffixes under the prefix from anyone on the wire.
      headers: { 'Add-Padding': 'true', 'User-Agent': 'bulwark-registry' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`range API answered ${response.status}`);
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_RANGE_BYTES) throw new Error('range answer too large');
    return readCapped(response, MAX_RANGE_BYTES);
  };
}

/** The body as text, refusing (and stopping the download) past `max` bytes, with or without a Content-Length. */
async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error('range answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function dirRange(dir: string) {
  return async (prefix: string): Promise<string> => {
    if (!PREFIX.test(prefix)) throw new Error('bad prefix');
    try {
      return await readFile(join(dir, `${prefix}.txt`), 'utf8');
    } catch (error) {
      // The downloader writes every prefix; a partial dataset (a curated list, a test fixture)
      // simply knows nothing under the prefixes it lacks. Other read errors are "unavailable".
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  };
}

/** The check the settings ask for: an offline dataset wins over the API; `off` turns it off. */
export function breachedPasswordsOptions(settings: { leakCheckUrl: string; leakCheckDir?: string | undefined; leakCheckTimeoutMs: number }, log?: Logger): BreachedPasswordsOptions {
  const withLog = log ? { log } : {};
  if (settings.leakCheckDir) return { mode: 'dir', dir: settings.leakCheckDir, ...withLog };
  if (settings.leakCheckUrl === 'off') return { mode: 'off' };
  return { mode: 'api', baseUrl: settings.leakCheckUrl, timeoutMs: settings.leakCheckTimeoutMs, ...withLog };
}
