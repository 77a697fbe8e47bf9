import { invalid } from '../platform/errors.js';

// Lower-case letters, digits, '-', '_' and '.'; starts with a letter or digit. npm's own user
// names follow the same shape, and it keeps them out of URL and HTML trouble.
const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,38}$/;

export function checkUserName(raw: string): string {
  const name = raw.trim().toLowerCase();
  if (!USER_NAME.test(name)) {
    throw invalid('USER_NAME_INVALID', 'A user name is 1–39 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit.');
  }
  return name;
}

const EMAIL = /^[^\s@<>()"',;:\\]+@[^\s@<>()"',;:\\]+\.[^\s@<>()"',;:\\]+$/;

export function checkEmail(raw: string): string {
  const email = raw.trim();
  if (email.length > 254 || !EMAIL.test(email)) throw invalid('EMAIL_INVALID', 'That is not a valid email address.');
  return email;
}
