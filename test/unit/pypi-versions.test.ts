// Expected values were checked against Python's packaging 26.2 (`str(Version(v))`,
// `canonicalize_version`, `sorted(key=Version)`, `SpecifierSet(s).contains(v, prereleases=True)`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pep440 from '@renovatebot/pep440';
import {
  canonicalPypiVersion,
  checkPypiVersion,
  comparePypiVersions,
  isPypiPrerelease,
  isPypiVersionOrRange,
  pypiRangeIncludes,
  pypiReleaseKey,
} from '../../src/ecosystems/pypi/versions.js';
import { BulwarkError } from '../../src/platform/errors.js';

const refusedWith = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => e instanceof BulwarkError && e.code === code && e.kind === 'invalid');

test('versions are returned in canonical form (packaging str(Version))', () => {
  // [as written, canonical, canonicalize_version (release key), is pre-release]
  const table: Array<[string, string, string, boolean]> = [
    ['1.0.0-RC1', '1.0.0rc1', '1rc1', true],
    ['01.0', '1.0', '1', false],
    ['1.0.post1.dev2', '1.0.post1.dev2', '1.post1.dev2', true],
    ['1!2.0', '1!2.0', '1!2', false],
    ['0!1.0', '1.0', '1', false],
    ['00!1.0', '1.0', '1', false],
    ['1.0', '1.0', '1', false],
    ['1.0.0', '1.0.0', '1', false],
    ['1.0.0.0', '1.0.0.0', '1', false],
    ['0', '0', '0', false],
    ['v1.0', '1.0', '1', false],
    ['V1.0', '1.0', '1', false],
    ['v1!2.0', '1!2.0', '1!2', false],
    ['1.0a1', '1.0a1', '1a1', true],
    ['1.0alpha1', '1.0a1', '1a1', true],
    ['1.0.a.1', '1.0a1', '1a1', true],
    ['1.0-a-1', '1.0a1', '1a1', true],
    ['1.0-ALPHA', '1.0a0', '1a0', true],
    ['1.0a01', '1.0a1', '1a1', true],
    ['1.0beta2', '1.0b2', '1b2', true],
    ['1.0c3', '1.0rc3', '1rc3', true],
    ['1.0pre3', '1.0rc3', '1rc3', true],
    ['1.0preview3', '1.0rc3', '1rc3', true],
    ['1.0rc', '1.0rc0', '1rc0', true],
    ['1.0-rc.1', '1.0rc1', '1rc1', true],
    ['1.0.post', '1.0.post0', '1.post0', false],
    ['1.0-1', '1.0.post1', '1.post1', false],
    ['1.0-0', '1.0.post0', '1.post0', false],
    ['1.0rev2', '1.0.post2', '1.post2', false],
    ['1.0r2', '1.0.post2', '1.post2', false],
    ['1.0-post-3', '1.0.post3', '1.post3', false],
    ['1.0_post_3', '1.0.post3', '1.post3', false],
    ['1.0.POST1', '1.0.post1', '1.post1', false],
    ['1.0.post01', '1.0.post1', '1.post1', false],
    ['1.0-rc1-2', '1.0rc1.post2', '1rc1.post2', true],
    ['1.0rc1.post', '1.0rc1.post0', '1rc1.post0', true],
    ['1.0.dev', '1.0.dev0', '1.dev0', true],
    ['1.0dev3', '1.0.dev3', '1.dev3', true],
    ['1.0-dev-3', '1.0.dev3', '1.dev3', true],
    ['1.0.DEV3', '1.0.dev3', '1.dev3', true],
    ['1.0.dev010', '1.0.dev10', '1.dev10', true],
    ['1.0a1.post2.dev3', '1.0a1.post2.dev3', '1a1.post2.dev3', true],
    ['2024.01.15', '2024.1.15', '2024.1.15', false],
    ['1.2.3.4.5.6', '1.2.3.4.5.6', '1.2.3.4.5.6', false],
    ['9007199254740991', '9007199254740991', '9007199254740991', false],
  ];
  for (const [raw, canonical, key, pre] of table) {
    assert.equal(checkPypiVersion(raw), canonical, raw);
    assert.equal(canonicalPypiVersion(raw), canonical, raw);
    assert.equal(pypiReleaseKey(raw), key, raw);
    assert.equal(isPypiPrerelease(raw), pre, raw);
    // Canonical is a fixed point.
    assert.equal(checkPypiVersion(canonical), canonical, canonical);
  }
});

test('invalid versions are refused with VERSION_INVALID', () => {
  const bad = [
    'abc',
    '',
    'latest',
    '1.0+', // an empty local label is not a local label
    '1.0 ', // packaging strips whitespace; Warehouse and Bulwark refuse it
    ' 1.0',
    '1.0\n',
    '1..0',
    '1.0.',
    '.1',
    '1.0-',
    '1.0--1',
    '1.0a1b2',
    '1.0.0.dev1.post1',
    '1.0.post1.post2',
    '1,0',
    '1.0~rc1',
    '1.0_',
    '1!',
    '!1.0',
    '1.0.x',
    'v',
    'vv1.0',
    '\u0967.\u0966', // Devanagari digits
    '\uff11.\uff10', // fullwidth digits
    '1'.repeat(129),
    // Past 2^53 the library's numbers round, so these would collide with other versions.
    '9007199254740993',
    '99999999999999999999.0',
    '1.0.post99999999999999999999',
    '99999999999999999999!1.0',
  ];
  for (const raw of bad) refusedWith(() => checkPypiVersion(raw), 'VERSION_INVALID');
  for (const raw of bad) assert.equal(canonicalPypiVersion(raw), null, raw);
});

