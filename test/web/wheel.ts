// A tiny valid wheel, built by code for the web tests (with the shared zip writer), and the
// multipart form twine posts to /legacy/ to upload it.
import { createHash, randomBytes } from 'node:crypto';
import { buildZip } from '../helpers/pypi-dist.js';

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
