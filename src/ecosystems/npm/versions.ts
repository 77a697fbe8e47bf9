import semver from 'semver';
import { invalid } from '../../platform/errors.js';

export function checkNpmVersion(raw: string): string {
  if (typeof raw !== 'string' || raw.length > 256) throw invalid('VERSION_INVALID', 'A version must be a string of at most 256 characters.');
  const clean = semver.valid(raw);
  if (clean === null || clean !== raw) {
    throw invalid('VERSION_INVALID', `${JSON.stringify(raw)} is not a valid semver version.`);
  }
  return clean;
}

export function compareNpmVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

export function npmRangeIncludes(range: string, version: string): boolean {
  // Aliases (`npm:other@^1`), URLs and git specs name something else: they do not depend on us.
  if (!semver.validRange(range)) return false;
  return semver.satisfies(version, range, { includePrerelease: true });
}

export function isNpmVersionOrRange(text: string): boolean {
  return semver.validRange(text) !== null;
}
