// `bulwark policy mfa` and `bulwark package critical`: the MFA policy and the admin mark of
// critical packages, from the server's shell. Each change is an event (policy:change,
// package:critical) with no acting user: the operator of the machine made it.
import { Option, type Command } from 'commander';
import { systemClock } from '../../platform/clock.js';
import { createMfaPolicyService, MFA_MODES, type MfaMode } from '../../mfa-policy/index.js';
import { withDatabase } from '../database.js';
import { CliError } from '../failure.js';

interface PolicyOptions {
  mode?: MfaMode;
  phishingResistant?: boolean;
}

interface CriticalOptions {
  on?: boolean;
  off?: boolean;
}

export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('Show or change registry-wide security policies.');
  policy
    .command('mfa')
    .description('Show or set the MFA policy: who must use a second factor to publish, unpublish, change owners or tokens.')
    .addOption(new Option('--mode <mode>', 'optional | critical-maintainers | all-maintainers').choices([...MFA_MODES]))
    .option('--phishing-resistant', 'critical packages need a phishing-resistant factor (security key or passkey)')
    .option('--no-phishing-resistant', 'any second factor will do for critical packages')
    .addHelpText(
      'after',
      `
Without options it prints the policy in force. A package is critical when it is in the top 1%
of the registry by downloads over the last 90 days, or marked with \`bulwark package critical\`.`,
    )
    .action(async (options: PolicyOptions) => {
      const result = await withDatabase(async (db, config) => {
        const service = createMfaPolicyService({ db, clock: systemClock, mfa: null, publicUrl: config.publicUrl });
        const current = await service.getPolicy();
        if (options.mode === undefined && options.phishingResistant === undefined) return { policy: current, changed: null };
        const next = {
          mode: options.mode ?? current.mode,
          criticalNeedsPhishingResistant: options.phishingResistant ?? current.criticalNeedsPhishingResistant,
        };
        return { policy: next, changed: await service.setPolicy(next, { userId: null }) };
      });
      const { policy: p, changed } = result;
      process.stdout.write(`mode: ${p.mode}\nphishing-resistant for critical packages: ${p.criticalNeedsPhishingResistant ? 'yes' : 'no'}\n`);
      if (changed !== null) process.stderr.write(changed ? 'MFA policy changed.\n' : 'MFA policy unchanged (already so).\n');
    });

  const pkg = program.command('package').description('Administer packages.');
  pkg
    .command('critical')
    .description('Show, set or clear the administrator mark that makes a package critical.')
    .argument('<ecosystem>', 'npm or pypi')
    .argument('<name>', 'package name')
    .option('--on', 'mark the package critical')
    .option('--off', 'remove the mark (it stays critical if its downloads put it in the top 1%)')
    .action(async (ecosystem: string, name: string, options: CriticalOptions) => {
      if (options.on && options.off) throw new CliError('Give --on or --off, not both.');
      const outcome = await withDatabase(async (db, config) => {
        const service = createMfaPolicyService({ db, clock: systemClock, mfa: null, publicUrl: config.publicUrl });
        const target = await service.critical.findPackage(ecosystem, name);
        if (!target) throw new CliError(`No ${ecosystem} package named ${JSON.stringify(name)}.`);
        const changed = options.on || options.off ? await service.critical.setMarked(target, options.on === true, null) : null;
        const listed = (await service.critical.list()).find((p) => p.packageId === target.packageId);
        return { target, changed, marked: listed?.marked ?? false, byDownloads: listed?.byDownloads ?? false };
      });
      const { target, changed, marked, byDownloads } = outcome;
      const critical = marked || byDownloads;
      process.stdout.write(
        `${target.ecosystem}:${target.name}: ${critical ? 'critical' : 'not critical'}` +
          `${critical ? ` (${[marked ? 'marked by an administrator' : null, byDownloads ? 'top 1% by downloads' : null].filter(Boolean).join(', ')})` : ''}\n`,
      );
      if (changed === false) process.stderr.write('Unchanged (already so).\n');
    });
}
