import type { EcosystemRules } from '../../registry/index.js';
import { normalizeNpmName } from './names.js';
import { checkNpmVersion, compareNpmVersions, isNpmVersionOrRange, npmRangeIncludes } from './versions.js';

export interface NpmLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
  maxCompressionRatio: number;
}

export function npmRules(limits: NpmLimits): EcosystemRules {
  return {
    id: 'npm',
    normalizeName: normalizeNpmName,
    checkVersion: checkNpmVersion,
    compareVersions: compareNpmVersions,
    rangeIncludes: npmRangeIncludes,
    isVersionRange: isNpmVersionOrRange,
    requiredTag: 'latest',
    filesPerVersion: 'one',
    stepUp: 'otp',
    archiveLimits: {
      maxEntries: limits.maxEntries,
      maxUnpackedBytes: limits.maxUnpackedBytes,
      maxCompressionRatio: limits.maxCompressionRatio,
      maxPathLength: 1024,
      maxKeptEntryBytes: 5 * 1024 * 1024,
    },
  };
}
