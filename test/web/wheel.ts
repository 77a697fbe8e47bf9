// A tiny valid wheel, built by code for the web tests (a zip of stored/deflated entries with a
// central directory, as src/platform/archive/zip.ts reads it), and the multipart form twine posts
// to /legacy/ to upload it.
import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';

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

/** A zip archive of deflated files. */
export function buildZip(files: Array<{ name: string; data: string | Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const content = Buffer.from(file.data);
    const data = deflateRawSync(content);
    const name = Buffer.from(file.name, 'utf8');
    const crc = crc32(content);
    // version needed, flags (UTF-8 names), method 8, time, date, crc, sizes, name length, extra length
    const common = [u16(20), u16(0x800), u16(8), u16(0), u16(0x21), u32(crc), u32(data.length), u32(content.length), u16(name.length), u16(0)];
    const local = Buffer.concat([u32(0x04034b50), ...common, name, data]);
    centrals.push(Buffer.concat([
      u32(0x02014b50), u16((3 << 8) | 20), ...common,
      u16(0), u16(0), u16(0), u32((0o100644 << 16) >>> 0), u32(offset), name,
    ]));
    locals.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(centrals);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(files.length), u16(files.length), u32(central.length), u32(offset), u16(0)]);
  return Buffer.concat([...locals, central, end]);
}

export interface Wheel {
  filename: string;
  bytes: Buffer;
  sha256: string;
}

/** `<dist>-<version>-py3-none-any.whl` with a package, METADATA (and README as its body), WHEEL and RECORD. */
export function buildWheel(name: string, version: string, options: { summary: string; readme: string; extraHeaders?: string[] }): Wheel {
  const dist = name.replace(/[-_.]+/g, '_').toLowerCase();
  const distInfo = `${dist}-${version}.dist-info`;
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${name}`,
    `Version: ${version}`,
    `Summary: ${options.summary}`,
    'Requires-Python: >=3.8',
    ...(options.extraHeaders ?? []),
    '',
    options.readme,
  ].join('\n');
  const files = [
    { name: `${dist}/__init__.py`, data: '__version__ = "' + version + '"\n' },
    { name: `${distInfo}/METADATA`, data: metadata },
    { name: `${distInfo}/WHEEL`, data: 'Wheel-Version: 1.0\nGenerator: bulwark-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
  ];
  const record = [
    ...files.map((f) => {
      const digest = createHash('sha256').update(f.data).digest('base64url');
      return `${f.name},sha256=${digest},${Buffer.byteLength(f.data)}`;
    }),
    `${distInfo}/RECORD,,`,
    '',
  ].join('\n');
  const bytes = buildZip([...files, { name: `${distInfo}/RECORD`, data: record }]);
  return { filename: `${dist}-${version}-py3-none-any.whl`, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The multipart/form-data body twine sends to /legacy/ for one file. */
export function uploadForm(name: string, version: string, wheel: Wheel): { contentType: string; body: Buffer } {
  const boundary = `----bulwark${randomBytes(8).toString('hex')}`;
  const fields: Record<string, string> = {
    ':action': 'file_upload',
    protocol_version: '1',
    metadata_version: '2.1',
    name,
    version,
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    sha256_digest: wheel.sha256,
  };
  const parts: Buffer[] = [];
  for (const [field, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${wheel.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    wheel.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}
