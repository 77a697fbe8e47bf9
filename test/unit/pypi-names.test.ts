import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProjectName, filenameEscape, normalizePypiName, quoteForMessage } from '../../src/ecosystems/pypi/names.js';
import { BulwarkError } from '../../src/platform/errors.js';

const refusedWith = (fn: () => unknown, code: string, message?: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof BulwarkError && e.code === code && e.kind === 'invalid' && (!message || message.test(e.message)));

test('PEP 503 normalization', () => {
  const table: Array<[string, string]> = [
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['ruamel.yaml.clib', 'ruamel-yaml-clib'],
    ['typing_extensions', 'typing-extensions'],
    ['Flask-SQLAlchemy', 'flask-sqlalchemy'],
    ['PyYAML', 'pyyaml'],
    ['oslo.concurrency', 'oslo-concurrency'],
    ['a-_.b', 'a-b'],
    ['a__b', 'a-b'],
    ['A.-_.-B', 'a-b'],
    ['pip', 'pip'],
    ['0', '0'],
  ];
  for (const [raw, normalized] of table) assert.equal(normalizePypiName(raw), normalized, raw);
});

test('valid names are accepted and returned normalized', () => {
  const table: Array<[string, string]> = [
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['ruamel.yaml.clib', 'ruamel-yaml-clib'],
    ['typing_extensions', 'typing-extensions'],
    ['backports.zoneinfo', 'backports-zoneinfo'],
    ['Demo_Pkg', 'demo-pkg'],
    ['requests', 'requests'],
    ['a', 'a'],
    ['Z', 'z'],
    ['7', '7'],
    ['2to3', '2to3'],
    ['x.y_z-w', 'x-y-z-w'],
    ['a__b', 'a-b'],
    ['a'.repeat(200), 'a'.repeat(200)],
  ];
  for (const [raw, normalized] of table) assert.equal(checkProjectName(raw), normalized, raw);
});

test('names outside the core-metadata grammar are refused', () => {
  const bad = [
    '',
    'a'.repeat(201),
    '-foo',
    'foo-',
    '.hidden',
    'foo.',
    '_private',
    'foo_',
    'with space',
    ' foo',
    'foo ',
    'foo/bar',
    '../evil',
    'foo\\bar',
    'foo@1.0',
    'foo+bar',
    'foo!',
    'foo:bar',
    'foo\nbar',
    'foo\0',
    '-',
    '.',
    '_',
  ];
  for (const raw of bad) refusedWith(() => checkProjectName(raw), 'NAME_INVALID');
  refusedWith(() => checkProjectName('a'.repeat(201)), 'NAME_INVALID', /1 to 200 characters/);
  refusedWith(() => checkProjectName('-foo'), 'NAME_INVALID', /start and end with an ASCII letter or digit/);
});

test('confusables: non-ASCII letters are refused before any case folding', () => {
  const homoglyphs: Array<[string, string]> = [
    ['requ\u0435sts', 'Cyrillic е (U+0435) for e'],
    ['dj\u0430ngo', 'Cyrillic а (U+0430) for a'],
    ['\u0430', 'a lone Cyrillic а'],
    ['numpy\u200b', 'zero-width space'],
    ['nu\u00admpy', 'soft hyphen'],
    ['\uff24jango', 'fullwidth Ｄ'],
    ['caf\u00e9', 'é'],
    // Under a /…/iu regex these fold to ASCII `k` and `s` and would pass; the grammar is ASCII.
    ['\u212aeras', 'KELVIN SIGN for K'],
    ['\u017fix', 'LONG S for s'],
    ['\u0131mport', 'dotless ı'],
    ['pip\u0301', 'combining accent'],
    ['\u{1d68a}', 'mathematical monospace a'],
  ];
  for (const [raw, why] of homoglyphs) {
    assert.throws(
      () => checkProjectName(raw),
      (e: unknown) => e instanceof BulwarkError && e.code === 'NAME_INVALID' && /non-ASCII/.test(e.message),
      why,
    );
  }
  // The message shows the hidden character as an escape rather than as a look-alike.
  assert.throws(() => checkProjectName('requ\u0435sts'), (e: unknown) => e instanceof BulwarkError && e.message.includes('"requ\\u0435sts"'));
  // Case folding would have made the Kelvin sign an ASCII letter: make sure the check ran first.
  assert.equal('\u212a'.toLowerCase(), 'k');
});

test('distinct spellings of one project normalize alike', () => {
  const spellings = ['Zope.Interface', 'zope_interface', 'zope-interface', 'ZOPE__INTERFACE', 'zope._-interface'];
  assert.deepEqual(new Set(spellings.map(checkProjectName)), new Set(['zope-interface']));
});

test('filename escape and message quoting', () => {
  assert.equal(filenameEscape('zope-interface'), 'zope_interface');
  assert.equal(filenameEscape('ruamel-yaml-clib'), 'ruamel_yaml_clib');
  assert.equal(quoteForMessage('plain'), '"plain"');
  assert.equal(quoteForMessage('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quoteForMessage('x\ny'), '"x\\u000ay"');
  assert.equal(quoteForMessage('\u{1f600}'), '"\\u{1f600}"');
  assert.equal(quoteForMessage('abcdef', 3), '"abc"...');
});
