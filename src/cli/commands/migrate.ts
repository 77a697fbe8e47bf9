import type { Command } from 'commander';
import { loadConfig } from '../../platform/config.js';
import { migrateToLatest, openDatabase } from '../../platform/db/index.js';
import { describeDatabase } from '../database.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Bring the configured database schema up to date and list the migrations applied.')
    .addHelpText(
      'after',
      `
The database is SQLite in BULWARK_DATA_DIR, or PostgreSQL when DATABASE_URL is set. Migrations
only move forward and are safe to run again; \`bulwark serve\` also applies them at start.`,
    )
    .action(async () => {
      const config = loadConfig();
      const db = openDatabase(config);
      try {
        process.stdout.write(`Database: ${describeDatabase(config)}\n`);
        const applied = await migrateToLatest(db);
        if (applied.length === 0) process.stdout.write('Up to date: no migration to apply.\n');
        for (const name of applied) process.stdout.write(`Applied ${name}\n`);
      } finally {
        await db.destroy();
      }
    });
}
