// createTestApp: a real Bulwark on a free loopback port, on the storage pair asked for, with
// helpers to look at what it stored (rows, blobs, events) so refusals can prove they left nothing.
import { createServer } from 'node:net';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { prepareStorage, type StoragePair } from './storage.js';
import { PWNED_FIXTURE_DIR } from './pwned-range-server.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestApp {
  app: BulwarkApp;
  url: string;
  port: number;
  /** A token for the user, made through the service (not the HTTP flow under test). */
  tokenFor(name: string, options?: { readonly?: boolean }): Promise<string>;
  createUser(name: string, password?: string): Promise<{ id: number; name: string; token: string }>;
  storedBlobs(): Promise<string[]>;
  /** Row counts of every table, to prove a refusal wrote nothing. */
  rowCounts(): Promise<Record<string, number>>;
  events(): Promise<Array<{ type: string; subject: string }>>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const PORT_ATTEMPTS = 5;

/**
 * Builds an app for a free port and listens on it. A port found free can be taken before we
 * listen (an outgoing connection's ephemeral port, from the same range), so EADDRINUSE means
 * "build again on another port", a few times, never a failed test.
 */
export async function listenOnFreePort(build: (port: number) => Promise<BulwarkApp>): Promise<{ app: BulwarkApp; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const app = await build(port);
    try {
      await app.http.listen({ host: '127.0.0.1', port });
      return { app, port };
    } catch (error) {
      await app.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/**
 * Tests never reach the real Pwned Passwords API: unless a test configures the check itself
 * (e.g. to a local range server), it reads the small offline fixture dataset.
 */
function offlineLeakCheck(config: Record<string, unknown> = {}): Record<string, unknown> {
  return 'leakCheckUrl' in config || 'leakCheckDir' in config ? {} : { leakCheckDir: PWNED_FIXTURE_DIR };
}

const TABLES = ['users', 'tokens', 'packages', 'package_owners', 'versions', 'artifacts', 'dist_tags', 'dependencies', 'events'] as const;

export async function createTestApp(
  options: { storage?: StoragePair; config?: Record<string, unknown>; clock?: Clock } = {},
): Promise<TestApp> {
  const storage = await prepareStorage(options.storage ?? 'sqlite+files');
  let app: BulwarkApp;
  let port: number;
  try {
    ({ app, port } = await listenOnFreePort((candidate) =>
      createApp({
        config: loadConfig(
          {},
          { host: '127.0.0.1', port: candidate, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', ...offlineLeakCheck(options.config), ...storage.overrides, ...options.config },
        ),
        ...(options.clock ? { clock: options.clock } : {}),
      }),
    ));
  } catch (error) {
    await storage.cleanup();
    throw error;
  }
  const config = app.config;

  const tokenFor = async (name: string, opts: { readonly?: boolean } = {}) => {
    const user = await app.accounts.getUserByName(name);
    if (!user) throw new Error(`no user ${name}`);
    const { token } = await app.tokens.create({
      userId: user.id,
      name: 'test',
      scope: { permission: opts.readonly ? 'read-only' : 'read-write', packages: null, scopes: null },
    });
    return token;
  };

  return {
    app,
    port,
    url: config.publicUrl,
    tokenFor,
    async createUser(name, password = `${name}-password-long`) {
      const user = await app.accounts.createUser({ name, email: `${name}@example.test`, password });
      return { id: user.id, name: user.name, token: await tokenFor(name) };
    },
    async storedBlobs() {
      const keys: string[] = [];
      for await (const key of app.blobs.list()) keys.push(key);
      return keys.sort();
    },
    async rowCounts() {
      const counts: Record<string, number> = {};
      for (const table of TABLES) {
        const row = await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        counts[table] = Number(row.n);
      }
      return counts;
    },
    async events() {
      const rows = await app.db.selectFrom('events').select(['type', 'subject']).orderBy('id', 'asc').execute();
      return rows;
    },
    async close() {
      await app.close();
      await storage.cleanup();
    },
  };
}
