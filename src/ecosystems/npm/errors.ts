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
  return { status, headers, body: { error: `${error.message} [${error.code}]`, code: error.code } };
}
