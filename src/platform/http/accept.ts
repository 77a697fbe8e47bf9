// Content negotiation on the Accept header: the offered representation with the highest q
// (above 0), the first listed one on a tie.

/**
 * `offers` maps each media type a route accepts to the representation it means (aliases and
 * wildcards map to a concrete one). Null when the header accepts none of them.
 */
export function negotiate(accept: string, offers: Readonly<Record<string, string>>): string | null {
  let best: { value: string; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [rawType = '', ...params] = part.trim().split(';');
    const value = offers[rawType.trim().toLowerCase()];
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    if (value !== undefined && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { value, q };
  }
  return best?.value ?? null;
}
