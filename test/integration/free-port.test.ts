// The harness survives a port taken between "found free" and "listen" (what an outgoing
// connection's ephemeral port can do under load): it builds the app again on another port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { listenOnFreePort } from '../helpers/test-app.js';

test('a port taken before listen: built again on another one', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bulwark-port-'));
  const squatters: Server[] = [];
  const tried: number[] = [];
  try {
    const { app, port } = await listenOnFreePort(async (candidate) => {
      tried.push(candidate);
      if (tried.length === 1) {
        // Take the first candidate, as an outgoing connection could.
        const squatter = createServer();
        await new Promise<void>((resolve) => squatter.listen(candidate, '127.0.0.1', resolve));
        squatters.push(squatter);
      }
      return createApp({ config: loadConfig({}, { host: '127.0.0.1', port: candidate, dataDir, adminPassword: 'admin-password-long', logLevel: 'silent', leakCheckDir: PWNED_FIXTURE_DIR }) });
    });
    try {
      assert.equal(tried.length, 2);
      assert.notEqual(port, tried[0]);
      assert.equal(app.config.publicUrl, `http://127.0.0.1:${port}`);
      assert.equal((await fetch(`${app.config.publicUrl}/-/ping`)).status, 200);
    } finally {
      await app.close();
    }
  } finally {
    for (const squatter of squatters) squatter.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
