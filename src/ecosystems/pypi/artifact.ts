// What a distribution file says about itself: its core metadata, read from the archive (a
// wheel's *.dist-info/METADATA, an sdist's top-level PKG-INFO), never from the upload form.
import { invalid } from '../../platform/errors.js';
import type { ArchiveListing } from '../../platform/archive/index.js';
import type { DependencyRef } from '../../registry/index.js';
import { parseCoreMetadata, type CoreMetadata } from './core-metadata.js';
import type { PypiFilename } from './filenames.js';
import { checkFilenameMatches } from './filenames.js';
import { normalizePypiName } from './names.js';
import { checkPypiVersion } from './versions.js';

/** The archive entry holding the core metadata, for each kind of distribution. */
export function metadataEntryMatcher(kind: PypiFilename['kind']): (path: string) => boolean {
  return kind === 'wheel'
    ? (path) => {
        const parts = path.split('/');
        return parts.length === 2 && parts[0]!.endsWith('.dist-info') && parts[1] === 'METADATA';
      }
    : (path) => {
        const parts = path.split('/');
        return parts.length === 2 && parts[1] === 'PKG-INFO';
      };
}

export interface InspectedDistribution {
  metadata: CoreMetadata;
  /** The exact bytes of the metadata file (served as `<file>.metadata`, PEP 658). */
  metadataBytes: Buffer;
}

export function inspectDistribution(file: PypiFilename, listing: ArchiveListing): InspectedDistribution {
  const found = [...listing.kept.entries()];
  const where = file.kind === 'wheel' ? '*.dist-info/METADATA' : 'PKG-INFO at the top folder';
  if (found.length === 0) throw invalid('METADATA_MISSING', `The distribution has no ${where}.`);
  if (found.length > 1) throw invalid('METADATA_INVALID', `The distribution has more than one ${where}.`);
  const [, bytes] = found[0]!;
  const metadata = parseCoreMetadata(bytes);
  checkFilenameMatches(file, normalizePypiName(metadata.name), checkPypiVersion(metadata.version));
  return { metadata, metadataBytes: bytes };
}

// PEP 508 requirement: name, optional [extras], then a specifier (possibly in parentheses), then
// an optional `; marker`. URL requirements (`name @ url`) depend on no index version.
const REQUIREMENT = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(\(?[^;@]*?\)?)?\s*(?:;\s*(.*))?$/;

/** Dependencies for the core's dependents index, from Requires-Dist. */
export function dependenciesOf(metadata: CoreMetadata): DependencyRef[] {
  const refs: DependencyRef[] = [];
  for (const requirement of metadata.requiresDist) {
    if (requirement.includes('@')) continue;
    const match = REQUIREMENT.exec(requirement);
    if (!match) continue;
    const range = (match[2] ?? '').trim().replace(/^\((.*)\)$/, '$1').trim();
    const marker = match[3] ?? '';
    refs.push({ name: normalizePypiName(match[1]!), range: range || '>=0', kind: /\bextra\s*==/.test(marker) ? 'optional' : 'prod' });
  }
  return refs;
}
