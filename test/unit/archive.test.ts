import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { checkEntryPath, readTarGz, type ArchiveLimits } from '../../src/platform/archive/index.js';
import { BulwarkError } from '../../src/platform/errors.js';

const limits: ArchiveLimits = { maxEntries: 10, maxUnpackedBytes: 1 << 20, maxCompressionRatio: 50, maxPathLength: 100, maxKeptEntryBytes: 1024 };

async function tarGz(entries: Array<{ name: string; content?: string; type?: tarStream.Header['type']; linkname?: string; size?: number }>): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      e.type && e.type !== 'file'
        ? pack.entry({ name: e.name, type: e.type, linkname: e.linkname }, (err) => (err ? reject(err) : resolve()))
        : pack.entry({ name: e.name, type: 'file' }, e.content ?? '', (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BulwarkError, `expected a BulwarkError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected a refusal');
}

test('reads entries, keeps only what is asked, counts unpacked bytes', async () => {
  const archive = await tarGz([
    { name: 'package/package.json', content: '{"name":"a"}' },
    { name: 'package/lib/index.js', content: 'x'.repeat(500) },
    { name: 'package/lib', type: 'directory' },
  ]);
  const listing = await readTarGz(archive, limits, (p) => p === 'package/package.json');
  assert.deepEqual(listing.entries.map((e) => e.path), ['package/package.json', 'package/lib/index.js']);
  assert.equal(listing.unpackedBytes, 12 + 500);
  assert.equal(listing.kept.get('package/package.json')?.toString(), '{"name":"a"}');
  assert.equal(listing.kept.has('package/lib/index.js'), false);
});

test('refuses traversal, absolute paths, links, devices, duplicates and invisible characters', async () => {
  const cases: Array<[Parameters<typeof tarGz>[0], string]> = [
    [[{ name: 'package/../../x', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: '/etc/passwd', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: 'package\\..\\x', content: 'a' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [[{ name: 'package/link', type: 'symlink', linkname: '/etc/passwd' }], 'ARCHIVE_LINK_ENTRY'],
    [[{ name: 'package/hard', type: 'link', linkname: 'package/package.json' }], 'ARCHIVE_LINK_ENTRY'],
    [[{ name: 'package/dev', type: 'character-device' }], 'ARCHIVE_SPECIAL_ENTRY'],
    [[{ name: 'package/a', content: '1' }, { name: 'package/./a', content: '2' }], 'ARCHIVE_DUPLICATE_ENTRY'],
    [[{ name: 'package/evil\u202egnp.js', content: 'a' }], 'ARCHIVE_PATH_INVALID'],
    [[{ name: `package/${'a'.repeat(120)}`, content: 'a' }], 'ARCHIVE_PATH_TOO_LONG'],
  ];
  for (const [entries, code] of cases) {
    assert.equal(await refusal(readTarGz(await tarGz(entries), limits, () => false)), code, entries[0]!.name);
  }
});

test('refuses too many entries, too many bytes, bombs and garbage', async () => {
  const many = Array.from({ length: 11 }, (_, i) => ({ name: `package/f${i}`, content: 'a' }));
  assert.equal(await refusal(readTarGz(await tarGz(many), limits, () => false)), 'ARCHIVE_TOO_MANY_ENTRIES');
  const big = await tarGz([{ name: 'package/big', content: 'random '.repeat(200_000) }]);
  const code = await refusal(readTarGz(big, { ...limits, maxCompressionRatio: 10_000 }, () => false));
  assert.equal(code, 'ARCHIVE_TOO_LARGE_UNPACKED');
  // Past the 1 MiB floor below which ratios are not judged (small text files compress well).
  const bomb = await tarGz([{ name: 'package/zeros', content: '\0'.repeat(3_000_000) }]);
  assert.equal(await refusal(readTarGz(bomb, { ...limits, maxUnpackedBytes: 100 << 20, maxCompressionRatio: 2 }, () => false)), 'ARCHIVE_COMPRESSION_RATIO');
  assert.equal(await refusal(readTarGz(Buffer.from('not gzip at all'), limits, () => false)), 'ARCHIVE_INVALID');
  const kept = await tarGz([{ name: 'package/package.json', content: 'x'.repeat(2000) }]);
  assert.equal(await refusal(readTarGz(kept, limits, () => true)), 'ARCHIVE_ENTRY_TOO_LARGE');
});

test('checkEntryPath normalises harmless forms', () => {
  assert.equal(checkEntryPath('./package//a/./b', 100), 'package/a/b');
  assert.equal(checkEntryPath('package/', 100), 'package');
});
