import { InvalidArgumentError, type Command } from 'commander';
import { systemClock } from '../../platform/clock.js';
import { createAccountsService } from '../../accounts/index.js';
import { createTokensService } from '../../tokens/index.js';
import { withDatabase } from '../database.js';
import { CliError } from '../failure.js';

interface CreateOptions {
  readOnly?: boolean;
  name?: string;
  expiresDays?: number;
}

function wholeDays(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > 365) throw new InvalidArgumentError('Expected a whole number of days from 1 to 365.');
  return days;
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('Manage API tokens.');

  token
    .command('create')
    .description('Create an API token for a user and print it. It is shown only this once.')
    .argument('<user>', 'name of the user the token acts as')
    .option('--read-only', 'the token may read, but not publish or change anything')
    .option('--name <name>', 'label shown in token lists')
    .option('--expires-days <days>', 'days until the token expires, 1-365 (default: never)', wholeDays)
    .addHelpText(
      'after',
      `
Only the token goes to standard output, so it can be captured:
  TOKEN=$(bulwark token create ci-bot --name ci --expires-days 90)
The registry keeps only its sha256 digest: a lost token cannot be shown again, only revoked.`,
    )
    .action(async (userName: string, options: CreateOptions) => {
      const created = await withDatabase(async (db) => {
        const user = await createAccountsService({ db, clock: systemClock }).getUserByName(userName);
        if (!user) throw new CliError(`No user named ${JSON.stringify(userName)}.`);
        const result = await createTokensService({ db, clock: systemClock }).create({
          userId: user.id,
          name: options.name ?? null,
          scope: { permission: options.readOnly ? 'read-only' : 'read-write', packages: null, scopes: null },
          expiresInDays: options.expiresDays ?? null,
        });
        return { ...result, userName: user.name };
      });
      process.stdout.write(`${created.token}\n`);
      const { info } = created;
      process.stderr.write(
        `Created a ${info.readonly ? 'read-only' : 'read-write'} token for ${created.userName} (key ${info.key}` +
          `${info.expiresAt ? `, expires ${info.expiresAt}` : ''}). Store it now: it is not shown again.\n`,
      );
    });
}
