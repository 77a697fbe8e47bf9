// PyPI project names: the core-metadata `Name` grammar (PEP 508, as Warehouse checks it), looked
// up by their PEP 503 normalized form. Validation happens before normalization, so a name that
// only becomes valid once lower-cased or collapsed is still refused.
import { invalid } from '../../platform/errors.js';

export const MAX_NAME_LENGTH = 200;

// Written as explicit ASCII ranges, never `[a-z]` with the `i` flag: under the `u` flag, case
// folding lets U+212A KELVIN SIGN match `k` and U+017F LONG S match `s`.
const PROJECT_NAME = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;

/** PEP 503: runs of `-`, `_` and `.` become one `-`, then lower case. No validation. */
export function normalizePypiName(raw: string): string {
  return raw.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Validates a project name as written and returns its normalized form. */
export function checkProjectName(raw: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NAME_LENGTH) {
    throw invalid('NAME_INVALID', `A project name must be 1 to ${MAX_NAME_LENGTH} characters long.`);
  }
  // Its own message, because a homoglyph (Cyrillic `а` for Latin `a`) looks valid on screen;
  // quoteForMessage shows it as `\u0430`.
  if (/[^\x20-\x7e]/.test(raw)) {
    throw invalid(
      'NAME_INVALID',
      `${quoteForMessage(raw)} is not a valid project name: it contains a non-ASCII or control character; only ASCII letters, digits, '.', '_' and '-' are allowed.`,
    );
  }
  if (!PROJECT_NAME.test(raw)) {
    throw invalid(
      'NAME_INVALID',
      `${quoteForMessage(raw)} is not a valid project name: it must start and end with an ASCII letter or digit and contain only letters, digits, '.', '_' and '-'.`,
    );
  }
  return normalizePypiName(raw);
}

/** The name as it appears in distribution filenames (PEP 625 sdists, wheels): normalized, `_` for `-`. */
export function filenameEscape(normalized: string): string {
  return normalized.replace(/-/g, '_');
}

/**
 * Quotes client text for an error message: anything outside printable ASCII is written as a
 * `\uXXXX` escape, so homoglyphs show and the message stays safe for an HTTP reason phrase.
 */
export function quoteForMessage(text: string, max = 100): string {
  let out = '';
  for (const ch of text.slice(0, max)) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `"${out}"${text.length > max ? '...' : ''}`;
}
