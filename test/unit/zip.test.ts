import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';
import { readZip, type ArchiveLimits } from '../../src/platform/archive/index.js';
import { BulwarkError } from '../../src/platform/errors.js';

const limits: ArchiveLimits = { maxEntries: 10, maxUnpackedBytes: 1 << 20, maxCompressionRatio: 50, maxPathLength: 100, maxKeptEntryBytes: 1024 };

// ---- A tiny zip writer, so every field can be set (or lied about) ----

interface ZipEntrySpec {
  name: string;
  content?: string | Buffer;
  /** 8 = deflate (default), 0 = stored. */
  method?: 0 | 8;
  /** Already-compressed data; then `size` and `crc` must be given. */
  data?: Buffer;
  /** Declared uncompressed size (defaults to the real one). */
  size?: number;
  crc?: number;
  /** Unix mode, stored in the high 16 bits of the external attributes. */
  mode?: number;
  flags?: number;
  /** Name written in the local header only. */
  localName?: string;
  /** Write CRC and sizes in a data descriptor after the data (flag bit 3). */
  descriptor?: boolean;
}

interface ZipOptions {
  /** Entry count written in the end record. */
  count?: number;
  prefix?: Buffer;
  trailer?: Buffer;
  comment?: string;
}

interface Written {
  spec: ZipEntrySpec;
  offset: number;
  data: Buffer;
  size: number;
  crc: number;
  flags: number;
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}

function localHeader(w: Written, name: Buffer): Buffer {
  const streamed = w.spec.descriptor === true;
  return Buffer.concat([
    u32(0x04034b50), u16(20), u16(w.flags), u16(w.spec.method ?? 8), u16(0), u16(0x21),
    u32(streamed ? 0 : w.crc), u32(streamed ? 0 : w.data.length), u32(streamed ? 0 : w.size),
    u16(name.length), u16(0), name,
  ]);
}

function entryBytes(spec: ZipEntrySpec): Omit<Written, 'offset'> {
  const content = Buffer.from(spec.content ?? '');
  const data = spec.data ?? (spec.method === 0 ? content : deflateRawSync(content));
  const flags = (spec.flags ?? 0) | 0x800 | (spec.descriptor ? 0x8 : 0);
  return { spec, data, size: spec.size ?? content.length, crc: spec.crc ?? crc32(content), flags };
}

/** One local entry (header + data + optional descriptor), as it sits in the file. */
function localEntry(w: Omit<Written, 'offset'>): Buffer {
  const header = localHeader(w as Written, Buffer.from(w.spec.localName ?? w.spec.name));
  const descriptor = w.spec.descriptor ? Buffer.concat([u32(0x08074b50), u32(w.crc), u32(w.data.length), u32(w.size)]) : Buffer.alloc(0);
  return Buffer.concat([header, w.data, descriptor]);
}

function centralRecord(w: Written): Buffer {
  const name = Buffer.from(w.spec.name);
  const external = w.spec.mode === undefined ? 0 : (w.spec.mode << 16) >>> 0;
  return Buffer.concat([
    u32(0x02014b50), u16((3 << 8) | 20), u16(20), u16(w.flags), u16(w.spec.method ?? 8), u16(0), u16(0x21),
    u32(w.crc), u32(w.data.length), u32(w.size), u16(name.length), u16(0), u16(0), u16(0), u16(0),
    u32(external), u32(w.offset), name,
  ]);
}

function endRecord(count: number, directory: Buffer, directoryOffset: number, comment = ''): Buffer {
  return Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(count), u16(count), u32(directory.length), u32(directoryOffset), u16(comment.length), Buffer.from(comment, 'latin1')]);
}

function zip(specs: ZipEntrySpec[], options: ZipOptions = {}): Buffer {
  const parts: Buffer[] = [options.prefix ?? Buffer.alloc(0)];
  let offset = parts[0]!.length;
  const written: Written[] = [];
  for (const spec of specs) {
    const w = { ...entryBytes(spec), offset };
    const bytes = localEntry(w);
    parts.push(bytes);
    written.push(w);
    offset += bytes.length;
  }
  const directory = Buffer.concat(written.map(centralRecord));
  return Buffer.concat([...parts, directory, endRecord(options.count ?? specs.length, directory, offset, options.comment), options.trailer ?? Buffer.alloc(0)]);
}

