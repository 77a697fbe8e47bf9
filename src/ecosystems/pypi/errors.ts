// PyPI clients read the reason phrase: twine prints "<code> <standard phrase> from <url>" and then
// the server's reason phrase, never the body (unless --verbose). So the message goes in both,
// as Warehouse does. Reads answer 401 with a Basic challenge, so pip sends its index credentials;
// uploads answer 403, as Warehouse does for missing or bad credentials.
import type { FastifyRequest } from 'fastify';
import { statusOfKind, type BulwarkError } from '../../platform/errors.js';
import type { ErrorBody } from '../../platform/http/index.js';

export function renderPypiError(error: BulwarkError, request: FastifyRequest): ErrorBody {
  let status = statusOfKind[error.kind];
  const headers: Record<string, string> = {};
  if (status === 401) {
    if (request.method === 'GET' || request.method === 'HEAD') headers['WWW-Authenticate'] = 'Basic realm="bulwark"';
    else status = 403;
  }
  const message = `${error.message} [${error.code}]`;
  return { status, headers, statusMessage: message.slice(0, 512), body: `${message}\n` };
}
