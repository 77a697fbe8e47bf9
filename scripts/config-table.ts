// Prints the README's configuration table, generated from the schema in src/platform/config.ts.
//   npx tsx scripts/config-table.ts          print it
//   npx tsx scripts/config-table.ts --write  replace the table between the README's markers
// test/unit/config.test.ts fails when the README's copy differs from the schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTableMarkdown } from '../src/platform/config.js';

export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';

/** The README with the text between the markers replaced by the current table. */
export function withConfigTable(readme: string, table = configTableMarkdown()): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} and ${END}, in that order`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--write')) {
    const path = new URL('../README.md', import.meta.url);
    writeFileSync(path, withConfigTable(readFileSync(path, 'utf8')));
    process.stdout.write('README.md: configuration table updated\n');
  } else {
    process.stdout.write(`${configTableMarkdown()}\n`);
  }
}