/** `total` zero bytes, deflated as a stream so the test never holds them in memory. */
async function deflatedZeros(total: number): Promise<{ data: Buffer; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(deflate, 'end');
  const block = Buffer.alloc(1 << 20);
  let crc = 0;
  for (let written = 0; written < total; written += block.length) {
    crc = crc32(block, crc);
    if (!deflate.write(block)) await once(deflate, 'drain');
  }
  deflate.end();
  await ended;
  return { data: Buffer.concat(chunks), crc };
}

async function refusal(promise: Promise<unknown>): Promise<BulwarkError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BulwarkError, `expected a BulwarkError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

async function code(bytes: Buffer, options: { limits?: ArchiveLimits; keep?: (path: string) => boolean } = {}): Promise<string> {
  return (await refusal(readZip(bytes, options.limits ?? limits, options.keep ?? (() => false)))).code;
}

// ---- Tests ----

test('reads a wheel-like zip: entries, unpacked bytes, only the kept METADATA', async () => {
  const metadata = 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n';
  const archive = zip([
    { name: 'demo/', mode: 0o040755 },
    { name: 'demo/__init__.py', content: 'print("hi")\n'.repeat(40), mode: 0o100644 },
    { name: 'demo/data.bin', content: 'stored', method: 0 },
    { name: 'demo-1.0.dist-info/METADATA', content: metadata },
    { name: 'demo-1.0.dist-info/RECORD', content: 'x', descriptor: true },
  ]);
  const listing = await readZip(archive, limits, (p) => p.endsWith('.dist-info/METADATA'));
  assert.deepEqual(listing.entries, [
    { path: 'demo/__init__.py', size: 480 },
    { path: 'demo/data.bin', size: 6 },
    { path: 'demo-1.0.dist-info/METADATA', size: metadata.length },
    { path: 'demo-1.0.dist-info/RECORD', size: 1 },
  ]);
  assert.equal(listing.unpackedBytes, 480 + 6 + metadata.length + 1);
  assert.deepEqual([...listing.kept.keys()], ['demo-1.0.dist-info/METADATA']);
  assert.equal(listing.kept.get('demo-1.0.dist-info/METADATA')?.toString(), metadata);
  const empty = await readZip(zip([]), limits, () => true);
  assert.deepEqual(empty, { entries: [], unpackedBytes: 0, kept: new Map() });
});

test('refuses traversal, absolute paths, backslashes, links, devices, duplicates and invisible characters', async () => {
  const cases: Array<[ZipEntrySpec[], string]> = [
    [[{ name: '../x', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: 'demo/../../x', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: '/x', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: 'C:/x', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: 'demo\\..\\x', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: 'demo/link', content: '/etc/passwd', mode: 0o120777 }], 'ARCHIVE_LINK_ENTRY'],
    [[{ name: 'demo/tty', mode: 0o020644 }], 'ARCHIVE_SPECIAL_ENTRY'],
    [[{ name: 'demo/fifo', mode: 0o010644 }], 'ARCHIVE_SPECIAL_ENTRY'],
    [[{ name: 'demo/a', content: '1' }, { name: 'demo/./a', content: '2' }], 'ARCHIVE_DUPLICATE_ENTRY'],
    [[{ name: 'demo/a', content: '1' }, { name: 'demo/a', content: '1' }], 'ARCHIVE_DUPLICATE_ENTRY'],
    [[{ name: 'demo/evil\u202egnp.py', content: 'a' }], 'ARCHIVE_PATH_INVALID'],
    [[{ name: 'demo/bell\u0007', content: 'a' }], 'ARCHIVE_PATH_INVALID'],
    [[{ name: `demo/${'a'.repeat(120)}`, content: 'a' }], 'ARCHIVE_PATH_TOO_LONG'],
  ];
  for (const [entries, expected] of cases) {
    assert.equal(await code(zip(entries)), expected, entries.at(-1)!.name);
  }
});

test('refuses control bytes in a CP437 name (yauzl would show 0x01 as a glyph)', async () => {
  const archive = zip([{ name: 'demo/ab', content: 'a' }]);
  // Clear the UTF-8 flag and put 0x01 in the name, in both headers.
  const patched = Buffer.from(archive.toString('latin1').replaceAll('demo/ab', 'demo/\u0001b'), 'latin1');
  for (const at of [6, patched.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 8]) patched.writeUInt16LE(0, at);
  assert.equal(await code(patched), 'ARCHIVE_PATH_INVALID');
});

test('refuses too many entries from the end record alone, before reading any record', async () => {
  const many = Array.from({ length: 11 }, (_, i) => ({ name: `demo/f${i}`, content: 'a' }));
  assert.equal(await code(zip(many)), 'ARCHIVE_TOO_MANY_ENTRIES');
  // The end record claims 60,000 entries over a central directory of garbage: refused by count.
  const claimed = zip([{ name: 'demo/a', content: 'a' }], { count: 60_000 });
  assert.equal(await code(claimed), 'ARCHIVE_TOO_MANY_ENTRIES');
});

test('stops a zip bomb (200 MB of zeros in ~200 KB) without inflating it', async () => {
  const total = 200 * 1024 * 1024;
  const { data, crc } = await deflatedZeros(total);
  assert.ok(data.length < 400_000, `bomb is ${data.length} bytes`);
  const honest = zip([{ name: 'demo/zeros', data, size: total, crc }]);
  const started = Date.now();
  assert.equal(await code(honest, { limits: { ...limits, maxUnpackedBytes: 1 << 30, maxCompressionRatio: 100 } }), 'ARCHIVE_COMPRESSION_RATIO');
  assert.equal(await code(honest, { limits: { ...limits, maxUnpackedBytes: 100 << 20, maxCompressionRatio: 10_000 } }), 'ARCHIVE_TOO_LARGE_UNPACKED');
  // A bomb that declares 1 KiB: inflating stops at the first chunk past the declared size.
  const lying = zip([{ name: 'demo/zeros', data, size: 1024, crc }]);
  const error = await refusal(readZip(lying, { ...limits, maxUnpackedBytes: 1 << 30, maxCompressionRatio: 10_000 }, () => false));
  assert.equal(error.code, 'ARCHIVE_INVALID');
  assert.match(error.message, /size/);
  assert.ok(Date.now() - started < 2000, `refusals took ${Date.now() - started} ms`);
});

test('refuses entries whose declared size lies, and bad checksums', async () => {
  const content = 'x'.repeat(100);
  assert.equal(await code(zip([{ name: 'demo/short', content, size: 5 }])), 'ARCHIVE_INVALID');
  assert.equal(await code(zip([{ name: 'demo/long', content, size: 500 }])), 'ARCHIVE_INVALID');
  assert.equal(await code(zip([{ name: 'demo/stored', content, method: 0, size: 50 }])), 'ARCHIVE_INVALID');
  const bad = await refusal(readZip(zip([{ name: 'demo/crc', content, crc: 1234 }]), limits, () => false));
  assert.equal(bad.code, 'ARCHIVE_INVALID');
  assert.match(bad.message, /CRC-32/);
});

test('refuses a kept entry over maxKeptEntryBytes', async () => {
  const archive = zip([{ name: 'demo-1.0.dist-info/METADATA', content: 'x'.repeat(2000) }]);
  assert.equal(await code(archive, { keep: () => true }), 'ARCHIVE_ENTRY_TOO_LARGE');
  assert.equal((await readZip(archive, limits, () => false)).entries.length, 1);
});

test('refuses garbage, truncation, prefixes, trailing bytes and encrypted entries', async () => {
  const good = zip([{ name: 'demo/a', content: 'hello' }]);
  assert.equal(await code(Buffer.from('not a zip at all, just some bytes')), 'ARCHIVE_INVALID');
  assert.equal(await code(Buffer.alloc(0)), 'ARCHIVE_INVALID');
  assert.equal(await code(good.subarray(0, good.length - 5)), 'ARCHIVE_INVALID');
  assert.equal(await code(good.subarray(10)), 'ARCHIVE_INVALID');
  assert.equal(await code(zip([{ name: 'demo/a', content: 'hello' }], { prefix: Buffer.from('#!/bin/sh\n') })), 'ARCHIVE_INVALID');
  assert.equal(await code(Buffer.concat([good, Buffer.from('tail')])), 'ARCHIVE_INVALID');
  assert.equal(await code(zip([{ name: 'demo/a', content: 'hello' }], { comment: 'PK\u0005\u0006 fake end' })), 'ARCHIVE_INVALID');
  const encrypted = await refusal(readZip(zip([{ name: 'demo/secret', content: 'hidden', flags: 0x1 }]), limits, () => false));
  assert.equal(encrypted.code, 'ARCHIVE_INVALID');
  assert.match(encrypted.message, /encrypted/);
  assert.equal(await code(zip([{ name: 'demo/strong', content: 'hidden', flags: 0x41 }])), 'ARCHIVE_INVALID');
});

test('accepts a harmless zip comment', async () => {
  const listing = await readZip(zip([{ name: 'demo/a', content: 'hello' }], { comment: 'built by a tool' }), limits, () => false);
  assert.equal(listing.unpackedBytes, 5);
});

test('refuses zips that two parsers would read differently', async () => {
  // The local header names another file than the central directory.
  const renamed = await refusal(readZip(zip([{ name: 'demo/a', localName: 'demo/b', content: 'x' }]), limits, () => false));
  assert.equal(renamed.code, 'ARCHIVE_INVALID');
  assert.match(renamed.message, /names another file/);

  // The end record states fewer entries than the central directory holds (a hidden record).
  assert.equal(await code(zip([{ name: 'demo/a', content: 'x' }, { name: 'demo/b', content: 'y' }], { count: 1 })), 'ARCHIVE_INVALID');

  // An entry hidden inside another's stored data (overlapping entries, as in non-recursive bombs).
  const inner = entryBytes({ name: 'demo/inner', content: 'payload' });
  const innerBytes = localEntry(inner);
  const outer = entryBytes({ name: 'demo/outer', content: innerBytes, method: 0 });
  const outerBytes = localEntry(outer);
  const innerOffset = outerBytes.length - innerBytes.length;
  const directory = Buffer.concat([centralRecord({ ...outer, offset: 0 }), centralRecord({ ...inner, offset: innerOffset })]);
  const overlapping = Buffer.concat([outerBytes, directory, endRecord(2, directory, outerBytes.length)]);
  const overlap = await refusal(readZip(overlapping, limits, () => false));
  assert.equal(overlap.code, 'ARCHIVE_INVALID');
  assert.match(overlap.message, /overlaps/);

  // Bytes between entries that no central record accounts for (a local entry only streaming readers see).
  const hidden = localEntry(entryBytes({ name: 'demo/hidden', content: 'evil' }));
  const visible = entryBytes({ name: 'demo/visible', content: 'good' });
  const visibleBytes = localEntry(visible);
  const gapDirectory = centralRecord({ ...visible, offset: hidden.length });
  const gapped = Buffer.concat([hidden, visibleBytes, gapDirectory, endRecord(1, gapDirectory, hidden.length + visibleBytes.length)]);
  assert.match((await refusal(readZip(gapped, limits, () => false))).message, /belong to no entry/);

  // A data descriptor that disagrees with the central directory.
  const streamed = entryBytes({ name: 'demo/s', content: 'abc', descriptor: true });
  const streamedBytes = localEntry(streamed);
  streamedBytes.writeUInt32LE(999, streamedBytes.length - 4);
  const streamedDirectory = centralRecord({ ...streamed, offset: 0 });
  const badDescriptor = Buffer.concat([streamedBytes, streamedDirectory, endRecord(1, streamedDirectory, streamedBytes.length)]);
  assert.match((await refusal(readZip(badDescriptor, limits, () => false))).message, /data descriptor/);

  // A folder flag on a name without a trailing slash, and a folder carrying data.
  assert.equal(await code(zip([{ name: 'demo/dir', mode: 0o040755 }])), 'ARCHIVE_INVALID');
  assert.equal(await code(zip([{ name: 'demo/dir/', content: 'data' }])), 'ARCHIVE_INVALID');
});
