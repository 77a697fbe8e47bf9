// Reads a .zip from memory under the same hard limits, refusals and error codes as
// readTarGz, without ever writing an entry to disk.
//
// A zip describes each file twice: in the central directory at the end (what yauzl, Python's
// zipfile and so pip read) and in a local header before the file's data (what streaming readers
// read). When the two disagree, when entries overlap, or when bytes hide between them, two tools
// see two different packages: the package we checked is not the package that gets installed.
// So the whole layout is checked before any data is inflated:
//   - the end record, the central directory and the local entries tile the file exactly
//     (no prefix, no gaps, no overlaps, no trailing bytes, no records beyond the stated count);
//   - every local header agrees with its central record (name, flags, method, CRC, sizes), and
//     so does the data descriptor of a streamed entry;
//   - counts, paths, entry types and declared sizes are within the limits.
// Then every file is inflated, counting the bytes actually produced (never only the declared
// sizes) and checking its CRC-32; a bomb is stopped as soon as a limit is crossed.
import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import yauzl, { type Entry, type ExtraField, type ZipFile } from 'yauzl';
import { BulwarkError, invalid, tooLarge } from '../errors.js';
import { checkEntryPath } from './entry-path.js';
import { RATIO_FLOOR_BYTES, type ArchiveEntry, type ArchiveLimits, type ArchiveListing } from './tar-gz.js';

const SIG_LOCAL_HEADER = 0x04034b50;
const SIG_DATA_DESCRIPTOR = 0x08074b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const END_RECORD_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_END_BYTES = 56;
const CENTRAL_RECORD_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8_NAME = 0x0800;
const FLAG_MASKED_HEADERS = 0x2000;
const ENCRYPTION_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS;
/** Flags that change how an entry is read: a local header must state them as its central record does. */
const FLAGS_THAT_MUST_AGREE = ENCRYPTION_FLAGS | FLAG_DATA_DESCRIPTOR | FLAG_UTF8_NAME;

const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const EXTRA_ZIP64 = 0x0001;
const EXTRA_UNICODE_PATH = 0x7075;
const ZIP64_MARKER = 0xffffffff;

// Unix file types, from the high 16 bits of the external attributes.
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Deflate of empty input is 2 bytes; a folder entry has no business carrying more. */
const MAX_FOLDER_DATA_BYTES = 2;

interface CentralDirectory {
  offset: number;
  size: number;
}

interface PlannedEntry {
  entry: Entry;
  path: string;
  folder: boolean;
  wanted: boolean;
  /** Bytes of the local header, data and data descriptor, [start, end). */
  start: number;
  end: number;
}

function notZip(reason: string, cause?: unknown): BulwarkError {
  return new BulwarkError('invalid', 'ARCHIVE_INVALID', `the artifact is not a valid zip archive: ${reason}`, { cause });
}

/** yauzl's own reason, kept to printable ASCII: its messages name offsets and sizes, never entry names (decodeStrings is off). */
function yauzlReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
}

function tooLargeUnpacked(limits: ArchiveLimits): BulwarkError {
  return tooLarge('ARCHIVE_TOO_LARGE_UNPACKED', `the artifact unpacks to more than ${limits.maxUnpackedBytes} bytes`);
}

function tooCompressed(limits: ArchiveLimits): BulwarkError {
  return tooLarge('ARCHIVE_COMPRESSION_RATIO', `the artifact expands more than ${limits.maxCompressionRatio} times its compressed size`);
}

function keptTooLarge(path: string, limits: ArchiveLimits): BulwarkError {
  return tooLarge('ARCHIVE_ENTRY_TOO_LARGE', `archive entry ${JSON.stringify(path)} is larger than ${limits.maxKeptEntryBytes} bytes`);
}

export async function readZip(
  bytes: Buffer,
  limits: ArchiveLimits,
  keep: (path: string) => boolean,
): Promise<ArchiveListing> {
  const zipfile = await openZip(bytes);
  try {
    return await readOpenZip(bytes, zipfile, limits, keep);
  } catch (error) {
    throw error instanceof BulwarkError ? error : notZip(`it could not be read (${yauzlReason(error)})`, error);
  } finally {
    zipfile.close();
  }
}