test('local versions are refused with their own code (PyPI refuses them)', () => {
  for (const raw of ['1.0+local', '1.0+abc.5', '2.0.0+cu118', '1.0+ubuntu-1', '1!1.0rc1.post2.dev3+x_y']) {
    refusedWith(() => checkPypiVersion(raw), 'VERSION_LOCAL_NOT_ALLOWED');
  }
  // Still versions when written in a specifier or compared.
  assert.equal(canonicalPypiVersion('1.0+Ubuntu-1'), '1.0+ubuntu.1');
  // Local segments that JavaScript's Number() misreads are refused instead of mangled.
  for (const raw of ['1.0+0x1', '1.0+1e5', '1.0+Infinity']) assert.equal(canonicalPypiVersion(raw), null, raw);
});

test('PEP 440 ordering', () => {
  // packaging: sorted(vs, key=Version)
  const sorted = [
    '0.9', '0.9.post1', '1.0.dev0', '1.0.dev1', '1.0a1.dev1', '1.0a1', '1.0a1.post1', '1.0a2', '1.0b1', '1.0rc1',
    '1.0rc1.post1.dev1', '1.0', '1.0.post1.dev1', '1.0.post1.dev2', '1.0.post1', '1.0.post2', '1.0.0.1', '1.0.1',
    '1.1.dev1', '2.0', '10.0', '1!0.1',
  ];
  const shuffled = [...sorted].reverse();
  shuffled.push(shuffled.shift() as string);
  assert.deepEqual([...shuffled].sort(comparePypiVersions), sorted);
  for (let i = 0; i < sorted.length - 1; i++) {
    const a = sorted[i] as string;
    const b = sorted[i + 1] as string;
    assert.equal(comparePypiVersions(a, b), -1, `${a} < ${b}`);
    assert.equal(comparePypiVersions(b, a), 1, `${b} > ${a}`);
  }
  // Always -1, 0 or 1 (the library answers -3 here).
  assert.equal(comparePypiVersions('1', '1.0.0.1'), -1);
  // Equal PEP 440 versions though different strings: Warehouse keys releases on the release key.
  assert.equal(comparePypiVersions('1.0', '1.0.0'), 0);
  assert.equal(comparePypiVersions('1.0.0-RC1', '1.0rc1'), 0);
  assert.equal(pypiReleaseKey('1.0'), pypiReleaseKey('1.0.0'));
  // The library throws a TypeError on garbage; we throw a BulwarkError.
  refusedWith(() => comparePypiVersions('abc', '1.0'), 'VERSION_INVALID');
  refusedWith(() => comparePypiVersions('1.0', ''), 'VERSION_INVALID');
});

