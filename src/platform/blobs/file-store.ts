import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { blobPath, type BlobStore } from './blob-store.js';

/** Blobs as files under a root folder; written to a temp file, fsynced, then renamed in place. */
export function createFileBlobStore(root: string): BlobStore {
  const tmpDir = join(root, 'tmp');
  const pathOf = (key: string) => join(root, blobPath(key));

  return {
    kind: 'file',
    async put(key, bytes) {
      const target = pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      await mkdir(tmpDir, { recursive: true });
      const tmp = join(tmpDir, randomUUID());
      const handle = await open(tmp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
    },
    async has(key) {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch {
        return false;
      }
    },
    async open(key) {
      try {
        const path = pathOf(key);
        const { size } = await stat(path);
        return { stream: createReadStream(path), size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async read(key) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async *list() {
      const base = join(root, 'sha256');
      for (const a of await readdirOrEmpty(base)) {
        for (const b of await readdirOrEmpty(join(base, a))) {
          for (const key of await readdirOrEmpty(join(base, a, b))) yield key;
        }
      }
    },
    async close() {},
  };
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return [];
  }
}
