// npm prints only `error` (as "<status> <reason> - <METHOD> <url> - <error>"), so the stable
// code goes into the message too. A 401's WWW-Authenticate header picks npm's advice.
import { statusOfKind, type BulwarkError } from '../../platform/errors.js';
import type { ErrorBody } from '../../platform/http/index.js';

export function renderNpmError(error: BulwarkError): ErrorBody {
  const status = statusOfKind[error.kind];
  const headers: Record<string, string> = {};
  if (status === 401) {
    headers['WWW-Authenticate'] =
      error.kind === 'mfa_required' ? 'OTP' : error.code === 'TOKEN_INVALID' ? 'Bearer realm="bulwark"' : 'Basic realm="bulwark"';
  }
  // The web-auth OTP flow: npm opens authUrl and polls doneUrl when the 401 body names both.
  const webAuth = error.kind === 'mfa_required' && typeof error.detail?.authUrl === 'string' && typeof error.detail?.doneUrl === 'string'
    ? { authUrl: error.detail.authUrl, doneUrl: error.detail.doneUrl }
    : {};
  return { status, headers, body: { error: `${error.message} [${error.code}]`, code: error.code, ...webAuth } };
}
