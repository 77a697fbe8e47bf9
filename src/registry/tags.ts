import type { EcosystemRules } from './types.js';
import { tagInvalid } from './errors.js';

// Tag names: no whitespace or separators that would confuse URLs, and never a version range
// (a tag that parses as a range is ambiguous in `npm install pkg@<tag>`).
const TAG = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** Refuses a tag name that is malformed or reads as a version or range. */
export function checkTag(rules: EcosystemRules, tag: string): void {
  if (!TAG.test(tag) || rules.isVersionRange(tag)) throw tagInvalid(tag);
}
