import type { Command } from 'commander';
import { systemClock } from '../../platform/clock.js';
import { breachedPasswordsOptions, checkPasswordLength, checkUserName, createAccountsService, createBreachedPasswords } from '../../accounts/index.js';
import { withDatabase } from '../database.js';
import { passwordFromStdin, promptNewPassword } from '../password-input.js';
import { registerUserRecoverCommand } from './recover.js';

interface CreateOptions {
  email: string;
  admin?: boolean;
  passwordStdin?: boolean;
}

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('Manage user accounts.');

  user
    .command('create')
    .description('Create a user account.')
    .argument('<name>', 'user name: 1-39 lower-case letters, digits, ".", "_" or "-"')
    .requiredOption('--email <address>', 'email address of the user')
    .option('--admin', 'make the user an administrator')
    .option('--password-stdin', 'read the password from standard input (one line)')
    .addHelpText(
      'after',
      `
Without --password-stdin the password is asked for twice, without echo; that needs a terminal.
Passwords are at least 12 characters long. In a script:
  printf '%s\\n' "$PASSWORD" | bulwark user create alice --email alice@example.com --password-stdin`,
    )
    .action(async (rawName: string, options: CreateOptions) => {
      // Checked before asking for anything, so a typo costs no password entry.
      const name = checkUserName(rawName);
      const password = options.passwordStdin ? await passwordFromStdin() : await promptNewPassword(checkPasswordLength);
      checkPasswordLength(password);
      // The service checks it again, with the leaked-password check the settings configure.
      const created = await withDatabase((db, config) =>
        createAccountsService({ db, clock: systemClock, breached: createBreachedPasswords(breachedPasswordsOptions(config)) }).createUser({
          name,
          email: options.email,
          password,
          isAdmin: options.admin === true,
        }),
      );
      process.stdout.write(`Created user ${created.name}${created.isAdmin ? ' (administrator)' : ''}.\n`);
    });

  registerUserRecoverCommand(user);
}
