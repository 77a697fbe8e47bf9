// Fixtures built by code: gzipped tarballs (well-formed and hostile) made in memory with
// tar-stream + zlib, the exact document `npm publish` PUTs, and a JSON PUT helper.
import { createHash } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

export type EntryType = 'file' | 'symlink' | 'link' | 'directory' | 'character-device';

export interface TarEntry {
  name: string;
  content?: string | Buffer;
  type?: EntryType;
  linkname?: string;
}

/** A .tgz holding exactly these entries, in this order, with their names written as given. */
export async function buildTarball(entries: TarEntry[]): Promise<Buffer> {
  return gzipSync(await buildTar(entries));
}

/** The uncompressed tar of `buildTarball`. */
export async function buildTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const mtime = new Date('2020-01-01T00:00:00Z');
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (type === 'file') {
        pack.entry({ name: entry.name, type, mode: 0o644, mtime }, entry.content ?? '', done);
      } else if (type === 'directory') {
        pack.entry({ name: entry.name, type, mode: 0o755, mtime }, done);
      } else if (type === 'character-device') {
        pack.entry({ name: entry.name, type, mode: 0o644, mtime, devmajor: 1, devminor: 3 }, done);
      } else {
        pack.entry({ name: entry.name, type, mode: 0o777, mtime, linkname: entry.linkname ?? 'package/package.json' }, done);
      }
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** A package as `npm pack` lays it out: package/package.json first, then the other files. */
export async function npmPackage(manifest: Record<string, unknown>, extraFiles: Record<string, string | Buffer> = {}): Promise<Buffer> {
  return buildTarball([
    { name: 'package/package.json', content: JSON.stringify(manifest, null, 2) },
    ...Object.entries(extraFiles).map(([path, content]) => ({ name: `package/${path}`, content })),
  ]);
}

export const integrityOf = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
export const shasumOf = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

export interface PublishBodyOptions {
  /** Merged over `{ name, version }` as the version manifest the body declares. */
  manifest?: Record<string, unknown>;
  integrity?: string;
  shasum?: string;
  length?: number;
  /** Replaces the base64 of the tarball as the attachment's data. */
  data?: string;
  tag?: string;
  access?: 'public' | 'restricted' | null;
  /** The README npm reads from the package folder and sends in the body. */
  readme?: string;
  /** Top-level fields merged over the document last (e.g. a different `name`). */
  document?: Record<string, unknown>;
}

/** The document npm 11 PUTs to `/<escaped name>` on publish (see the protocol spec, §3). */
export function publishBody(name: string, version: string, tarball: Buffer, options: PublishBodyOptions = {}): Record<string, unknown> {
  const tag = options.tag ?? 'latest';
  const manifest: Record<string, unknown> = { name, version, ...(options.manifest ?? {}) };
  return {
    _id: name,
    name,
    description: typeof manifest.description === 'string' ? manifest.description : undefined,
    'dist-tags': { [tag]: version },
    versions: {
      [version]: {
        ...manifest,
        readme: options.readme ?? 'ERROR: No README data found!',
        _id: `${name}@${version}`,
        _nodeVersion: '20.20.2',
        _npmVersion: '11.19.1',
        dist: {
          integrity: options.integrity ?? integrityOf(tarball),
          shasum: options.shasum ?? shasumOf(tarball),
          // npm's own (wrong for scopes) URL, which the registry replaces.
          tarball: `http://127.0.0.1/${name}/-/${name}-${version}.tgz`,
        },
      },
    },
    access: options.access === undefined ? null : options.access,
    _attachments: {
      [`${name}-${version}.tgz`]: {
        content_type: 'application/octet-stream',
        data: options.data ?? tarball.toString('base64'),
        length: options.length ?? tarball.length,
      },
    },
    ...(options.document ?? {}),
  };
}

/** A package's tarball and the publish body that matches it exactly. */
export async function npmPublish(
  manifest: Record<string, unknown> & { name: string; version: string },
  options: PublishBodyOptions & { files?: Record<string, string | Buffer> } = {},
): Promise<{ tarball: Buffer; body: Record<string, unknown> }> {
  const tarball = await npmPackage(manifest, options.files ?? {});
  return { tarball, body: publishBody(manifest.name, manifest.version, tarball, { ...options, manifest: { ...manifest, ...(options.manifest ?? {}) } }) };
}

/** How npm puts a name in a URL: one segment, `/` escaped (as `%2f` for scopes). */
export const escapeName = (name: string) =>
  name.startsWith('@') ? `@${encodeURIComponent(name.slice(1)).replace(/%2F/g, '%2f')}` : encodeURIComponent(name);

export interface JsonResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

/** A request with a JSON body (an object is serialised; a string is sent verbatim). */
export async function sendJson(
  method: string,
  url: string,
  body: unknown,
  token?: string,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const putJson = (url: string, body: unknown, token?: string, headers?: Record<string, string>) => sendJson('PUT', url, body, token, headers);

/**
 * A .tgz holding package/package.json and `size` zero bytes, streamed through gzip level 9 so
 * the unpacked bytes never sit in memory (1 GiB of zeros → about 1 MiB).
 * - `where: 'entry'`: the zeros are the content of package/zeros.bin, so the tar header
 *   declares the size honestly.
 * - `where: 'padding'`: the zeros follow the archive as end-of-archive padding; no header
 *   mentions them, only the decompressed stream shows them.
 */
export async function zeroBombTarball(manifest: Record<string, unknown>, size: number, where: 'entry' | 'padding' = 'entry'): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    gzip.on('end', () => resolve());
    gzip.on('error', reject);
  });
  const zeros = Buffer.alloc(1024 * 1024);
  const writeZeros = async (sink: NodeJS.WritableStream) => {
    for (let left = size; left > 0; ) {
      const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left);
      left -= chunk.length;
      if (!sink.write(chunk)) await new Promise((resolve) => sink.once('drain', resolve));
    }
  };
  if (where === 'padding') {
    gzip.write(await buildTar([{ name: 'package/package.json', content: JSON.stringify(manifest) }]));
    await writeZeros(gzip);
    gzip.end();
    await finished;
    return Buffer.concat(chunks);
  }
  const pack = tarStream.pack();
  pack.on('error', (error) => gzip.destroy(error));
  pack.pipe(gzip);
  await new Promise<void>((resolve, reject) =>
    pack.entry({ name: 'package/package.json', mode: 0o644 }, JSON.stringify(manifest), (error) => (error ? reject(error) : resolve())),
  );
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name: 'package/zeros.bin', mode: 0o644, size }, (error) => (error ? reject(error) : resolve()));
    writeZeros(entry).then(() => entry.end(() => undefined), reject);
  });
  pack.finalize();
  await finished;
  return Buffer.concat(chunks);
}
