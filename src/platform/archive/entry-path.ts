// Entry-path rules shared by every archive reader (tar.gz, zip): one definition of what a safe
// path inside a package looks like, so the formats cannot drift apart.
import { invalid } from '../errors.js';

// C0/C1 controls, bidi overrides and zero-width characters: they make a path display as
// something it is not.
const DECEPTIVE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** Checks an entry path and returns it normalised (no leading `./`, no trailing `/`). */
export function checkEntryPath(raw: string, maxLength: number): string {
  if (raw.length > maxLength) {
    throw invalid('ARCHIVE_PATH_TOO_LONG', `archive entry path is longer than ${maxLength} characters`);
  }
  if (DECEPTIVE_CHARS.test(raw)) {
    throw invalid('ARCHIVE_PATH_INVALID', 'archive entry path contains control or invisible characters');
  }
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw) || raw.includes('\\')) {
    throw invalid('ARCHIVE_PATH_TRAVERSAL', `archive entry path ${JSON.stringify(raw)} is absolute or uses backslashes`);
  }
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw invalid('ARCHIVE_PATH_TRAVERSAL', `archive entry path ${JSON.stringify(raw)} escapes the package folder`);
  }
  return parts.join('/');
}
