#!/usr/bin/env node
// The `bulwark` command. The sources are TypeScript, run through tsx; nothing is compiled ahead.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv);
