// What an ecosystem adapter is: its rules for the core, its routes, and how it shows errors.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../platform/log.js';
import type { ErrorRenderer } from '../platform/http/index.js';
import type { EcosystemRules, RegistryService } from '../registry/index.js';
import type { AccountsService } from '../accounts/index.js';
import type { TokensService } from '../tokens/index.js';

/** What the composition root hands each adapter: services and the few settings it needs. */
export interface EcosystemContext {
  registry: RegistryService;
  accounts: AccountsService;
  tokens: TokensService;
  log: Logger;
  settings: {
    publicUrl: string;
    packumentMaxAge: number;
    maxArtifactBytes: number;
  };
}

export interface Ecosystem {
  id: string;
  /** Shown in the web UI. */
  label: string;
  rules: EcosystemRules;
  renderError: ErrorRenderer;
  /** How the web UI tells a user to install a package. */
  installCommand(name: string, version: string): string;
  routes(app: FastifyInstance, context: EcosystemContext): Promise<void>;
}
