// The npm ecosystem: the registry protocol the npm CLI (and pnpm, yarn) speak.
import type { Ecosystem } from '../types.js';
import { renderNpmError } from './errors.js';
import { describeNpmPackage, npmDefaultVersion, npmInstallCommand, npmPagePath } from './page.js';
import { npmRules, type NpmLimits } from './rules.js';
import { readRoutes } from './routes/read.js';
import { writeRoutes } from './routes/write.js';
import { accountRoutes } from './routes/accounts.js';
import { trustRoutes } from './routes/trust.js';
import { profileRoutes } from './routes/profile.js';

export function createNpmEcosystem(limits: NpmLimits): Ecosystem {
  const rules = npmRules(limits);
  return {
    id: 'npm',
    label: 'npm',
    rules,
    renderError: renderNpmError,
    installCommand: npmInstallCommand,
    pageRoutes: {
      package: ['/package/:name', '/package/@:scope/:name'],
      version: ['/package/:name/v/:version', '/package/@:scope/:name/v/:version'],
    },
    pagePath: npmPagePath,
    defaultVersion: npmDefaultVersion,
    describePackage: describeNpmPackage,
    async routes(app, context) {
      await accountRoutes(app, context, renderNpmError);
      await profileRoutes(app, context, renderNpmError);
      await readRoutes(app, context, rules, renderNpmError);
      await writeRoutes(app, context, rules, renderNpmError);
      await trustRoutes(app, context, rules, renderNpmError);
    },
  };
}
