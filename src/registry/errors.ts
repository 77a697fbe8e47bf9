// Refusals of the registry core, one constructor per code so each code is written once.
import { BulwarkError, conflict, forbidden, invalid, notFound } from '../platform/errors.js';

export const packageNotFound = () => notFound('PACKAGE_NOT_FOUND', 'Package not found.');
export const versionNotFound = (version: string) => notFound('VERSION_NOT_FOUND', `Version ${version} not found.`);
export const artifactNotFound = () => notFound('ARTIFACT_NOT_FOUND', 'File not found.');
export const versionExists = (version: string) =>
  new BulwarkError('forbidden', 'VERSION_EXISTS', `You cannot publish over the previously published versions: ${version}.`);
export const versionTombstoned = (version: string) =>
  new BulwarkError(
    'forbidden',
    'VERSION_TOMBSTONED',
    `Version ${version} was published and removed before; a version number can never be reused.`,
  );
export const fileExists = (filename: string) =>
  new BulwarkError('conflict', 'FILE_EXISTS', `File already exists: ${filename}. A filename can be used only once, even after deletion.`);
// Worded without "already exists" on purpose: upload clients treat that as "skip, it is there".
export const filenameReused = () =>
  invalid('FILENAME_REUSED', 'This filename was previously used by a file that has since been deleted. Use a different version.');
export const versionYankState = (version: string, yanked: boolean) =>
  conflict('YANK_STATE', `Version ${version} is ${yanked ? 'already' : 'not'} yanked.`);
export const digestMismatch = (algorithm: string) =>
  invalid('INTEGRITY_MISMATCH', `The artifact's ${algorithm} digest does not match the one declared in the request.`);
export const artifactTooLarge = (limit: number) =>
  new BulwarkError('too_large', 'ARTIFACT_TOO_LARGE', `The artifact is larger than ${limit} bytes.`);
export const tagInvalid = (tag: string) => invalid('TAG_INVALID', `${JSON.stringify(tag)} is not a valid tag name.`);
export const tagRequired = (tag: string) => forbidden('TAG_REQUIRED', `The ${tag} tag cannot be removed.`);
export const tagNotFound = (tag: string) => notFound('TAG_NOT_FOUND', `No tag ${tag}.`);
export const unpublishWindowClosed = (version: string, hours: number) =>
  forbidden(
    'UNPUBLISH_WINDOW_CLOSED',
    `Version ${version} was published more than ${hours} hours ago and can no longer be unpublished; deprecate it instead.`,
  );
export const unpublishHasDependents = (version: string, dependents: string[]) =>
  forbidden(
    'UNPUBLISH_HAS_DEPENDENTS',
    `Version ${version} cannot be unpublished: ${dependents.slice(0, 5).join(', ')}${dependents.length > 5 ? ' and others' : ''} depend on it. Deprecate it instead.`,
  );
export const ownerNotFound = (name: string) => notFound('USER_NOT_FOUND', `No user ${name}.`);
export const lastOwner = () => forbidden('LAST_OWNER', 'A package must keep at least one owner.');
export const packageConflict = (message: string) => conflict('PACKAGE_CONFLICT', message);
