// The refusals of trusted publishing. Exchange refusals say which check failed (a CI log is
// where people debug this) but never echo a publisher's expected values.
import { BulwarkError, conflict, invalid, notFound } from '../platform/errors.js';

export const issuerUnknown = () =>
  new BulwarkError('unauthenticated', 'OIDC_ISSUER_UNKNOWN', "The OIDC token's issuer is not one this registry trusts.");

export const tokenMalformed = () =>
  new BulwarkError('unauthenticated', 'OIDC_TOKEN_MALFORMED', 'The OIDC token is not a JWT that names its issuer.');

export const tokenInvalid = (reason: string) =>
  new BulwarkError('unauthenticated', 'OIDC_TOKEN_INVALID', `The OIDC token is invalid: ${reason}.`);

export const tokenReused = () =>
  new BulwarkError('unauthenticated', 'OIDC_TOKEN_REUSED', 'This OIDC token was already exchanged; request a new one from the CI.');

export const noPublisher = (reason: string) =>
  new BulwarkError('forbidden', 'OIDC_NO_PUBLISHER', `Valid token, but no trusted publisher matches it: ${reason}.`);

export const issuerUnavailable = (cause: unknown) =>
  new BulwarkError('unavailable', 'OIDC_ISSUER_UNAVAILABLE', "The OIDC token's issuer did not serve its signing keys; try again later.", {
    cause,
  });

export const providerInvalid = () =>
  invalid('TRUST_PROVIDER_INVALID', 'A trusted publisher provider is one of github, gitlab, google, circleci or activestate.');

export const claimsInvalid = (message: string) => invalid('TRUST_CLAIMS_INVALID', message);

export const permissionsInvalid = () =>
  invalid('TRUST_PERMISSIONS_INVALID', 'permissions must be a list of at most 8 distinct names (letters, digits, `:`, `_`, `-`).');

export const publisherExists = () => conflict('TRUST_PUBLISHER_EXISTS', 'The package already has a trusted publisher with this configuration.');

export const publisherLimit = (max: number) =>
  conflict('TRUST_PUBLISHER_LIMIT', `A package has at most ${max} trusted publishers; revoke one first.`);

export const publisherNotFound = () => notFound('TRUST_PUBLISHER_NOT_FOUND', 'The package has no active trusted publisher of that id.');
