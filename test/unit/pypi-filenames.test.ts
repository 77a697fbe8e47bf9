// Accepted names were checked against packaging 26.2's parse_wheel_filename / parse_sdist_filename.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFilenameMatches, parsePypiFilename, pythonVersionOf, type PypiFilename } from '../../src/ecosystems/pypi/filenames.js';
import { BulwarkError } from '../../src/platform/errors.js';

const refusedWith = (fn: () => unknown, code: string, message?: RegExp) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof BulwarkError && e.code === code && e.kind === 'invalid' && (!message || message.test(e.message)),
  );

const wheel = (project: string, version: string, py: string[], abi: string[], plat: string[], buildTag?: string): PypiFilename => ({
  kind: 'wheel',
  project,
  version,
  ...(buildTag === undefined ? {} : { buildTag }),
  pythonTags: py,
  abiTags: abi,
  platformTags: plat,
});
const sdist = (project: string, version: string): PypiFilename => ({
  kind: 'sdist',
  project,
  version,
  pythonTags: [],
  abiTags: [],
  platformTags: [],
});

test('real-world wheels parse', () => {
  const table: Array<[string, PypiFilename, string]> = [
    ['typing_extensions-4.12.2-py3-none-any.whl', wheel('typing-extensions', '4.12.2', ['py3'], ['none'], ['any']), 'py3'],
    [
      'numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      wheel('numpy', '2.1.0', ['cp312'], ['cp312'], ['manylinux_2_17_x86_64', 'manylinux2014_x86_64']),
      'cp312',
    ],
    ['foo-1.0-1-py3-none-any.whl', wheel('foo', '1.0', ['py3'], ['none'], ['any'], '1'), 'py3'],
    ['foo-1.0-20240101abc-py3-none-any.whl', wheel('foo', '1.0', ['py3'], ['none'], ['any'], '20240101abc'), 'py3'],
    ['six-1.16.0-py2.py3-none-any.whl', wheel('six', '1.16.0', ['py2', 'py3'], ['none'], ['any']), 'py2.py3'],
    ['ruamel_yaml_clib-0.2.8-cp311-cp311-win_amd64.whl', wheel('ruamel-yaml-clib', '0.2.8', ['cp311'], ['cp311'], ['win_amd64']), 'cp311'],
    // Older wheels kept the dots and capitals; consumers must accept them.
    ['ruamel.yaml.clib-0.2.8-cp311-cp311-win_amd64.whl', wheel('ruamel-yaml-clib', '0.2.8', ['cp311'], ['cp311'], ['win_amd64']), 'cp311'],
    ['Django-5.0.6-py3-none-any.whl', wheel('django', '5.0.6', ['py3'], ['none'], ['any']), 'py3'],
    ['zope.interface-6.4-cp312-cp312-macosx_10_9_x86_64.whl', wheel('zope-interface', '6.4', ['cp312'], ['cp312'], ['macosx_10_9_x86_64']), 'cp312'],
    [
      'cryptography-43.0.0-cp39-abi3-macosx_10_9_universal2.whl',
      wheel('cryptography', '43.0.0', ['cp39'], ['abi3'], ['macosx_10_9_universal2']),
      'cp39',
    ],
    [
      'pydantic_core-2.20.1-cp313-cp313t-musllinux_1_1_aarch64.whl',
      wheel('pydantic-core', '2.20.1', ['cp313'], ['cp313t'], ['musllinux_1_1_aarch64']),
      'cp313',
    ],
    ['pip-24.2-py3-none-any.whl', wheel('pip', '24.2', ['py3'], ['none'], ['any']), 'py3'],
    ['black-24.4.2-cp312-cp312-win32.whl', wheel('black', '24.4.2', ['cp312'], ['cp312'], ['win32']), 'cp312'],
    // Versions are returned canonical; epochs and pre/post/dev survive.
    ['foo-1.0.0rc1-py3-none-any.whl', wheel('foo', '1.0.0rc1', ['py3'], ['none'], ['any']), 'py3'],
    ['foo-1!2.0.post1.dev3-py3-none-any.whl', wheel('foo', '1!2.0.post1.dev3', ['py3'], ['none'], ['any']), 'py3'],
    ['foo-01.0_RC1-py3-none-any.whl', wheel('foo', '1.0rc1', ['py3'], ['none'], ['any']), 'py3'],
    ['a-1-py3-none-any.whl', wheel('a', '1', ['py3'], ['none'], ['any']), 'py3'],
  ];
  for (const [filename, expected, pyVersion] of table) {
    const parsed = parsePypiFilename(filename);
    assert.deepEqual(parsed, expected, filename);
    assert.equal(pythonVersionOf(parsed), pyVersion, filename);
  }
});

