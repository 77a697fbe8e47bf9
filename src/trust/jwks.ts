// An issuer's signing keys: discovered from its OpenID configuration, fetched with jose's remote
// JWKS (which caches keys and refetches at most every 30 s when a token names an unknown key).
// These fetches are trusted publishing's only network calls, so each has a timeout and a size
// limit, follows no redirect, and the number of issuers kept is bounded.
import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import type { ResolvedIssuer } from './issuers.js';

/** A failure on the issuer's side (unreachable, slow, odd answer), not the token's. */
export class IssuerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IssuerUnavailableError';
  }
}

export interface KeyResolverOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** How long a discovered `jwks_uri` is used before the configuration is read again. */
  discoveryMaxAgeMs?: number;
  maxIssuers?: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to a loopback address when the issuer itself is one (test issuers). */
function acceptableUrl(text: unknown, issuer: string): text is string {
  if (typeof text !== 'string') return false;
  try {
    const url = new URL(text);
    if (url.username || url.password) return false;
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && LOOPBACK_HOSTS.has(new URL(issuer).hostname);
  } catch {
    return false;
  }
}

/** fetch, refusing redirects and bodies larger than `maxBytes`. */
async function fetchLimited(url: string, init: RequestInit, maxBytes: number): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  if (response.status !== 200) {
    await response.body?.cancel();
    return new Response(null, { status: response.status });
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new IssuerUnavailableError(`${url} answered more than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new IssuerUnavailableError(`${url} answered more than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  return new Response(Buffer.concat(chunks), { status: 200, headers: { 'content-type': response.headers.get('content-type') ?? '' } });
}

export function createKeyResolver(options: KeyResolverOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const discoveryMaxAgeMs = options.discoveryMaxAgeMs ?? 3_600_000;
  const maxIssuers = options.maxIssuers ?? 256;
  const cache = new Map<string, { at: number; keys: Promise<JWTVerifyGetKey> }>();

  async function discover(iss: string): Promise<string> {
    const url = `${iss}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetchLimited(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) }, 64 * 1024);
      if (response.status !== 200) throw new IssuerUnavailableError(`${url} answered ${response.status}`);
      document = await response.json();
    } catch (error) {
      throw error instanceof IssuerUnavailableError ? error : new IssuerUnavailableError(`${url} could not be read`, { cause: error });
    }
    const config = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
    // OpenID Connect Discovery §4.3: the document's issuer must be the one it was fetched for.
    if (config.issuer !== iss) throw new IssuerUnavailableError(`${url} names another issuer`);
    if (!acceptableUrl(config.jwks_uri, iss)) throw new IssuerUnavailableError(`${url} has no usable jwks_uri`);
    return config.jwks_uri;
  }

  async function load(issuer: ResolvedIssuer): Promise<JWTVerifyGetKey> {
    const jwksUrl = issuer.setting.jwksUrl ?? (await discover(issuer.iss));
    const remote = createRemoteJWKSet(new URL(jwksUrl), {
      timeoutDuration: timeoutMs,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
      [customFetch]: (url, init) => fetchLimited(url, init as RequestInit, maxBytes),
    });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        // A key the set does not hold is the token's fault; anything else is the issuer's.
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
        throw error instanceof IssuerUnavailableError ? error : new IssuerUnavailableError(`${jwksUrl} could not be read`, { cause: error });
      }
    };
  }

  return {
    /** The key lookup for this issuer's tokens; discovery happens once per hour per issuer. */
    keysFor(issuer: ResolvedIssuer, now: number): Promise<JWTVerifyGetKey> {
      const hit = cache.get(issuer.iss);
      if (hit && now - hit.at < discoveryMaxAgeMs) return hit.keys;
      if (!hit && cache.size >= maxIssuers) cache.delete(cache.keys().next().value!);
      const keys = load(issuer);
      cache.set(issuer.iss, { at: now, keys });
      // A failed discovery is not kept: the next exchange tries again.
      keys.catch(() => {
        if (cache.get(issuer.iss)?.keys === keys) cache.delete(issuer.iss);
      });
      return keys;
    },
  };
}

export type KeyResolver = ReturnType<typeof createKeyResolver>;