function openZip(bytes: Buffer): Promise<ZipFile> {
  return new Promise<ZipFile>((resolve, reject) => {
    try {
      // decodeStrings: false — names are decoded here (readName, strict: backslashes kept) so that
      // checkEntryPath refuses `..`, absolute and backslash paths with its own codes. With
      // decodeStrings on, yauzl's name check would refuse them first, as generic errors.
      yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, decodeStrings: false, autoClose: false }, (error, zipfile) =>
        error ? reject(notZip(`its end of central directory record is missing or malformed (${yauzlReason(error)})`, error)) : resolve(zipfile),
      );
    } catch (error) {
      reject(notZip(`its end of central directory record is missing or malformed (${yauzlReason(error)})`, error));
    }
  });
}

async function readOpenZip(
  bytes: Buffer,
  zipfile: ZipFile,
  limits: ArchiveLimits,
  keep: (path: string) => boolean,
): Promise<ArchiveListing> {
  // Before reading any record: the end record's count alone decides this refusal.
  if (zipfile.entryCount > limits.maxEntries) {
    throw tooLarge('ARCHIVE_TOO_MANY_ENTRIES', `the artifact has more than ${limits.maxEntries} entries`);
  }
  const directory = locateCentralDirectory(bytes, zipfile);
  if (zipfile.entryCount * CENTRAL_RECORD_BYTES > directory.size) {
    throw notZip('its central directory is smaller than its entry count');
  }
  const ratioLimit = Math.max(RATIO_FLOOR_BYTES, bytes.length * limits.maxCompressionRatio);

  // 1. The central directory, every record checked against its local header. No data inflated yet.
  const planned: PlannedEntry[] = [];
  const seen = new Set<string>();
  let declaredBytes = 0;
  let cursor = directory.offset;
  for await (const entry of centralRecords(zipfile)) {
    cursor += CENTRAL_RECORD_BYTES + entry.fileNameLength + entry.extraFieldLength + entry.fileCommentLength;
    const name = readName(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields);
    const path = checkEntryPath(name, limits.maxPathLength);
    if (path === '') throw notZip('an entry has an empty path');
    const folder = checkEntryType(entry, name, path);
    if (entry.generalPurposeBitFlag & ENCRYPTION_FLAGS) {
      throw notZip(`archive entry ${JSON.stringify(path)} is encrypted`);
    }
    if (entry.compressionMethod !== METHOD_STORED && entry.compressionMethod !== METHOD_DEFLATED) {
      throw notZip(`archive entry ${JSON.stringify(path)} uses unsupported compression method ${entry.compressionMethod}`);
    }
    let wanted = false;
    if (folder) {
      if (entry.uncompressedSize !== 0 || entry.compressedSize > MAX_FOLDER_DATA_BYTES) {
        throw notZip(`folder entry ${JSON.stringify(path)} carries data`);
      }
    } else {
      if (seen.has(path)) {
        throw invalid('ARCHIVE_DUPLICATE_ENTRY', `archive entry ${JSON.stringify(path)} appears twice`);
      }
      seen.add(path);
      declaredBytes += entry.uncompressedSize;
      if (declaredBytes > limits.maxUnpackedBytes) throw tooLargeUnpacked(limits);
      if (declaredBytes > ratioLimit) throw tooCompressed(limits);
      wanted = keep(path);
      if (wanted && entry.uncompressedSize > limits.maxKeptEntryBytes) throw keptTooLarge(path, limits);
    }
    const { start, end } = checkLocalHeader(bytes, entry, name, path, directory.offset);
    planned.push({ entry, path, folder, wanted, start, end });
  }
  if (cursor !== directory.offset + directory.size) {
    throw notZip('its central directory holds more or fewer records than its end record states');
  }
  checkTiling(planned, directory.offset);

  // 2. The data, counted as it is inflated.
  const entries: ArchiveEntry[] = [];
  const kept = new Map<string, Buffer>();
  const counter = { unpackedBytes: 0 };
  for (const item of planned) {
    if (item.folder) continue;
    const content = await inflateEntry(zipfile, item, limits, ratioLimit, counter);
    entries.push({ path: item.path, size: item.entry.uncompressedSize });
    if (content) kept.set(item.path, content);
  }
  return { entries, unpackedBytes: counter.unpackedBytes, kept };
}