test('specifier sets (pre-releases admitted, as with --pre)', () => {
  // [specifier, version, admitted] — packaging SpecifierSet(s).contains(v, prereleases=True)
  const table: Array<[string, string, boolean]> = [
    ['>=1.0,<2', '1.5', true],
    ['>=1.0,<2', '2.0', false],
    ['>=1.0,<2', '0.9', false],
    ['>=1.0,<2', '1.5b1', true],
    ['>=1.0a1,<2', '1.5b1', true],
    ['>=1.0 ,  <2', '1.0', true],
    ['>= 1', '1.0', true],
    ['== 1.0', '1.0.0', true],
    ['', '0.1', true],
    ['   ', '0.1', true],
    ['>=1,', '1.0', true],
    ['>=1,,<2', '3.0', false],
    ['(>=1.0)', '1.0', true],
    ['>=v1.0', '1.0', true],
    // exclusive ordered comparisons
    ['>1.0', '1.0.post1', false],
    ['>1.0', '1.0.1', true],
    ['>1.0.post1', '1.0.post2', true],
    ['>1.0', '1.0.post1.dev1', false],
    ['>1.0a1', '1.0a1.post1', false],
    ['>1.0.dev1', '1.0', true],
    ['>1.0', '1.0+x', false],
    ['<2', '2.0rc1', false],
    ['<2', '2.0.dev1', false],
    ['<2rc2', '2.0rc1', true],
    ['<1.0.post2', '1.0.post1', true],
    ['<1.0.dev5', '1.0.dev1', true],
    ['<1.0.post1', '1.0.post1.dev1', false],
    ['<1.0', '0.9.post1', true],
    ['<=2', '2.0rc1', true],
    ['>=2', '2.0rc1', false],
    ['<=1.0', '1.0.post1', false],
    // compatible release
    ['~=1.4.5', '1.4.9', true],
    ['~=1.4.5', '1.5.0', false],
    ['~=1.4.5', '1.4.4', false],
    ['~=1.4', '1.9', true],
    ['~=1.4', '2.0', false],
    ['~=1.4.5a4', '1.4.5a5', true],
    ['~=1.4.5a4', '1.4.5a3', false],
    ['~=1!1.4', '1!1.5', true],
    ['~=1!1.4', '1.5', false],
    // prefix matching
    ['==1.0.*', '1.0rc1', true],
    ['==1.0.*', '1.0.post1', true],
    ['==1.0.*', '1.0', true],
    ['==1.0.*', '1', true],
    ['==1.0.0.*', '1.0', true],
    ['==2.0.*', '2', true],
    ['==1.0.*', '1.01', false],
    ['==1.0.*', '1!1.0', false],
    ['==1.*', '1.9.9', true],
    ['==1.*', '2.0', false],
    ['!=1.0.*', '1.1', true],
    ['!=1.0.*', '1.0.5', false],
    ['==1.*,!=1.5.*', '1.5.2', false],
    ['==1.*,!=1.5.*', '1.6', true],
    // equality and local labels
    ['==1.0', '1.0.0', true],
    ['==1.0', '1.0+local', true],
    ['==1.0+local', '1.0', false],
    ['==1.0+local', '1.0+local', true],
    ['!=1.0', '1.0.0', false],
    ['!=1.0', '1.0.1', true],
    ['===1.0', '1.0', true],
    ['===1.0', '1.0.0', false],
    ['===1.0', '1.0+x', false],
    // epochs
    ['>=1!0', '2.0', false],
    ['<1!0', '2.0', true],
  ];
  for (const [spec, version, admitted] of table) {
    assert.equal(pypiRangeIncludes(spec, version), admitted, `${JSON.stringify(spec)} admits ${version}: ${admitted}`);
  }
});

test('invalid specifiers or versions admit nothing', () => {
  const badSpecs = [
    '~=1', // needs two release segments
    '~=1.0+x',
    '==1.0rc1.*', // wildcard after a pre-release
    '==1.0.dev1.*',
    '<1.0.*',
    '>=1.0+local',
    '>=1.0;',
    '>=1.0 <2',
    'foo',
    '1.0', // a bare version is not a specifier
    '>=abc',
    '^1.0', // npm syntax
    '>=1.0,foo',
    '((>=1.0))',
    'requests>=2', // a requirement, not a specifier
  ];
  for (const spec of badSpecs) {
    assert.equal(pypiRangeIncludes(spec, '1.0'), false, spec);
    assert.equal(pypiRangeIncludes(spec, '1.0.0'), false, spec);
  }
  // The library throws a TypeError here.
  assert.equal(pypiRangeIncludes('>=1', 'abc'), false);
  assert.equal(pypiRangeIncludes('', 'abc'), false);
});

test('version-or-range text (cannot be a tag)', () => {
  for (const text of ['1.0', 'v1.0', '1.0rc1', '1!2.0', '>=1.0', '>=1.0,<2', '~=1.4', '==1.*', '!=2', '===foo', '(>=1)']) {
    assert.equal(isPypiVersionOrRange(text), true, text);
  }
  for (const text of ['', ' ', ',', 'latest', 'stable', 'beta', 'next', 'dev', 'foo', '~=1', '^1.0']) {
    assert.equal(isPypiVersionOrRange(text), false, text);
  }
});

// Pins the library behaviours versions.ts works around, so an upgrade that fixes (or changes)
// one of them shows up here.
test('@renovatebot/pep440 quirks this module works around', () => {
  assert.equal(pep440.satisfies('1.0.post2', '>1.0.post1'), false); // packaging: true
  assert.equal(pep440.satisfies('1.0.dev1', '<1.0.dev5', { prereleases: true }), false); // packaging: true
  assert.equal(pep440.satisfies('1', '==1.0.*'), false); // packaging: true
  assert.equal(pep440.satisfies('1.5b1', '>=1.0a1,<2'), false); // packaging: true (any pre-release clause admits them all)
  assert.equal(pep440.validRange('>=1,'), false); // packaging: valid
  assert.equal(pep440.validRange('==1.0rc1.*'), true); // packaging: invalid
  assert.equal(pep440.clean('99999999999999999999.0'), '100000000000000000000.0');
  assert.equal(pep440.clean('1.0+0x1'), '1.0+1'); // packaging: 1.0+0x1
  assert.equal(pep440.clean(' 1.0 '), '1.0');
  assert.equal(pep440.compare('1', '1.0.0.1'), -3);
  assert.throws(() => pep440.compare('abc', '1.0'), TypeError);
  assert.throws(() => pep440.satisfies('abc', '>=1'), TypeError);
  // Typed as arrays (Pep440Version), but `explain` gives numbers for post and dev.
  const explained = pep440.explain('1.0.post2.dev3') as unknown as { post: unknown; dev: unknown };
  assert.equal(explained.post, 2);
  assert.equal(explained.dev, 3);
});
