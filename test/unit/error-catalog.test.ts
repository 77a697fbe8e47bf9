// docs/errors.md cannot drift from the code: every stable error code written in src/ is listed
// there with its kind and status, and every code listed there still exists in src/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statusOfKind, type ErrorKind } from '../../src/platform/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');
const DOC = join(ROOT, 'docs', 'errors.md');
/** Where the helpers themselves are defined (their code is a parameter, not a literal). */
const ERRORS_MODULE = join('src', 'platform', 'errors.ts');

// The helpers of src/platform/errors.ts and the kind each one builds.
const HELPER_KINDS: Record<string, ErrorKind> = {
  invalid: 'invalid',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  tooLarge: 'too_large',
  unauthenticated: 'unauthenticated',
};
const HELPERS = Object.keys(HELPER_KINDS).join('|');
const Q = `['"\`]`;
const CODE = '([A-Z][A-Z0-9_]*)';
// `new BulwarkError('kind', 'CODE'` and `invalid('CODE'` …, across line breaks; not `x.invalid(`.
const WITH_KIND = new RegExp(`\\bnew\\s+BulwarkError\\(\\s*${Q}([a-z_]+)${Q}\\s*,\\s*${Q}${CODE}${Q}`, 'g');
const WITH_HELPER = new RegExp(`(?<![\\w.$])(${HELPERS})\\(\\s*${Q}${CODE}${Q}`, 'g');
// Every construction, literal code or not, to catch codes this scan could not read.
const ANY_CONSTRUCTION = new RegExp(`\\bnew\\s+BulwarkError\\(|(?<![\\w.$])(?:${HELPERS})\\(`, 'g');

interface Use {
  code: string;
  kind: string;
  where: string;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function sourceFiles(): string[] {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .filter((path) => path.endsWith('.ts'))
    .map((path) => join(SRC, path))
    .sort();
}

function scanSource(): { uses: Use[]; unreadable: string[] } {
  const uses: Use[] = [];
  const unreadable: string[] = [];
  for (const file of sourceFiles()) {
    const rel = relative(ROOT, file);
    const text = readFileSync(file, 'utf8');
    const literal = new Set<number>();
    for (const match of text.matchAll(WITH_KIND)) {
      uses.push({ code: match[2]!, kind: match[1]!, where: `${rel}:${lineOf(text, match.index)}` });
      literal.add(match.index);
    }
    for (const match of text.matchAll(WITH_HELPER)) {
      uses.push({ code: match[2]!, kind: HELPER_KINDS[match[1]!]!, where: `${rel}:${lineOf(text, match.index)}` });
      literal.add(match.index);
    }
    if (rel === ERRORS_MODULE) continue;
    for (const match of text.matchAll(ANY_CONSTRUCTION)) {
      if (!literal.has(match.index)) unreadable.push(`${rel}:${lineOf(text, match.index)}: ${text.slice(match.index, text.indexOf('\n', match.index)).trim()}`);
    }
  }
  return { uses, unreadable };
}

interface DocRow {
  code: string;
  kind: string;
  status: number;
  line: number;
}

function scanDoc(): DocRow[] {
  const rows: DocRow[] = [];
  readFileSync(DOC, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const match = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([a-z_]+)\s*\|\s*(\d{3})\s*\|/.exec(line);
      if (match) rows.push({ code: match[1]!, kind: match[2]!, status: Number(match[3]), line: index + 1 });
    });
  return rows;
}

const { uses, unreadable } = scanSource();
const docRows = scanDoc();
const codesInSource = new Map<string, Use[]>();
for (const use of uses) codesInSource.set(use.code, [...(codesInSource.get(use.code) ?? []), use]);
const docByCode = new Map(docRows.map((row) => [row.code, row]));

/** Status the server really sends for a code: the kind's, except INTERNAL (see platform/http/server.ts). */
function expectedStatus(code: string, kind: ErrorKind): number {
  return code === 'INTERNAL' ? 500 : statusOfKind[kind];
}

describe('error catalog (docs/errors.md)', () => {
  test('the scan finds codes in src and rows in the doc', () => {
    assert.ok(codesInSource.size > 20, `expected many codes in src/, found ${codesInSource.size}: is the scan broken?`);
    assert.ok(docRows.length > 20, `expected many rows in docs/errors.md, found ${docRows.length}: is the table format changed?`);
  });

  test('every code used in src/ is documented', () => {
    const missing = [...codesInSource.entries()]
      .filter(([code]) => !docByCode.has(code))
      .map(([code, list]) => `| \`${code}\` | ${list[0]!.kind} | ${expectedStatus(code, list[0]!.kind as ErrorKind)} | … |   ← ${list.map((u) => u.where).join(', ')}`);
    assert.deepEqual(missing, [], `Codes used in src/ but missing from docs/errors.md (add these rows):\n${missing.join('\n')}\n`);
  });

  test('every documented code is still used in src/', () => {
    const stale = docRows.filter((row) => !codesInSource.has(row.code)).map((row) => `docs/errors.md:${row.line}: ${row.code}`);
    assert.deepEqual(stale, [], `Codes in docs/errors.md that no code in src/ raises any more (remove or fix them):\n${stale.join('\n')}\n`);
  });

  test('each code is documented once', () => {
    const seen = new Map<string, number>();
    const duplicates: string[] = [];
    for (const row of docRows) {
      const first = seen.get(row.code);
      if (first !== undefined) duplicates.push(`${row.code}: lines ${first} and ${row.line}`);
      else seen.set(row.code, row.line);
    }
    assert.deepEqual(duplicates, [], `Codes listed twice in docs/errors.md:\n${duplicates.join('\n')}\n`);
  });

  test('each code has one kind in src/, the one documented', () => {
    const problems: string[] = [];
    for (const [code, list] of codesInSource) {
      const kinds = [...new Set(list.map((u) => u.kind))];
      if (kinds.length > 1) {
        problems.push(`${code} is raised with several kinds: ${list.map((u) => `${u.kind} at ${u.where}`).join(', ')}`);
        continue;
      }
      const row = docByCode.get(code);
      if (row && row.kind !== kinds[0]) problems.push(`${code}: docs/errors.md:${row.line} says ${row.kind}, src/ raises ${kinds[0]} (${list[0]!.where})`);
    }
    assert.deepEqual(problems, [], `Kinds disagree:\n${problems.join('\n')}\n`);
  });

  test('each documented status is what the kind maps to', () => {
    const problems: string[] = [];
    for (const row of docRows) {
      if (!(row.kind in statusOfKind)) {
        problems.push(`docs/errors.md:${row.line}: ${row.code} has unknown kind ${row.kind}`);
        continue;
      }
      const expected = expectedStatus(row.code, row.kind as ErrorKind);
      if (row.status !== expected) problems.push(`docs/errors.md:${row.line}: ${row.code} says ${row.status}, ${row.kind} is ${expected}`);
    }
    assert.deepEqual(problems, [], `Statuses disagree with statusOfKind:\n${problems.join('\n')}\n`);
  });

  test('every error construction names its code as a literal the catalog can read', () => {
    assert.deepEqual(
      unreadable,
      [],
      `These constructions do not pass a string literal code, so docs/errors.md cannot be checked against them.\n` +
        `Write the code literally (e.g. invalid('SOME_CODE', …)):\n${unreadable.join('\n')}\n`,
    );
  });
});
