// The static anchor's files: the packuments Bulwark serves (full and abbreviated, fetched after
// seeding), with tarball links rewritten to the static server, precompressed like Bulwark's
// cached gzip form; and the very same tarball bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { http } from './client.js';
import { packumentPath, tarballPath, type DataSet } from './dataset.js';
import { ACCEPT_CORGI, ACCEPT_FULL } from './load.js';
import { makeTempDir } from './processes.js';
import type { StaticTree } from './servers.js';

function put(path: string, bytes: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

export async function buildStaticTree(data: DataSet, sourceRegistry: string, staticUrl: string): Promise<StaticTree> {
  const root = makeTempDir('static-root');
  for (const name of data.names) {
    for (const [form, accept] of [['_full', ACCEPT_FULL], ['_corgi', ACCEPT_CORGI]] as const) {
      const res = await http(`${sourceRegistry}${packumentPath(name)}`, 'GET', { accept });
      if (res.status !== 200) throw new Error(`static tree: GET ${name} (${form}) from ${sourceRegistry} answered ${res.status}`);
      const text = res.body.toString('utf8').split(sourceRegistry).join(staticUrl);
      const file = join(root, form, name);
      put(file, text);
      put(`${file}.gz`, gzipSync(text, { level: 6 }));
    }
    for (const pv of data.versions.get(name)!) put(join(root, 'tarballs', tarballPath(name, pv.version)), pv.tarball);
  }
  return { root };
}
