import type { FastifyInstance, RouteHandlerMethod, RouteShorthandOptions } from 'fastify';

export interface NameParams {
  name: string;
  scope?: string;
}

/** The package name from either URL form: `/@scope%2fname/…` or `/@scope/name/…`. */
export function packageNameOf(params: unknown): string {
  const p = params as NameParams;
  return p.scope !== undefined ? `@${p.scope}/${p.name}` : p.name;
}

type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';

/** Registers a route for unscoped and scoped-with-slash package URLs alike. */
export function packageRoute(app: FastifyInstance, method: Method, rest: string, options: RouteShorthandOptions, handler: RouteHandlerMethod) {
  for (const prefix of ['/:name', '/@:scope/:name']) {
    app.route({ method, url: `${prefix}${rest}`, ...options, handler });
  }
}