/** The central directory records, yauzl's errors reported as a malformed directory. */
async function* centralRecords(zipfile: ZipFile): AsyncGenerator<Entry> {
  const records = zipfile.eachEntry();
  let finished = false;
  try {
    while (true) {
      let next: IteratorResult<Entry>;
      try {
        next = await records.next();
      } catch (error) {
        finished = true;
        throw notZip(`its central directory is malformed (${yauzlReason(error)})`, error);
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // The caller stopped early (a refusal): let yauzl drop its listeners.
    if (!finished) await records.return?.();
  }
}

/**
 * Finds the central directory from the end record yauzl accepted, and checks that the directory
 * ends exactly where the (zip64) end records begin: nothing hidden between them, and no prefix
 * (Python's zipfile shifts every offset by a prefix; yauzl does not, so they would disagree).
 */
function locateCentralDirectory(bytes: Buffer, zipfile: ZipFile): CentralDirectory {
  // yauzl found the end record whose comment runs exactly to the end of the file.
  const end = bytes.length - END_RECORD_BYTES - zipfile.comment.length;
  if (end < 0 || bytes.readUInt32LE(end) !== SIG_END) throw notZip('its end of central directory record is misplaced');
  const comment = bytes.subarray(end + END_RECORD_BYTES);
  if (comment.includes(signatureBytes(SIG_END)) || comment.includes(signatureBytes(SIG_ZIP64_LOCATOR))) {
    throw notZip('its comment contains a second end of central directory record');
  }
  if (bytes.readUInt16LE(end + 4) !== 0 || bytes.readUInt16LE(end + 6) !== 0 || bytes.readUInt16LE(end + 8) !== bytes.readUInt16LE(end + 10)) {
    throw notZip('multi-disk archives are not supported');
  }
  let count = bytes.readUInt16LE(end + 10);
  let size = bytes.readUInt32LE(end + 12);
  let offset = bytes.readUInt32LE(end + 16);
  let directoryEnd = end;

  const locator = end - ZIP64_LOCATOR_BYTES;
  if (locator >= 0 && bytes.readUInt32LE(locator) === SIG_ZIP64_LOCATOR) {
    const record = readUInt64(bytes, locator + 8);
    // No zip64 extensible data: the record is exactly 56 bytes and sits right before the locator.
    if (record + ZIP64_END_BYTES !== locator || bytes.readUInt32LE(record) !== SIG_ZIP64_END || readUInt64(bytes, record + 4) !== ZIP64_END_BYTES - 12) {
      throw notZip('its zip64 end of central directory record is malformed');
    }
    if (bytes.readUInt32LE(record + 16) !== 0 || bytes.readUInt32LE(record + 20) !== 0 || readUInt64(bytes, record + 24) !== readUInt64(bytes, record + 32)) {
      throw notZip('multi-disk archives are not supported');
    }
    count = readUInt64(bytes, record + 32);
    size = readUInt64(bytes, record + 40);
    offset = readUInt64(bytes, record + 48);
    directoryEnd = record;
  }
  if (count !== zipfile.entryCount) throw notZip('its end records disagree on the entry count');
  if (offset + size !== directoryEnd) {
    throw notZip('its central directory does not end where its end record begins (prefixed or padded archive)');
  }
  return { offset, size };
}

/** The entry name, refusing a Unicode Path extra field that names the entry differently. */
function readName(flags: number, raw: Buffer, extraFields: ExtraField[]): string {
  const ids = extraFields.map((field) => field.id);
  for (const id of [EXTRA_ZIP64, EXTRA_UNICODE_PATH]) {
    if (ids.indexOf(id) !== ids.lastIndexOf(id)) throw notZip('an entry repeats an extra field');
  }
  // Refused on the raw bytes: yauzl decodes non-UTF-8 names as CP437 with glyphs for control
  // bytes (0x01 becomes "☺"), where Python keeps the control character.
  if (raw.some((byte) => byte < 0x20 || byte === 0x7f)) {
    throw invalid('ARCHIVE_PATH_INVALID', 'archive entry path contains control or invisible characters');
  }
  if (flags & FLAG_UTF8_NAME && !isUtf8(raw)) throw notZip('an entry name is not valid UTF-8');
  // strictFileNames = true: keep backslashes, so checkEntryPath sees and refuses them.
  const plain = yauzl.getFileNameLowLevel(flags, raw, [], true);
  const named = yauzl.getFileNameLowLevel(flags, raw, extraFields, true);
  if (named !== plain) throw notZip('an entry carries a second, different name in a Unicode Path extra field');
  return plain;
}

/** Refuses links and special files; returns whether the entry is a folder. */
function checkEntryType(entry: Entry, name: string, path: string): boolean {
  // Unix mode bits are honoured whatever system the archive claims to come from: unzip and
  // Python's zipfile read them the same way.
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) {
    throw invalid('ARCHIVE_LINK_ENTRY', `archive entry ${JSON.stringify(path)} is a symbolic link`);
  }
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw invalid('ARCHIVE_SPECIAL_ENTRY', `archive entry ${JSON.stringify(path)} is a device, FIFO or socket, not a file`);
  }
  const folder = name.endsWith('/');
  if (type === S_IFDIR && !folder) {
    // Python's zipfile decides by the trailing slash and would write this "folder" as a file.
    throw notZip(`archive entry ${JSON.stringify(path)} is marked as a folder but its name does not end with /`);
  }
  return folder;
}

