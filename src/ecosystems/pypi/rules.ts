import type { EcosystemRules } from '../../registry/index.js';
import { checkProjectName } from './names.js';
import { checkPypiVersion, comparePypiVersions, isPypiVersionOrRange, pypiRangeIncludes } from './versions.js';

export interface PypiLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
  maxCompressionRatio: number;
}

export function pypiRules(limits: PypiLimits): EcosystemRules {
  return {
    id: 'pypi',
    normalizeName: checkProjectName,
    checkVersion: checkPypiVersion,
    compareVersions: comparePypiVersions,
    rangeIncludes: pypiRangeIncludes,
    isVersionRange: isPypiVersionOrRange,
    requiredTag: null,
    filesPerVersion: 'many',
    stepUp: 'token',
    archiveLimits: {
      maxEntries: limits.maxEntries,
      maxUnpackedBytes: limits.maxUnpackedBytes,
      maxCompressionRatio: limits.maxCompressionRatio,
      maxPathLength: 1024,
      maxKeptEntryBytes: 1024 * 1024,
    },
  };
}
