// Every ecosystem the registry speaks. Adding one = one folder + one line here.
import type { Ecosystem } from './types.js';
import { createNpmEcosystem } from './npm/index.js';
import { createPypiEcosystem } from './pypi/index.js';

export type { Ecosystem, EcosystemContext } from './types.js';

export interface EcosystemLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
  maxCompressionRatio: number;
}

export function createEcosystems(limits: EcosystemLimits): Ecosystem[] {
  return [createNpmEcosystem(limits), createPypiEcosystem(limits)];
}