/** Checks the local header (and data descriptor) of an entry against its central record. */
function checkLocalHeader(bytes: Buffer, entry: Entry, name: string, path: string, dataLimit: number): { start: number; end: number } {
  const where = JSON.stringify(path);
  const start = entry.relativeOffsetOfLocalHeader;
  if (start + LOCAL_HEADER_BYTES > dataLimit || bytes.readUInt32LE(start) !== SIG_LOCAL_HEADER) {
    throw notZip(`the local header of ${where} is missing`);
  }
  const flags = bytes.readUInt16LE(start + 6);
  const method = bytes.readUInt16LE(start + 8);
  const crc = bytes.readUInt32LE(start + 14);
  let compressedSize: number = bytes.readUInt32LE(start + 18);
  let uncompressedSize: number = bytes.readUInt32LE(start + 22);
  const nameEnd = start + LOCAL_HEADER_BYTES + bytes.readUInt16LE(start + 26);
  const dataStart = nameEnd + bytes.readUInt16LE(start + 28);
  if (dataStart > dataLimit) throw notZip(`the local header of ${where} runs into the central directory`);

  const rawName = bytes.subarray(start + LOCAL_HEADER_BYTES, nameEnd);
  let extraFields: ExtraField[];
  try {
    extraFields = yauzl.parseExtraFields(bytes.subarray(nameEnd, dataStart));
  } catch (error) {
    throw notZip(`the local header of ${where} has malformed extra fields`, error);
  }
  if (!rawName.equals(entry.fileNameRaw) || readName(flags, rawName, extraFields) !== name) {
    throw notZip(`the local header of ${where} names another file`);
  }
  if ((flags & FLAGS_THAT_MUST_AGREE) !== (entry.generalPurposeBitFlag & FLAGS_THAT_MUST_AGREE) || method !== entry.compressionMethod) {
    throw notZip(`the local header of ${where} disagrees with the central directory`);
  }
  const zip64 = extraFields.find((field) => field.id === EXTRA_ZIP64);
  if (zip64 && (compressedSize === ZIP64_MARKER || uncompressedSize === ZIP64_MARKER)) {
    // In a local header the zip64 field holds both sizes, uncompressed first.
    if (zip64.data.length < 16) throw notZip(`the local header of ${where} has a truncated zip64 field`);
    uncompressedSize = readUInt64(zip64.data, 0);
    compressedSize = readUInt64(zip64.data, 8);
  }
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > dataLimit) throw notZip(`the data of ${where} runs into the central directory`);
  const agrees = (c: number, compressed: number, uncompressed: number) =>
    c === entry.crc32 && compressed === entry.compressedSize && uncompressed === entry.uncompressedSize;

  if (!(flags & FLAG_DATA_DESCRIPTOR)) {
    if (!agrees(crc, compressedSize, uncompressedSize)) {
      throw notZip(`the local header of ${where} disagrees with the central directory on its size or checksum`);
    }
    return { start, end: dataEnd };
  }
  // A streamed entry (e.g. Java's ZipOutputStream): CRC and sizes follow the data, in a data
  // descriptor with an optional signature; the local header holds zeros or the same values.
  if (!(crc === 0 && compressedSize === 0 && uncompressedSize === 0) && !agrees(crc, compressedSize, uncompressedSize)) {
    throw notZip(`the local header of ${where} disagrees with the central directory on its size or checksum`);
  }
  let at = dataEnd;
  if (at + 4 <= dataLimit && bytes.readUInt32LE(at) === SIG_DATA_DESCRIPTOR) at += 4;
  const wide = zip64 !== undefined;
  const end = at + 4 + (wide ? 16 : 8);
  if (end > dataLimit) throw notZip(`the data descriptor of ${where} is missing`);
  const described = wide
    ? agrees(bytes.readUInt32LE(at), readUInt64(bytes, at + 4), readUInt64(bytes, at + 12))
    : agrees(bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4), bytes.readUInt32LE(at + 8));
  if (!described) throw notZip(`the data descriptor of ${where} disagrees with the central directory`);
  return { start, end };
}

