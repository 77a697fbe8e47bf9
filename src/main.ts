// Process entry for `npm start` and `bulwark serve`: load config, start, stop cleanly on signals.
import { createServer } from 'node:net';
import { loadConfig, type ConfigOverrides } from './platform/config.js';
import { createApp } from './app.js';

export async function serve(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Promise<void> {
  let config = loadConfig(env, overrides);
  // Port 0 asks for any free port; the public URL (written into tarball links) needs the real
  // one, so pick it before the app is built.
  if (config.port === 0) config = loadConfig(env, { ...overrides, port: await freePort(config.host) });
  const app = await createApp({ config });
  if (app.generatedAdminPassword) {
    // Shown once, on the terminal only; it is never logged and must be changed at first sign-in.
    process.stdout.write(
      `\n  Created the admin account.\n  User: admin\n  One-time password: ${app.generatedAdminPassword}\n  Sign in at ${config.publicUrl}/account/login and choose a new password.\n\n`,
    );
  }
  const address = await app.http.listen({ host: config.host, port: config.port });
  app.http.log.info({ 'http.address': address, 'registry.url': config.publicUrl }, `Bulwark listening on ${address}`);
  const stop = async (signal: string) => {
    app.http.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serve().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
