// Python core metadata (https://packaging.python.org/specs/core-metadata/): the `METADATA` file of
// a wheel's .dist-info folder and the `PKG-INFO` of an sdist. Pure: bytes in, fields out.
//
// The format is RFC 822-style headers, some fields repeatable, then (Metadata 2.1+) a blank line
// and the description as the body. Parsing follows what pip and Warehouse read (Python's email
// parser + `packaging.metadata`), and refuses what they would read differently or not at all:
// bytes that are not UTF-8, NUL, lines that are not headers, a single-use field given twice, a
// description given twice. Fields newer than the declared Metadata-Version are accepted, as pip
// accepts them: setuptools wrote `License-File` under 2.1 and hatchling `License-Expression`
// under 2.3 for years, so refusing them would refuse real packages (e.g. requests 2.32).
import { invalid } from '../../platform/errors.js';

export const MAX_CORE_METADATA_BYTES = 1024 * 1024;

export const METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4'] as const;
export type MetadataVersion = (typeof METADATA_VERSIONS)[number];

export interface CoreMetadata {
  metadataVersion: MetadataVersion;
  name: string;
  version: string;
  summary: string | null;
  /** From the `Description` header (unfolded) or the body. */
  description: string | null;
  descriptionContentType: string | null;
  requiresPython: string | null;
  requiresDist: string[];
  providesExtra: string[];
  classifiers: string[];
  /** `Project-URL: Label, URL`, by label, in file order. */
  projectUrls: Record<string, string>;
  author: string | null;
  authorEmail: string | null;
  maintainer: string | null;
  maintainerEmail: string | null;
  license: string | null;
  licenseExpression: string | null;
  licenseFiles: string[];
  /** As written: a comma- or space-separated list, which the JSON API shows as one string. */
  keywords: string | null;
  homePage: string | null;
  downloadUrl: string | null;
  /** Field names (as written) a build backend may still fill in (PEP 643). */
  dynamic: string[];
}

// Every core metadata field, by lower-case name (header names are case-insensitive).
const SINGLE_USE_FIELDS = new Set([
  'metadata-version', 'name', 'version', 'summary', 'description', 'description-content-type', 'keywords',
  'home-page', 'download-url', 'author', 'author-email', 'maintainer', 'maintainer-email', 'license',
  'license-expression', 'requires-python',
]);
const MULTIPLE_USE_FIELDS = new Set([
  'platform', 'supported-platform', 'classifier', 'requires-dist', 'requires-external', 'project-url',
  'provides-extra', 'provides-dist', 'obsoletes-dist', 'requires', 'provides', 'obsoletes', 'dynamic',
  'license-file',
]);

/** PEP 643: these are never dynamic. */
const NEVER_DYNAMIC = new Set(['name', 'version', 'metadata-version']);

// RFC 5322 field name: printable ASCII except the colon (and so no space).
const HEADER_LINE = /^([\x21-\x39\x3b-\x7e]+):(.*)$/;
const CONTINUATION_LINE = /^[ \t]/;
// Controls other than tab: terminal escapes and the like, in fields shown as one line.
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f\x7f]/;
// PEP 508 / core metadata `Name`.
const PROJECT_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
// The legacy (PEP 345) Description folding: each line after the first prefixed by 7 spaces and `|`.
const LEGACY_DESCRIPTION_PREFIX = '       |';
const FOLD_WIDTH = 8;

interface RawHeader {
  /** As written. */
  name: string;
  /** The value on the header line and its continuation lines, unprocessed. */
  lines: string[];
  line: number;
}

function refuse(message: string): never {
  throw invalid('METADATA_INVALID', message);
}

