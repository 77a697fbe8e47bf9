import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the registry server until SIGINT or SIGTERM.')
    .option('--host <address>', 'address to listen on (overrides BULWARK_HOST)')
    .option('--port <port>', 'TCP port to listen on, 0 for any free one (overrides BULWARK_PORT)')
    .option('--data-dir <path>', 'folder for the SQLite database and blobs (overrides BULWARK_DATA_DIR)')
    .addHelpText(
      'after',
      `
Every other setting comes from BULWARK_* environment variables (and the JSON file BULWARK_CONFIG
names); \`bulwark config check\` shows them. The database schema is migrated at start. On a new
registry without BULWARK_ADMIN_PASSWORD, the admin account's one-time password is printed once.`,
    )
    .action(async (options: { host?: string; port?: string; dataDir?: string }) => {
      const env = { ...process.env };
      if (options.host !== undefined) env.BULWARK_HOST = options.host;
      if (options.port !== undefined) env.BULWARK_PORT = options.port;
      if (options.dataDir !== undefined) env.BULWARK_DATA_DIR = options.dataDir;
      // Loaded on use, so `bulwark --help` does not pay for the whole server.
      const { serve } = await import('../../main.js');
      await serve(env);
    });
}
