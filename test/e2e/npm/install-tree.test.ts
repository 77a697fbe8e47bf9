// The real npm installs a tree of 40 packages (scoped and unscoped, several versions, ranges
// that must resolve to the right ones) from Bulwark, and the lockfile matches what was published.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { createNpmClient, writePackage, assertOk } from '../../helpers/npm-cli.js';
import { escapeName, integrityOf, npmPublish, putJson } from '../../helpers/tarball.js';

const COUNT = 40;
const nameOf = (i: number) => (i % 5 === 0 ? `@tree/node-${i}` : `tree-node-${i}`);

describe('npm install of a 40-package tree', () => {
  let t: TestApp;
  const integrity = new Map<string, string>();

  before(async () => {
    t = await createTestApp();
    const { token } = await t.createUser('forester');
    // Leaves first, so every dependency exists when its dependent is published. Node i depends
    // on 2i+1 and 2i+2 with ^1.0.0; each has 1.0.0, 1.1.0 and a 2.0.0 the ranges must skip.
    for (let i = COUNT - 1; i >= 0; i--) {
      for (const version of ['1.0.0', '1.1.0', '2.0.0']) {
        const dependencies = Object.fromEntries(
          [2 * i + 1, 2 * i + 2].filter((c) => c < COUNT).map((c) => [nameOf(c), '^1.0.0']),
        );
        const { tarball, body } = await npmPublish({ name: nameOf(i), version, dependencies }, { access: 'public' });
        const response = await putJson(`${t.url}/${escapeName(nameOf(i))}`, body, token);
        assert.equal(response.status, 201, `${nameOf(i)}@${version}: ${response.text}`);
        if (version === '1.1.0') integrity.set(nameOf(i), integrityOf(tarball));
      }
    }
  });
  after(async () => t?.close());

  test('every package resolves to 1.1.0 with the published integrity', async () => {
    const npm = await createNpmClient(t.url);
    const project = await writePackage({ name: 'tree-consumer', version: '0.0.0', private: true, dependencies: { [nameOf(0)]: '^1.0.0' } });
    assertOk(await npm.run(['install'], { cwd: project }), 'npm install');
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8'));
    const installed = Object.entries(lock.packages as Record<string, { version?: string; integrity?: string }>).filter(([path]) => path !== '');
    assert.equal(installed.length, COUNT);
    for (const [path, entry] of installed) {
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      assert.equal(entry.version, '1.1.0', name);
      assert.equal(entry.integrity, integrity.get(name), name);
    }
  });
});
