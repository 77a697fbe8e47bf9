// PEP 440 versions and specifiers. @renovatebot/pep440 does the parsing and the ordering;
// matching a specifier is done here, after `packaging.specifiers` (v26), because the library's
// exclusive `<`/`>` and its `==X.*` differ from it (see test/unit/pypi-versions.test.ts).
import pep440 from '@renovatebot/pep440';
import { invalid } from '../../platform/errors.js';
import { quoteForMessage } from './names.js';

export const MAX_VERSION_LENGTH = 128;

/** What `explain` really returns: its typings claim `post`/`dev` are arrays; they are numbers. */
interface Parsed {
  epoch: number;
  release: number[];
  pre: [string, number] | null;
  post: number | null;
  dev: number | null;
  local: string | null;
  is_prerelease: boolean;
  is_postrelease: boolean;
}

function explain(text: string): Parsed | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_VERSION_LENGTH) return null;
  // The library's `valid`/`explain` regex has no `\s`, so surrounding whitespace is refused
  // (Warehouse: "Cannot have leading or trailing whitespace.").
  const parsed = pep440.explain(text) as unknown as Parsed | null;
  if (!parsed) return null;
  // The library turns every number into a JS number: 2^53 and above would silently round
  // (`99999999999999999999` → `100000000000000000000`), and two different versions could then
  // compare equal. Refuse them rather than store a version we cannot order.
  const numbers = [parsed.epoch, ...parsed.release, parsed.pre?.[1] ?? 0, parsed.post ?? 0, parsed.dev ?? 0];
  if (!numbers.every((n) => Number.isSafeInteger(n))) return null;
  // Local segments go through Number() too, so `0x1`, `1e5` and `Infinity` read as numbers.
  // (`explain` has already converted them, so look at the text as written.)
  const local = text.includes('+') ? text.slice(text.indexOf('+') + 1).split(/[-_.]/) : [];
  if (!local.every((s) => /^[0-9]+$/.test(s) || Number.isNaN(Number(s)))) return null;
  return parsed;
}

/** packaging's `str(Version(v))`: the normalized PEP 440 spelling. */
function stringify(v: Parsed): string {
  let out = v.epoch !== 0 ? `${v.epoch}!` : '';
  out += v.release.join('.');
  if (v.pre) out += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== null) out += `.post${v.post}`;
  if (v.dev !== null) out += `.dev${v.dev}`;
  if (v.local !== null) out += `+${v.local}`;
  return out;
}

/** Validates a version and returns its canonical spelling (`1.0.0-RC1` → `1.0.0rc1`). */
export function checkPypiVersion(raw: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_VERSION_LENGTH) {
    throw invalid('VERSION_INVALID', `A version must be 1 to ${MAX_VERSION_LENGTH} characters long.`);
  }
  const parsed = explain(raw);
  if (!parsed) {
    throw invalid('VERSION_INVALID', `${quoteForMessage(raw)} is not a valid PEP 440 version.`);
  }
  if (parsed.local !== null) {
    throw invalid('VERSION_LOCAL_NOT_ALLOWED', `${quoteForMessage(raw)} has a local version label (+${parsed.local}); a package index does not accept local versions.`);
  }
  return stringify(parsed);
}

/** The canonical spelling, or null when the text is not a PEP 440 version (local labels allowed). */
export function canonicalPypiVersion(text: string): string | null {
  const parsed = explain(text);
  return parsed ? stringify(parsed) : null;
}

/**
 * packaging's `canonicalize_version`: canonical, without trailing `.0`s in the release. `1.0` and
 * `1.0.0` are the same PEP 440 version (Warehouse keys releases on this), though not the same string.
 */
export function pypiReleaseKey(version: string): string {
  const parsed = explain(version);
  if (!parsed) throw invalid('VERSION_INVALID', `${quoteForMessage(version)} is not a valid PEP 440 version.`);
  const release = [...parsed.release];
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  return stringify({ ...parsed, release });
}

export function isPypiPrerelease(version: string): boolean {
  return explain(version)?.is_prerelease ?? false;
}

/** PEP 440 ordering, as -1, 0 or 1. `1.0` and `1.0.0` compare equal. */
export function comparePypiVersions(a: string, b: string): number {
  for (const v of [a, b]) {
    // The library throws a TypeError on a version it cannot parse.
    if (!explain(v)) throw invalid('VERSION_INVALID', `${quoteForMessage(v)} is not a valid PEP 440 version.`);
  }
  return Math.sign(pep440.compare(a, b));
}

// ---- Specifiers (PEP 440 "Version specifiers", as packaging.specifiers.Specifier) ----

type Operator = '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';

interface Clause {
  op: Operator;
  /** The spec's version (without `.*`); null for `===`. */
  version: Parsed | null;
  text: string;
  wildcard: boolean;
}

const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*(.*)$/s;