export function parseCoreMetadata(bytes: Uint8Array): CoreMetadata {
  const text = decode(bytes);
  const { headers, body } = splitHeaders(text);

  const fields = new Map<string, string[]>();
  let rawDescription: string[] | undefined;
  for (const header of headers) {
    const key = header.name.toLowerCase();
    if (SINGLE_USE_FIELDS.has(key) && fields.has(key)) refuse(`the ${header.name} field appears more than once (line ${header.line})`);
    let value: string;
    if (key === 'description') {
      rawDescription = header.lines;
      value = unfoldDescription(header.lines);
    } else {
      value = unfold(header.lines);
      if (CONTROL_CHARS.test(value)) refuse(`the ${header.name} field contains control characters (line ${header.line})`);
    }
    const values = fields.get(key);
    if (values) values.push(value);
    else fields.set(key, [value]);
  }

  const one = (key: string): string | null => fields.get(key)?.[0] ?? null;
  const all = (key: string): string[] => fields.get(key) ?? [];

  const metadataVersion = one('metadata-version');
  if (metadataVersion === null) refuse('the Metadata-Version field is missing');
  if (!isMetadataVersion(metadataVersion)) {
    refuse(`Metadata-Version ${JSON.stringify(metadataVersion)} is not one of ${METADATA_VERSIONS.join(', ')}`);
  }

  const name = one('name');
  if (name === null || name === '') refuse('the Name field is missing');
  if (!PROJECT_NAME.test(name)) refuse(`the Name field ${JSON.stringify(name)} is not a valid project name`);
  const version = one('version');
  if (version === null || version === '') refuse('the Version field is missing');
  if (/\s/.test(version)) refuse('the Version field contains whitespace');

  let description = one('description');
  if (body !== null) {
    if (rawDescription !== undefined) refuse('the description is given both as a Description field and as the message body');
    description = body;
  }

  const dynamic = all('dynamic');
  for (const field of dynamic) {
    const key = field.toLowerCase();
    if (NEVER_DYNAMIC.has(key)) refuse(`the ${field} field cannot be dynamic`);
    if (!SINGLE_USE_FIELDS.has(key) && !MULTIPLE_USE_FIELDS.has(key)) refuse(`Dynamic names ${JSON.stringify(field)}, which is not a core metadata field`);
  }

  return {
    metadataVersion,
    name,
    version,
    summary: one('summary'),
    description,
    descriptionContentType: one('description-content-type'),
    requiresPython: one('requires-python'),
    requiresDist: all('requires-dist'),
    providesExtra: all('provides-extra'),
    classifiers: all('classifier'),
    projectUrls: parseProjectUrls(all('project-url')),
    author: one('author'),
    authorEmail: one('author-email'),
    maintainer: one('maintainer'),
    maintainerEmail: one('maintainer-email'),
    license: one('license'),
    licenseExpression: one('license-expression'),
    licenseFiles: all('license-file'),
    keywords: one('keywords'),
    homePage: one('home-page'),
    downloadUrl: one('download-url'),
    dynamic,
  };
}

function decode(bytes: Uint8Array): string {
  if (bytes.length > MAX_CORE_METADATA_BYTES) refuse(`the metadata file is larger than ${MAX_CORE_METADATA_BYTES} bytes`);
  if (bytes.includes(0)) refuse('the metadata file contains a NUL byte');
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, to be refused below: Python's email parser
    // would read it as part of the first field's name.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    refuse('the metadata file is not valid UTF-8');
  }
  if (text.startsWith('\ufeff')) refuse('the metadata file starts with a byte-order mark');
  return text;
}

/** Headers up to the first empty line; the rest, if it has any content, is the body. */
function splitHeaders(text: string): { headers: RawHeader[]; body: string | null } {
  const lines = text.split(/\r\n|\r|\n/);
  const headers: RawHeader[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line === '') {
      const body = lines.slice(index + 1).join('\n');
      return { headers, body: body.trim() === '' ? null : body };
    }
    if (CONTINUATION_LINE.test(line)) {
      const last = headers.at(-1);
      if (!last) refuse('the metadata file starts with an indented line');
      last.lines.push(line);
      continue;
    }
    const match = HEADER_LINE.exec(line);
    if (!match) {
      refuse(`line ${index + 1} of the metadata file is not a "Name: value" header (field names are printable ASCII without spaces)`);
    }
    headers.push({ name: match[1]!, lines: [match[2]!], line: index + 1 });
  }
  return { headers, body: null };
}

/** RFC 822 unfolding for one-line fields: continuation lines joined with single spaces. */
function unfold(lines: string[]): string {
  return lines
    .map((line) => line.trim())
    .filter((line, index) => index === 0 || line !== '')
    .join(' ')
    .trim();
}

/**
 * A `Description` header keeps its line breaks. Continuation lines lose their fold: the legacy
 * `       |` prefix (7 spaces and a bar, PEP 345) or 8 spaces (distutils), else the leading blanks.
 */
function unfoldDescription(lines: string[]): string {
  const [first = '', ...rest] = lines;
  const unfolded = rest.map((line) => {
    if (line.startsWith(LEGACY_DESCRIPTION_PREFIX)) return line.slice(FOLD_WIDTH);
    if (line.startsWith(' '.repeat(FOLD_WIDTH))) return line.slice(FOLD_WIDTH);
    return line.replace(/^[ \t]+/, '');
  });
  return [first.replace(/^[ \t]+/, ''), ...unfolded].join('\n').trimEnd();
}

/** `Label, URL` pairs; labels are unique (packaging refuses duplicates). */
function parseProjectUrls(values: string[]): Record<string, string> {
  // A Map, then fromEntries: a label such as "__proto__" stays an ordinary key.
  const urls = new Map<string, string>();
  for (const value of values) {
    const comma = value.indexOf(',');
    const label = comma === -1 ? '' : value.slice(0, comma).trim();
    const url = comma === -1 ? '' : value.slice(comma + 1).trim();
    if (label === '' || url === '') refuse(`the Project-URL field ${JSON.stringify(value)} is not "Label, URL"`);
    if (urls.has(label)) refuse(`the Project-URL label ${JSON.stringify(label)} appears more than once`);
    urls.set(label, url);
  }
  return Object.fromEntries(urls);
}

function isMetadataVersion(value: string): value is MetadataVersion {
  return (METADATA_VERSIONS as readonly string[]).includes(value);
}

