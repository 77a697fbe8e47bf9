// The PyPI ecosystem: the simple repository API pip reads, the legacy upload endpoint twine
// writes, the JSON API tools read, and yanking. URLs: index /simple/, uploads /legacy/,
// files /pypi/files/<project>/<filename>, JSON /pypi/<project>/json. The web UI shows a project at
// pagePath (/project/<normalized>/) from describePackage (page.ts).
import type { Ecosystem } from '../types.js';
import { renderPypiError } from './errors.js';
import { describePypiPackage, pypiDefaultVersion, pypiInstallCommand, pypiPagePath } from './page.js';
import { pypiRules, type PypiLimits } from './rules.js';
import { indexRoutes } from './routes/index-routes.js';
import { uploadRoutes } from './routes/upload-routes.js';
import { oidcRoutes } from './routes/oidc-routes.js';

export function createPypiEcosystem(limits: PypiLimits): Ecosystem {
  const rules = pypiRules(limits);
  return {
    id: 'pypi',
    label: 'PyPI',
    rules,
    renderError: renderPypiError,
    installCommand: pypiInstallCommand,
    pageRoutes: { package: ['/project/:name/'], version: ['/project/:name/:version/'] },
    pagePath: pypiPagePath,
    defaultVersion: pypiDefaultVersion,
    describePackage: describePypiPackage,
    async routes(app, context) {
      await indexRoutes(app, context, rules, renderPypiError);
      await uploadRoutes(app, context, rules, renderPypiError);
      await oidcRoutes(app, context);
    },
  };
}