/** Local entries must cover the bytes before the central directory exactly once each. */
function checkTiling(planned: PlannedEntry[], directoryOffset: number): void {
  const spans = planned.map(({ start, end, path }) => ({ start, end, path })).sort((a, b) => a.start - b.start);
  let expected = 0;
  for (const span of spans) {
    if (span.start < expected) throw notZip(`archive entry ${JSON.stringify(span.path)} overlaps another entry`);
    if (span.start > expected) throw notZip(`bytes before archive entry ${JSON.stringify(span.path)} belong to no entry`);
    expected = span.end;
  }
  if (expected !== directoryOffset) throw notZip('bytes before the central directory belong to no entry');
}

/** Inflates one file, counting actual bytes against the limits and checking its CRC-32. */
async function inflateEntry(
  zipfile: ZipFile,
  item: PlannedEntry,
  limits: ArchiveLimits,
  ratioLimit: number,
  counter: { unpackedBytes: number },
): Promise<Buffer | undefined> {
  let stream: Readable;
  try {
    stream = await zipfile.openReadStreamPromise(item.entry);
  } catch (error) {
    throw notZip(`archive entry ${JSON.stringify(item.path)} cannot be read (${yauzlReason(error)})`, error);
  }
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let crc = 0;
    let settled = false;
    const fail = (error: BulwarkError) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      counter.unpackedBytes += chunk.length;
      if (counter.unpackedBytes > limits.maxUnpackedBytes) return fail(tooLargeUnpacked(limits));
      if (counter.unpackedBytes > ratioLimit) return fail(tooCompressed(limits));
      if (item.wanted) {
        if (size > limits.maxKeptEntryBytes) return fail(keptTooLarge(item.path, limits));
        chunks.push(chunk);
      }
      crc = crc32(chunk, crc);
    });
    // yauzl's errors: corrupt deflate data, or more or fewer bytes than the entry declares.
    stream.on('error', (error: unknown) =>
      fail(notZip(`archive entry ${JSON.stringify(item.path)} is corrupt or lies about its size (${yauzlReason(error)})`, error)),
    );
    stream.on('end', () => {
      if (settled) return;
      if (size !== item.entry.uncompressedSize) return fail(notZip(`archive entry ${JSON.stringify(item.path)} lies about its size`));
      if (crc >>> 0 !== item.entry.crc32 >>> 0) return fail(notZip(`archive entry ${JSON.stringify(item.path)} fails its CRC-32 check`));
      settled = true;
      resolve(item.wanted ? Buffer.concat(chunks) : undefined);
    });
  });
}

function readUInt64(buffer: Buffer, offset: number): number {
  return Number(buffer.readBigUInt64LE(offset));
}

function signatureBytes(signature: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(signature);
  return buffer;
}
