// `npm start` on embedded defaults, as the README's quickstart runs it: it serves a registry,
// prints a generated one-time admin password exactly once, and that password cannot be used
// for API access until it is changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/test-app.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';

interface Started {
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** `npm start` on a free port; again on another if that port was taken before the server bound it. */
async function npmStart(dataDir: string): Promise<Started> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await npmStartOn(dataDir, await freePort());
    } catch (error) {
      if (!/EADDRINUSE/.test(String(error)) || attempt >= 5) throw error;
    }
  }
}

async function npmStartOn(dataDir: string, port: number): Promise<Started> {
  const env = { ...process.env, BULWARK_DATA_DIR: dataDir, BULWARK_PORT: String(port), BULWARK_ADMIN_PASSWORD: '', BULWARK_PWNED_PASSWORDS_DIR: PWNED_FIXTURE_DIR };
  const child = spawn('npm', ['start'], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Bulwark listening on')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  await ready;
  return {
    port,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGTERM');
      }),
  };
}

test('npm start serves a registry and prints the one-time admin password once', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bulwark-start-'));
  try {
    const first = await npmStart(dataDir);
    const port = first.port;
    let password: string;
    try {
      const match = /One-time password: (\S+)/.exec(first.output());
      assert.ok(match, `no password printed:\n${first.output()}`);
      password = match[1]!;
      const ping = await fetch(`http://127.0.0.1:${port}/-/ping`);
      assert.equal(ping.status, 200);
      const login = await fetch(`http://127.0.0.1:${port}/-/user/org.couchdb.user:admin`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'admin', password }),
      });
      assert.equal(login.status, 403);
      assert.equal((await login.json()).code, 'PASSWORD_CHANGE_REQUIRED');
      assert.ok(!first.output().includes(`"${password}"`), 'the password must not appear in structured logs');
    } finally {
      await first.stop();
    }
    const second = await npmStart(dataDir);
    try {
      assert.doesNotMatch(second.output(), /One-time password/);
      assert.equal((await fetch(`http://127.0.0.1:${second.port}/-/ping`)).status, 200);
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
