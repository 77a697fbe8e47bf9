// Fixtures built by code for the PyPI adapter: wheels (a small zip writer on node:zlib), sdists
// (tar.gz via tar-stream), the multipart form twine 4 posts to /legacy/, and the upload itself.
// Everything is in memory; hostile variants (symlinks, `../` names, bombs) are options, not files.
import { createHash } from 'node:crypto';
import { crc32, createDeflateRaw, deflateRawSync, gzipSync } from 'node:zlib';
import { blake2b } from '@noble/hashes/blake2.js';
import { buildTar, type TarEntry } from './tarball.js';

// ---------------------------------------------------------------------------------------------
// Names

/** PEP 503 normalization. */
export const normalize = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();
/** The name as written in distribution filenames: normalized, `_` for `-`. */
export const escapeDistName = (name: string) => normalize(name).replace(/-/g, '_');

// ---------------------------------------------------------------------------------------------
// Digests

export interface Digests {
  md5: string;
  sha256: string;
  blake2b256: string;
}

export const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export function digestsOf(bytes: Uint8Array): Digests {
  return {
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: sha256Of(bytes),
    blake2b256: Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex'),
  };
}

// ---------------------------------------------------------------------------------------------
// Zip writer: local headers, central directory, end record. Deflate or store; Unix attributes.

export interface ZipEntry {
  /** Written exactly as given (so `../evil.py` or `/abs.py` stay hostile). */
  name: string;
  data?: string | Buffer;
  /** Default: deflate. */
  method?: 'deflate' | 'store';
  /** A symbolic link whose target is `data` (Unix mode 0o120777 in the external attributes). */
  symlink?: boolean;
  /** Unix mode (type and permission bits) for the external attributes; default 0o100644 (or 0o040755 for `name/`). */
  unixMode?: number;
  /** Already-compressed data with its real CRC-32 and size (for bombs); `method` must be deflate. */
  precompressed?: { data: Buffer; crc32: number; size: number };
  /** Declared uncompressed size (central and local) when it should lie; defaults to the real one. */
  declaredSize?: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const FLAG_UTF8 = 0x0800;
const VERSION_MADE_BY_UNIX = (3 << 8) | 20;
// 1980-01-01 00:00 in DOS format.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export function buildZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : (entry.data ?? Buffer.alloc(0));
    const folder = entry.name.endsWith('/');
    const method = entry.precompressed ? 8 : (entry.method ?? (folder ? 'store' : 'deflate')) === 'deflate' ? 8 : 0;
    const compressed = entry.precompressed ? entry.precompressed.data : method === 8 ? deflateRawSync(raw) : raw;
    const crc = entry.precompressed ? entry.precompressed.crc32 : crc32(raw);
    const size = entry.declaredSize ?? (entry.precompressed ? entry.precompressed.size : raw.length);
    const mode = entry.unixMode ?? (entry.symlink ? 0o120777 : folder ? 0o040755 : 0o100644);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIG_CENTRAL, 0);
    central.writeUInt16LE(VERSION_MADE_BY_UNIX, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(FLAG_UTF8, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_END, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * `size` zero bytes deflated through a streaming raw deflate, so they never sit in memory
 * (1 GiB of zeros → about 1 MiB), with their CRC-32.
 */
export async function deflatedZeros(size: number): Promise<{ data: Buffer; crc32: number; size: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    deflate.on('end', () => resolve());
    deflate.on('error', reject);
  });
  const zeros = Buffer.alloc(1024 * 1024);
  let crc = 0;
  for (let left = size; left > 0; ) {
    const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left);
    left -= chunk.length;
    crc = crc32(chunk, crc);
    if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await finished;
  return { data: Buffer.concat(chunks), crc32: crc >>> 0, size };
}

// ---------------------------------------------------------------------------------------------
// Core metadata

export type MetadataFields = Record<string, string | string[] | null>;

/**
 * METADATA / PKG-INFO text: `Metadata-Version`, `Name`, `Version`, then the other fields in
 * order; a `null` override drops a field, an array repeats it. `description` becomes the body.
 */
