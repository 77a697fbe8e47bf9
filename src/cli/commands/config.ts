import type { Command } from 'commander';
import { describeConfig, loadConfig } from '../../platform/config.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('Inspect the configuration.');

  config
    .command('check')
    .description('Validate the configuration and print every setting, secrets redacted.')
    .addHelpText(
      'after',
      `
Settings come from the environment, then from the JSON file BULWARK_CONFIG names, then defaults.
Exits with status 1 and names each invalid variable when the configuration is not valid.`,
    )
    .action(() => {
      const rows = describeConfig(loadConfig());
      const width = Math.max(...rows.map((row) => row.env.length));
      const lines = rows.map((row) => `${row.env.padEnd(width)}  ${row.value}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      process.stderr.write('The configuration is valid.\n');
    });
}