test('PEP 625 sdists parse', () => {
  const table: Array<[string, PypiFilename]> = [
    ['requests-2.32.3.tar.gz', sdist('requests', '2.32.3')],
    ['zope_interface-7.0.tar.gz', sdist('zope-interface', '7.0')],
    ['ruamel_yaml_clib-0.2.8.tar.gz', sdist('ruamel-yaml-clib', '0.2.8')],
    ['typing_extensions-4.12.2.tar.gz', sdist('typing-extensions', '4.12.2')],
    ['django-5.1.tar.gz', sdist('django', '5.1')],
    ['foo-1!2.0rc1.tar.gz', sdist('foo', '1!2.0rc1')],
    // The version need not be canonical in the filename (Warehouse neither); it is returned canonical.
    ['foo-1.0.0RC1.tar.gz', sdist('foo', '1.0.0rc1')],
    ['foo-01.0.tar.gz', sdist('foo', '1.0')],
    ['a2-0.tar.gz', sdist('a2', '0')],
  ];
  for (const [filename, expected] of table) {
    const parsed = parsePypiFilename(filename);
    assert.deepEqual(parsed, expected, filename);
    assert.equal(pythonVersionOf(parsed), 'source', filename);
  }
});

test('bad filenames are refused with FILENAME_INVALID', () => {
  const table: Array<[string, RegExp]> = [
    // paths and traversal
    ['../evil-1.0.tar.gz', /without "\/"/],
    ['..\\evil-1.0.tar.gz', /without "\/"/],
    ['dir/foo-1.0.tar.gz', /without "\/"/],
    ['/etc/foo-1.0-py3-none-any.whl', /without "\/"/],
    ['foo..bar-1.0-py3-none-any.whl', /contains "\.\."/],
    ['foo-1.0..tar.gz', /contains "\.\."/],
    // control, NUL, non-ASCII, other characters
    ['foo-1.0.tar.gz\0.whl', /control or non-ASCII/],
    ['foo-1.0\n.tar.gz', /control or non-ASCII/],
    ['foo-1.0\x7f.tar.gz', /control or non-ASCII/],
    ['f\u043eo-1.0.tar.gz', /control or non-ASCII/], // Cyrillic о
    ['foo-\u0661.0.tar.gz', /control or non-ASCII/], // Arabic-Indic digit
    ['foo-1.0 .tar.gz', /only ASCII letters/],
    ['foo-1.0:x.tar.gz', /only ASCII letters/],
    ['foo-1.0%2F.tar.gz', /only ASCII letters/],
    [`${'a'.repeat(240)}-1.0-py3-none-any.whl`, /longer than 255/],
    // extensions
    ['foo-1.0.exe', /only wheels/],
    ['foo-1.0.zip', /PEP 625/],
    ['foo-1.0.ZIP', /PEP 625/],
    ['foo-1.0.tar.bz2', /only wheels/],
    ['foo-1.0.tgz', /only wheels/],
    ['foo-1.0-py3.7.egg', /only wheels/],
    ['foo-1.0.tar', /only wheels/],
    ['foo-1.0.TAR.GZ', /only wheels/],
    ['foo-1.0-py3-none-any.WHL', /only wheels/],
    ['foo-1.0.tar.gz.whl', /wheel filename is/],
    ['foo-1.0-py3-none-any.whl.tar.gz', /as 'foo_1_0_py3_none'/],
    ['foo-1.0.msi', /only wheels/],
    ['foo-1.0.rpm', /only wheels/],
    ['foo', /only wheels/],
    // sdists
    ['foo.tar.gz', /\{name\}-\{version\}\.tar\.gz/],
    ['-1.0.tar.gz', /\{name\}-\{version\}\.tar\.gz/],
    ['foo-.tar.gz', /not a valid PEP 440 version/],
    ['foo-bar.tar.gz', /not a valid PEP 440 version/],
    ['foo-latest.tar.gz', /not a valid PEP 440 version/],
    ['Django-5.0.tar.gz', /as 'django'/],
    ['zope.interface-7.0.tar.gz', /as 'zope_interface'/],
    ['foo-bar-1.0.tar.gz', /as 'foo_bar'/],
    ['foo__bar-1.0.tar.gz', /as 'foo_bar'/],
    ['Foo_Bar-1.0.tar.gz', /as 'foo_bar'/],
    ['_foo-1.0.tar.gz', /not a valid project name/],
    ['foo_-1.0.tar.gz', /not a valid project name/],
    ['foo-1.0-1.tar.gz', /as 'foo_1_0'/], // `1.0-1` (implicit post) reads as name 'foo-1.0', version '1'
    // wheels
    ['foo-1.0-py3-none.whl', /found 4 parts/],
    ['foo-bar-1.0-py3-none-any.whl', /not a valid PEP 440 version/], // unescaped '-': version would be 'bar'
    ['foo-bar-1.0-1-py3-none-any.whl', /found 7 parts/],
    ['foo-1.0-1-2-py3-none-any.whl', /found 7 parts/],
    ['foo-1.0.whl', /found 2 parts/],
    ['-1.0-py3-none-any.whl', /not a valid wheel distribution name/],
    ['foo__bar-1.0-py3-none-any.whl', /not a valid wheel distribution name/],
    ['foo._bar-1.0-py3-none-any.whl', /not a valid wheel distribution name/],
    ['_foo-1.0-py3-none-any.whl', /not a valid wheel distribution name/],
    ['foo.-1.0-py3-none-any.whl', /not a valid wheel distribution name/],
    ['foo-1.0-abc-py3-none-any.whl', /build tag "abc" must start with a digit/],
    ['foo-1.0--py3-none-any.whl', /build tag "" must start with a digit/],
    ['foo-abc-py3-none-any.whl', /not a valid PEP 440 version/],
    ['foo-1.0-py3-none-.whl', /not a valid platform tag set/],
    ['foo-1.0--none-any.whl', /not a valid python tag set/],
    ['foo-1.0-py2.-none-any.whl', /not a valid python tag set/],
    ['foo-1.0-py3-.none-any.whl', /not a valid ABI tag set/],
    ['foo-1.0-py3-none-any!.whl', /not a valid platform tag set/],
    ['foo-1!-py3-none-any.whl', /not a valid PEP 440 version/],
    ['', /required/],
  ];
  for (const [filename, message] of table) refusedWith(() => parsePypiFilename(filename), 'FILENAME_INVALID', message);
});