function parseClause(raw: string): Clause | null {
  const m = CLAUSE.exec(raw);
  if (!m) return null;
  const op = m[1] as Operator;
  const text = m[2] ?? '';
  if (op === '===') {
    // Arbitrary equality: any run of characters other than whitespace, `;` and `)`.
    return /^[^\s;)]*$/.test(text) ? { op, version: null, text, wildcard: false } : null;
  }
  const wildcard = (op === '==' || op === '!=') && text.endsWith('.*');
  const version = explain(wildcard ? text.slice(0, -2) : text);
  if (!version) return null;
  // A wildcard cannot follow a pre, post, dev or local part (`==1.0rc1.*` is not a specifier).
  if (wildcard && (version.pre || version.post !== null || version.dev !== null || version.local !== null)) return null;
  // Local versions only with `==` and `!=`.
  if (version.local !== null && op !== '==' && op !== '!=') return null;
  // `~=1` has no prefix to stay within.
  if (op === '~=' && version.release.length < 2) return null;
  return { op, version, text, wildcard };
}

/** The clauses of a specifier set; [] means "any version"; null when invalid. */
function parseSpecifierSet(text: string): Clause[] | null {
  if (typeof text !== 'string' || text.length > 1000) return null;
  let body = text.trim();
  // Core metadata 1.x wrote `Requires-Dist: foo (>=1.0)`; take the inside of one pair of parens.
  const paren = /^\((.*)\)$/s.exec(body);
  if (paren) body = (paren[1] ?? '').trim();
  const clauses: Clause[] = [];
  // packaging skips empty pieces, so `>=1,` and `>=1,,<2` are valid.
  for (const piece of body.split(',')) {
    const trimmed = piece.trim();
    if (trimmed === '') continue;
    const clause = parseClause(trimmed);
    if (!clause) return null;
    clauses.push(clause);
  }
  return clauses;
}

const cmp = (a: Parsed, b: Parsed): number => Math.sign(pep440.compare(stringify(a), stringify(b)));
const publicOf = (v: Parsed): Parsed => ({ ...v, local: null });
const baseOf = (v: Parsed): Parsed => ({ ...v, pre: null, post: null, dev: null, local: null, is_prerelease: false, is_postrelease: false });

/** `==X.*`: same epoch, and the release starts with X's release once padded with zeros. */
function prefixMatches(v: Parsed, prefix: Parsed): boolean {
  if (v.epoch !== prefix.epoch) return false;
  return prefix.release.every((n, i) => (v.release[i] ?? 0) === n);
}

function clauseContains(c: Clause, v: Parsed): boolean {
  if (c.op === '===') return stringify(v).toLowerCase() === c.text.toLowerCase();
  const spec = c.version as Parsed;
  switch (c.op) {
    case '~=': {
      const prefix = { ...baseOf(spec), release: spec.release.slice(0, -1) };
      return cmp(publicOf(v), spec) >= 0 && prefixMatches(v, prefix);
    }
    case '==':
    case '!=': {
      let equal: boolean;
      if (c.wildcard) equal = prefixMatches(v, spec);
      // A spec without a local label ignores the candidate's local label.
      else equal = cmp(spec.local === null ? publicOf(v) : v, spec) === 0;
      return c.op === '==' ? equal : !equal;
    }
    case '<=':
      return cmp(publicOf(v), spec) <= 0;
    case '>=':
      return cmp(publicOf(v), spec) >= 0;
    case '<':
      // `<V` does not admit a pre-release of V itself, unless V is one.
      if (cmp(v, spec) >= 0) return false;
      return !(!spec.is_prerelease && v.is_prerelease && cmp(baseOf(v), baseOf(spec)) === 0);
    case '>':
      // `>V` does not admit a post-release of V (unless V is one) nor V with a local label.
      if (cmp(v, spec) <= 0) return false;
      if (!spec.is_postrelease && v.is_postrelease && cmp(baseOf(v), baseOf(spec)) === 0) return false;
      return !(v.local !== null && cmp(baseOf(v), baseOf(spec)) === 0);
  }
}

/**
 * Whether a PEP 440 specifier set (`>=1.0,<2`, `~=1.4`, `==1.*`, `` for any) admits a version.
 * Pre-releases count as admitted, as with `pip install --pre`: a resolver may pick one (pip does
 * when nothing else fits), so a dependent on `>=1` does depend on `2.0rc1`. Invalid text admits nothing.
 */
export function pypiRangeIncludes(specifier: string, version: string): boolean {
  const v = explain(version);
  const clauses = parseSpecifierSet(specifier);
  if (!v || !clauses) return false;
  return clauses.every((c) => clauseContains(c, v));
}

/** Whether the text reads as a PEP 440 version or a non-empty specifier set. */
export function isPypiVersionOrRange(text: string): boolean {
  if (typeof text !== 'string' || text.trim() === '') return false;
  if (explain(text)) return true;
  const clauses = parseSpecifierSet(text);
  return clauses !== null && clauses.length > 0;
}
