// Process entry for `npm start` and `bulwark serve`: load config, start, stop cleanly on signals.
import { loadConfig } from './platform/config.js';
import { createApp } from './app.js';

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const app = await createApp({ config });
  if (app.generatedAdminPassword) {
    // Shown once, on the terminal only; it is never logged and must be changed at first sign-in.
    process.stdout.write(
      `\n  Created the admin account.\n  User: admin\n  One-time password: ${app.generatedAdminPassword}\n  Sign in at ${config.publicUrl}/login and choose a new password.\n\n`,
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
