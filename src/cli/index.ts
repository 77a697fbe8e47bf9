// The `bulwark` command line (bin/bulwark.js runs it). Admin commands open the configured
// database directly; nothing else of the server is loaded unless `serve` runs.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { formatFailure } from './failure.js';
import { registerServeCommand } from './commands/serve.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerUserCommand } from './commands/user.js';
import { registerTokenCommand } from './commands/token.js';
import { registerConfigCommand } from './commands/config.js';
import { registerAccountsCommand } from './commands/recover.js';
import { registerPolicyCommand } from './commands/policy.js';

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}

export function createProgram(): Command {
  const program = new Command('bulwark')
    .description('Bulwark, a self-hosted package registry: run the server and administer it.')
    .version(packageVersion(), '-v, --version', 'print the version')
    .helpCommand(true)
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of exiting, so main() decides the exit code; set before the commands
    // are added, which inherit it.
    .exitOverride()
    .addHelpText(
      'after',
      `
Configuration comes from BULWARK_* environment variables; \`bulwark config check\` lists them.
Exit status: 0 on success, 1 on failure (with one line on standard error).`,
    );
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerUserCommand(program);
  registerTokenCommand(program);
  registerConfigCommand(program);
  registerAccountsCommand(program);
  registerPolicyCommand(program);
  return program;
}

/** Runs the command line and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    // Commander has already printed its own message (usage errors) or the help text.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    process.stderr.write(`bulwark: ${formatFailure(error)}\n`);
    return 1;
  }
}
