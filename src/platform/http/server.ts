// The Fastify instance every layer registers on: limits, error rendering, access logs without
// secrets, security headers, and the rule that every route declares its action.
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { BulwarkError, statusOfKind } from '../errors.js';
import { parseJsonBody } from './json-body.js';

export interface ErrorBody {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  /** Reason phrase for the status line, for clients that print only that, not the body. */
  statusMessage?: string;
}

/** How one protocol shows an error. Routes pick theirs with `config.renderError`. */
export type ErrorRenderer = (error: BulwarkError, request: FastifyRequest) => ErrorBody;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route does, for the authorization layer; 'public' routes need no identity. */
    action?: string;
    renderError?: ErrorRenderer;
    /** Web UI route: the session cookie counts as identity (CSRF is checked on its forms). */
    web?: boolean;
    /**
     * `oidc`: the Authorization header carries a CI's OIDC ID token, not Bulwark credentials
     * (npm's trusted-publishing exchange); the authenticator leaves it to the route, whose
     * actor is anonymous.
     */
    credentials?: 'oidc';
  }
}

export const renderJsonError: ErrorRenderer = (error) => ({
  status: statusOfKind[error.kind],
  body: { error: error.message, code: error.code, ...(error.detail ? { detail: error.detail } : {}) },
});

export interface HttpOptions {
  log: Logger;
  maxBodyBytes: number;
  maxJsonDepth: number;
}

// Paths that carry a secret (npm logout puts the token in the URL) are logged without it.
export function redactPath(url: string): string {
  return url.replace(/(\/-\/user\/token\/)[^/?]+/, '$1[redacted]').replace(/([?&](session|token)=)[^&]+/g, '$1[redacted]');
}

export function createHttpServer(options: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.log,
    // Fastify's own request lines would print raw URLs; ours (onResponse) redact secrets.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    // Trailing slashes matter: an ecosystem's index at /simple/ and an npm package at /simple
    // are different resources.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 1024 },
  });

  app.addContentTypeParser(['application/json', 'application/vnd.npm.install-v1+json'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string, options.maxJsonDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // npm sends some JSON bodies (dist-tag add) without caring for the type; other types are
  // taken as raw bytes and left to the route to refuse.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onRoute', (route) => {
    if (!route.config?.action) {
      throw new Error(`route ${route.method} ${route.url} declares no action (config.action)`);
    }
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!options.log.isLevelEnabled('info')) return;
    request.log.info(
      {
        'http.method': request.method,
        'http.path': redactPath(request.url),
        'http.status': reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request served',
    );
  });

  app.setErrorHandler((error: FastifyError | BulwarkError, request, reply) => sendError(toBulwarkError(error, request), request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(new BulwarkError('not_found', 'NOT_FOUND', 'Not found.'), request, reply),
  );
  return app as unknown as FastifyInstance;
}

function toBulwarkError(error: FastifyError | BulwarkError, request: FastifyRequest): BulwarkError {
  if (error instanceof BulwarkError) return error;
  const fe = error as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new BulwarkError('too_large', 'BODY_TOO_LARGE', `The request body is larger than the ${fe.message.match(/\d+/)?.[0] ?? ''} byte limit.`.replace('the  byte', 'the byte'));
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new BulwarkError('invalid', 'BODY_INVALID', 'The request body is missing or of an unsupported type.');
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new BulwarkError('invalid', 'REQUEST_INVALID', 'The request is malformed.');
  }
  request.log.error({ err: error }, 'unhandled error');
  return new BulwarkError('unavailable', 'INTERNAL', 'Internal error; it has been logged.');
}

function sendError(error: BulwarkError, request: FastifyRequest, reply: FastifyReply) {
  const render = request.routeOptions.config?.renderError ?? renderJsonError;
  const out = render(error, request);
  if (out.statusMessage) reply.raw.statusMessage = out.statusMessage.replace(/[^\x20-\x7e]/g, '?');
  reply.code(out.status === 503 && error.code === 'INTERNAL' ? 500 : out.status);
  for (const [name, value] of Object.entries(out.headers ?? {})) reply.header(name, value);
  // Every protocol's 429 says when to come back (attempt lockouts carry their remaining time).
  const retryAfter = error.detail?.retryAfterSeconds;
  if (out.status === 429 && typeof retryAfter === 'number' && !reply.hasHeader('Retry-After')) reply.header('Retry-After', String(retryAfter));
  if (typeof out.body === 'string') return reply.type('text/plain; charset=utf-8').send(out.body);
  return reply.type('application/json').send(JSON.stringify(out.body));
}
