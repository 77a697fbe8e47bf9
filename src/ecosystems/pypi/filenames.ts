// Distribution filenames: wheels (PEP 427/491, the binary distribution format spec) and sdists
// (PEP 625). Parsed as packaging.utils.parse_wheel_filename / parse_sdist_filename do, with the
// refusals Warehouse adds, and a few more: the filename is also a storage key and a URL segment.
import { invalid, isBulwarkError } from '../../platform/errors.js';
import { checkProjectName, filenameEscape, normalizePypiName, quoteForMessage } from './names.js';
import { checkPypiVersion } from './versions.js';

export const MAX_FILENAME_LENGTH = 255;

export interface PypiFilename {
  kind: 'wheel' | 'sdist';
  /** Normalized (PEP 503) project name. */
  project: string;
  /** Canonical PEP 440 version. */
  version: string;
  /** Wheel build tag as written (starts with a digit). */
  buildTag?: string;
  /** Wheel tags as written, compressed tag sets split on `.`; empty for an sdist. */
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

const SHAPE = {
  wheel: '{distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl',
  sdist: '{name}-{version}.tar.gz',
};

// The wheel spec escapes a name to `_` (runs of -_. → _, lower case), but consumers must accept
// `.` and upper case from older wheels. `-` cannot appear: it separates the parts.
const WHEEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?$/;
// The core-metadata name grammar, for the name part of an sdist (then checked to be normalized).
const PROJECT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const BUILD_TAG = /^[0-9][A-Za-z0-9_]*$/;
const TAG = /^[A-Za-z0-9_]+$/;

const refuse = (filename: string, why: string) =>
  invalid('FILENAME_INVALID', `Invalid distribution filename ${quoteForMessage(filename)}: ${why}`);

/** Parses and checks a distribution filename; throws FILENAME_INVALID (or VERSION_LOCAL_NOT_ALLOWED). */
export function parsePypiFilename(filename: string): PypiFilename {
  if (typeof filename !== 'string' || filename.length === 0) {
    throw invalid('FILENAME_INVALID', 'A distribution filename is required.');
  }
  if (filename.length > MAX_FILENAME_LENGTH) {
    throw refuse(filename, `it is longer than ${MAX_FILENAME_LENGTH} characters.`);
  }
  if (/[/\\]/.test(filename)) throw refuse(filename, 'it must be a bare file name, without "/" or "\\".');
  if (/[^\x20-\x7e]/.test(filename)) throw refuse(filename, 'it contains a control or non-ASCII character.');
  if (filename.includes('..')) throw refuse(filename, 'it contains "..".');
  // Everything a name, a version (`!` epochs, `+` local labels) and tags may contain.
  if (!/^[A-Za-z0-9._!+-]+$/.test(filename)) {
    throw refuse(filename, "only ASCII letters, digits, '.', '_', '-', '!' and '+' may appear.");
  }
  if (filename.endsWith('.whl')) return parseWheel(filename);
  if (filename.endsWith('.tar.gz')) return parseSdist(filename);
  if (/\.zip$/i.test(filename)) {
    throw refuse(filename, 'source distributions must be .tar.gz files (PEP 625); .zip is no longer accepted.');
  }
  throw refuse(filename, 'only wheels (.whl) and source distributions (.tar.gz) are accepted.');
}

function versionOf(filename: string, text: string): string {
  try {
    return checkPypiVersion(text);
  } catch (e) {
    // A local version is well formed, just not allowed: keep that refusal as it is.
    if (isBulwarkError(e) && e.code === 'VERSION_LOCAL_NOT_ALLOWED') throw e;
    throw refuse(filename, `${quoteForMessage(text)} is not a valid PEP 440 version.`);
  }
}

function splitTags(filename: string, text: string, what: string): string[] {
  const tags = text.split('.');
  if (!tags.every((t) => TAG.test(t))) throw refuse(filename, `${quoteForMessage(text)} is not a valid ${what} tag set.`);
  return tags;
}

function parseWheel(filename: string): PypiFilename {
  const parts = filename.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) {
    throw refuse(
      filename,
      `a wheel filename is ${SHAPE.wheel}, with any "-" in the project name written as "_" (found ${parts.length} parts).`,
    );
  }
  const [name = '', version = ''] = parts;
  if (!WHEEL_NAME.test(name) || /[._]{2,}/.test(name)) {
    throw refuse(filename, `${quoteForMessage(name)} is not a valid wheel distribution name (the project name with "_" for "-").`);
  }
  const parsed: PypiFilename = {
    kind: 'wheel',
    project: normalizePypiName(name),
    version: versionOf(filename, version),
    pythonTags: splitTags(filename, parts.at(-3) ?? '', 'python'),
    abiTags: splitTags(filename, parts.at(-2) ?? '', 'ABI'),
    platformTags: splitTags(filename, parts.at(-1) ?? '', 'platform'),
  };
  if (parts.length === 6) {
    const build = parts[2] ?? '';
    if (!BUILD_TAG.test(build)) throw refuse(filename, `the build tag ${quoteForMessage(build)} must start with a digit.`);
    parsed.buildTag = build;
  }
  return parsed;
}

function parseSdist(filename: string): PypiFilename {
  const stem = filename.slice(0, -'.tar.gz'.length);
  const dash = stem.lastIndexOf('-');
  if (dash <= 0) throw refuse(filename, `a source distribution filename is ${SHAPE.sdist}.`);
  const name = stem.slice(0, dash);
  const project = normalizePypiName(name);
  // PEP 625: exactly the normalized name with `_` for `-`, so `Django-5.0.tar.gz` and
  // `zope.interface-7.0.tar.gz` are refused (pip's and Warehouse's view of the name agree then).
  if (!PROJECT_NAME.test(name)) {
    throw refuse(filename, `a source distribution filename is ${SHAPE.sdist}; ${quoteForMessage(name)} is not a valid project name.`);
  }
  if (name !== filenameEscape(project)) {
    throw refuse(filename, `the project name must be written normalized, as '${filenameEscape(project)}' (PEP 625).`);
  }
  // The version need not be spelled canonically (Warehouse does not require it either); it is
  // compared canonically with the metadata by checkFilenameMatches.
  return { kind: 'sdist', project, version: versionOf(filename, stem.slice(dash + 1)), pythonTags: [], abiTags: [], platformTags: [] };
}

/** Refuses (FILENAME_MISMATCH) a filename whose project or version differs from the metadata's. */
export function checkFilenameMatches(parsed: PypiFilename, project: string, version: string): void {
  const normalized = checkProjectName(project);
  if (parsed.project !== normalized) {
    throw invalid(
      'FILENAME_MISMATCH',
      `The filename is for project '${parsed.project}', not ${quoteForMessage(project)}: start the filename with '${filenameEscape(normalized)}'.`,
    );
  }
  const canonical = checkPypiVersion(version);
  if (parsed.version !== canonical) {
    throw invalid('FILENAME_MISMATCH', `Version in filename should be '${canonical}' not '${parsed.version}'.`);
  }
}

/** The JSON API's `python_version`: `source` for an sdist, the python tag set for a wheel (`py3`, `py2.py3`). */
export function pythonVersionOf(parsed: PypiFilename): string {
  return parsed.kind === 'sdist' ? 'source' : parsed.pythonTags.join('.');
}