test('a local version in a filename keeps its own refusal', () => {
  refusedWith(() => parsePypiFilename('torch-2.4.0+cu121-cp312-cp312-linux_x86_64.whl'), 'VERSION_LOCAL_NOT_ALLOWED');
  refusedWith(() => parsePypiFilename('foo-1.0+local.tar.gz'), 'VERSION_LOCAL_NOT_ALLOWED');
  // An empty local label is simply not a version.
  refusedWith(() => parsePypiFilename('foo-1.0+.tar.gz'), 'FILENAME_INVALID');
});

test('messages quote client text safely', () => {
  assert.throws(
    () => parsePypiFilename('f\u043eo-1.0.tar.gz'),
    (e: unknown) => e instanceof BulwarkError && e.message.includes('"f\\u043eo-1.0.tar.gz"') && !/[^\x20-\x7e]/.test(e.message),
  );
  assert.throws(
    () => parsePypiFilename('foo-1.0.tar.gz\r\nX-Injected: 1'),
    (e: unknown) => e instanceof BulwarkError && !/[\r\n]/.test(e.message),
  );
});

test('filename must match the metadata (normalized name, canonical version)', () => {
  const ok: Array<[string, string, string]> = [
    ['typing_extensions-4.12.2-py3-none-any.whl', 'typing_extensions', '4.12.2'],
    ['typing_extensions-4.12.2-py3-none-any.whl', 'Typing.Extensions', '4.12.2'],
    ['zope_interface-7.0.tar.gz', 'zope.interface', '7.0'],
    ['Django-5.0.6-py3-none-any.whl', 'django', '5.0.6'],
    ['foo-1.0rc1-py3-none-any.whl', 'foo', '1.0-RC1'],
    ['foo-01.0.tar.gz', 'foo', '1.0'],
  ];
  for (const [filename, project, version] of ok) {
    assert.doesNotThrow(() => checkFilenameMatches(parsePypiFilename(filename), project, version), filename);
  }
  const mismatched: Array<[string, string, string, RegExp]> = [
    ['requests-2.32.3.tar.gz', 'request', '2.32.3', /start the filename with 'request'/],
    ['zope_interface-7.0.tar.gz', 'zope.interfaces', '7.0', /'zope_interfaces'/],
    ['foo-1.0-py3-none-any.whl', 'foo', '1.1', /should be '1.1' not '1.0'/],
    ['foo-1.0-py3-none-any.whl', 'foo', '1.0rc1', /should be '1.0rc1' not '1.0'/],
    ['foo-1!1.0-py3-none-any.whl', 'foo', '1.0', /should be '1.0' not '1!1.0'/],
    // Equal as PEP 440 versions but spelled differently: refused, one release, one spelling.
    ['foo-1.0.0-py3-none-any.whl', 'foo', '1.0', /should be '1.0' not '1.0.0'/],
    ['foo_bar-1.0.tar.gz', 'foobar', '1.0', /'foobar'/],
  ];
  for (const [filename, project, version, message] of mismatched) {
    refusedWith(() => checkFilenameMatches(parsePypiFilename(filename), project, version), 'FILENAME_MISMATCH', message);
  }
  // Invalid metadata is refused for what it is.
  const parsed = parsePypiFilename('foo-1.0.tar.gz');
  refusedWith(() => checkFilenameMatches(parsed, 'f\u043eo', '1.0'), 'NAME_INVALID');
  refusedWith(() => checkFilenameMatches(parsed, 'foo', 'abc'), 'VERSION_INVALID');
  refusedWith(() => checkFilenameMatches(parsed, 'foo', '1.0+local'), 'VERSION_LOCAL_NOT_ALLOWED');
});
