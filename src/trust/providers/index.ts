import { activestate } from './activestate.js';
import { circleci } from './circleci.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { google } from './google.js';
import type { Provider, ProviderDefinition } from './types.js';

export type { Claims, MatchResult, Provider, ProviderDefinition, PublisherConfig } from './types.js';

export const providers: Readonly<Record<Provider, ProviderDefinition>> = Object.freeze({ github, gitlab, google, circleci, activestate });

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && Object.hasOwn(providers, value);
}
