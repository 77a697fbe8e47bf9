// npm package names: validate-npm-package-name's rules for new packages, kept as written
// (npm names are case-sensitive only in legacy packages, which new ones may not be).
import validate from 'validate-npm-package-name';
import { invalid } from '../../platform/errors.js';

const MAX_NAME_LENGTH = 214;

export function normalizeNpmName(raw: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NAME_LENGTH) {
    throw invalid('NAME_INVALID', `A package name must be 1 to ${MAX_NAME_LENGTH} characters long.`);
  }
  const result = validate(raw);
  if (!result.validForNewPackages) {
    const reasons = [...(result.errors ?? []), ...(result.warnings ?? [])];
    throw invalid('NAME_INVALID', `${JSON.stringify(raw)} is not a valid npm package name: ${reasons.join('; ')}.`);
  }
  return raw;
}

/** `@scope/name` → `name`, as in tarball file names. */
export function baseName(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
}

export function tarballFilename(name: string, version: string): string {
  return `${baseName(name)}-${version}.tgz`;
}