export function coreMetadata(name: string, version: string, overrides: MetadataFields = {}, description: string | null = null): string {
  const fields: MetadataFields = {
    'Metadata-Version': '2.1',
    Name: name,
    Version: version,
    Summary: `The ${name} test project`,
    'Requires-Python': '>=3.8',
    ...overrides,
  };
  const lines: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${key}: ${one}`);
  }
  return `${lines.join('\n')}\n${description === null ? '' : `\n${description}\n`}`;
}

// ---------------------------------------------------------------------------------------------
// Wheels

export interface WheelOptions {
  name: string;
  version: string;
  /** Field overrides for the default METADATA (see `coreMetadata`). */
  metadata?: MetadataFields;
  /** The METADATA text, verbatim (replaces the generated one). */
  metadataText?: string;
  /** Leave `*.dist-info/METADATA` out. */
  omitMetadata?: boolean;
  /** Description (the METADATA body). */
  description?: string;
  /** Appended after the regular entries. */
  extraEntries?: ZipEntry[];
  /** Overrides the filename (default `<escaped name>-<version>-py3-none-any.whl`). */
  filename?: string;
  /** Overrides the `.dist-info` folder's name stem (default `<escaped name>-<version>`). */
  distInfo?: string;
}

export interface Dist {
  bytes: Buffer;
  filename: string;
  /** The METADATA (wheel) or PKG-INFO (sdist) bytes put in the archive. */
  metadata: Buffer;
}

export function buildWheel(options: WheelOptions): Dist {
  const escaped = escapeDistName(options.name);
  const distInfo = `${options.distInfo ?? `${escaped}-${options.version}`}.dist-info`;
  const metadata = Buffer.from(
    options.metadataText ?? coreMetadata(options.name, options.version, options.metadata ?? {}, options.description ?? null),
    'utf8',
  );
  const wheel = 'Wheel-Version: 1.0\nGenerator: bulwark-tests 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n';
  const init = `__version__ = ${JSON.stringify(options.version)}\n`;
  const files: Array<[string, Buffer]> = [
    [`${escaped}/__init__.py`, Buffer.from(init)],
    ...(options.omitMetadata ? [] : ([[`${distInfo}/METADATA`, metadata]] as Array<[string, Buffer]>)),
    [`${distInfo}/WHEEL`, Buffer.from(wheel)],
  ];
  const record = [
    ...files.map(([path, data]) => `${path},sha256=${createHash('sha256').update(data).digest('base64url')},${data.length}`),
    `${distInfo}/RECORD,,`,
  ].join('\n');
  const entries: ZipEntry[] = [
    ...files.map(([name, data]) => ({ name, data })),
    { name: `${distInfo}/RECORD`, data: `${record}\n` },
    ...(options.extraEntries ?? []),
  ];
  return {
    bytes: buildZip(entries),
    filename: options.filename ?? `${escaped}-${options.version}-py3-none-any.whl`,
    metadata,
  };
}

// ---------------------------------------------------------------------------------------------
// Sdists

export interface SdistOptions {
  name: string;
  version: string;
  /** Field overrides for the default PKG-INFO. */
  pkgInfo?: MetadataFields;
  /** The PKG-INFO text, verbatim. */
  pkgInfoText?: string;
  /** `pyproject.toml` (default) or `setup.py`. */
  build?: 'pyproject' | 'setup.py';
  extraEntries?: TarEntry[];
  /** Overrides the filename (default `<escaped name>-<version>.tar.gz`), and the top folder with it. */
  filename?: string;
}

export async function buildSdist(options: SdistOptions): Promise<Dist> {
  const filename = options.filename ?? `${escapeDistName(options.name)}-${options.version}.tar.gz`;
  const top = filename.replace(/\.tar\.gz$/, '');
  const pkgInfo = Buffer.from(options.pkgInfoText ?? coreMetadata(options.name, options.version, options.pkgInfo ?? {}), 'utf8');
  const buildFile: TarEntry =
    options.build === 'setup.py'
      ? { name: `${top}/setup.py`, content: `from setuptools import setup\nsetup(name=${JSON.stringify(options.name)}, version=${JSON.stringify(options.version)})\n` }
      : {
          name: `${top}/pyproject.toml`,
          content: `[project]\nname = ${JSON.stringify(options.name)}\nversion = ${JSON.stringify(options.version)}\n\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n`,
        };
  const tar = await buildTar([
    { name: `${top}/PKG-INFO`, content: pkgInfo },
    buildFile,
    { name: `${top}/${escapeDistName(options.name)}/__init__.py`, content: '' },
    ...(options.extraEntries ?? []),
  ]);
  return { bytes: gzipSync(tar), filename, metadata: pkgInfo };
}

// ---------------------------------------------------------------------------------------------
// The upload form twine 4.0.2 sends

export interface UploadFormOptions {
  content: Buffer;
  filename: string;
  name: string;
  version: string;
  /** Default: from the filename (`.whl` → bdist_wheel, else sdist). */
  filetype?: string;
  /** Default: `py3` for a wheel, `` for an sdist (twine 4). */
  pyversion?: string;
  action?: string;
  protocolVersion?: string;
  /** Replace a computed digest (a string), or leave it out (null). */
  digests?: { md5?: string | null; sha256?: string | null; blake2_256?: string | null };
  /** More fields, appended (an array repeats the field); they may repeat a standard one. */
  fields?: Record<string, string | string[]>;
  /** Standard fields to leave out. */
  omit?: string[];
}

export function uploadForm(options: UploadFormOptions): FormData {
  const wheel = options.filename.endsWith('.whl');
  const computed = digestsOf(options.content);
  const digest = (value: string | null | undefined, fallback: string) => (value === undefined ? fallback : value);
  const standard: Array<[string, string | null]> = [
    [':action', options.action ?? 'file_upload'],
    ['protocol_version', options.protocolVersion ?? '1'],
    ['name', options.name],
    ['version', options.version],
    ['filetype', options.filetype ?? (wheel ? 'bdist_wheel' : 'sdist')],
    ['pyversion', options.pyversion ?? (wheel ? 'py3' : '')],
    ['metadata_version', '2.1'],
    ['summary', ''],
    ['home_page', ''],
    ['author', ''],
    ['requires_python', '>=3.8'],
    ['md5_digest', digest(options.digests?.md5, computed.md5)],
    ['sha256_digest', digest(options.digests?.sha256, computed.sha256)],
    ['blake2_256_digest', digest(options.digests?.blake2_256, computed.blake2b256)],
  ];
  const form = new FormData();
  const omit = new Set(options.omit ?? []);
  for (const [key, value] of standard) if (value !== null && !omit.has(key)) form.append(key, value);
  for (const [key, value] of Object.entries(options.fields ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) form.append(key, one);
  }
  if (!omit.has('content')) {
    form.append('content', new Blob([new Uint8Array(options.content)], { type: 'application/octet-stream' }), options.filename);
  }
  return form;
}

export interface UploadResponse {
  status: number;
  /** The HTTP reason phrase, where the PyPI adapter puts its message (twine prints it). */
  statusText: string;
  text: string;
  headers: Headers;
}

/** `__token__:<token>` Basic credentials, as twine sends them. */
export const basicToken = (token: string) => `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}`;

/** POSTs the form to `<url>/legacy/` as twine does: Basic `__token__` auth (or none), no redirects. */
export async function upload(url: string, form: FormData, token?: string, headers: Record<string, string> = {}): Promise<UploadResponse> {
  const response = await fetch(`${url}/legacy/`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { ...(token === undefined ? {} : { authorization: basicToken(token) }), ...headers },
  });
  return { status: response.status, statusText: response.statusText, text: await response.text(), headers: response.headers };
}

/** Builds the form for a dist and uploads it. */
export function uploadDist(
  url: string,
  dist: Dist,
  token: string | undefined,
  name: string,
  version: string,
  options: Partial<UploadFormOptions> = {},
): Promise<UploadResponse> {
  return upload(url, uploadForm({ content: dist.bytes, filename: dist.filename, name, version, ...options }), token);
}

// ---------------------------------------------------------------------------------------------
// What the server stored, to prove a refusal left nothing behind

export interface StoredState {
  rows: Record<string, number>;
  blobs: string[];
  events: Array<{ type: string; subject: string }>;
}

export async function storedState(t: {
  rowCounts(): Promise<Record<string, number>>;
  storedBlobs(): Promise<string[]>;
  events(): Promise<Array<{ type: string; subject: string }>>;
}): Promise<StoredState> {
  return { rows: await t.rowCounts(), blobs: await t.storedBlobs(), events: await t.events() };
}
