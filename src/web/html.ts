// The one way web pages build HTML: a tagged template whose interpolations are escaped unless
// they are already SafeHtml. SafeHtml comes only from `html` itself or from `trustedHtml`, whose
// callers (the markdown sanitizer, the layout) answer for what they pass. An array is rendered
// item by item with the same rule, however deeply nested, so a list of strings cannot smuggle
// markup in. No attribute is ever written unquoted, so escaping `"` and `'` closes attributes.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup that is known to be safe. Cannot be forged by an object of the same shape. */
export class SafeHtml {
  readonly #markup: string;

  constructor(markup: string, brand: typeof BRAND) {
    if (brand !== BRAND) throw new TypeError('SafeHtml is made by html`` or trustedHtml()');
    this.#markup = markup;
  }

  static is(value: unknown): value is SafeHtml {
    return typeof value === 'object' && value !== null && #markup in value;
  }

  toString(): string {
    return this.#markup;
  }
}

const BRAND: unique symbol = Symbol('SafeHtml');

/** A value `html` can interpolate. `null`, `undefined` and `false` render as nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: unknown, depth: number): string {
  if (SafeHtml.is(value)) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) {
    if (depth > 32) throw new RangeError('html: arrays nested too deeply');
    return value.map((item) => render(item, depth + 1)).join('');
  }
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i], 0) + (strings[i + 1] ?? '');
  return new SafeHtml(out, BRAND);
}

/**
 * Marks markup as safe without escaping it. Only for markup produced by code that guarantees it
 * (the README sanitizer); never for anything a request or a package carries.
 */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup, BRAND);
}

/** An http(s) URL from untrusted data (a package's homepage), or null. */
export function safeHttpUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
