import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCoreMetadata } from '../../src/ecosystems/pypi/core-metadata.js';
import { BulwarkError } from '../../src/platform/errors.js';

// A wheel METADATA as setuptools wrote it for requests 2.32.3 (Metadata 2.1, markdown body,
// License-File from before 2.4, Requires-Dist with extras and markers).
const REQUESTS = `Metadata-Version: 2.1
Name: requests
Version: 2.32.3
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache-2.0
Project-URL: Documentation, https://requests.readthedocs.io
Project-URL: Source, https://github.com/psf/requests
Classifier: Development Status :: 5 - Production/Stable
Classifier: Environment :: Web Environment
Classifier: Intended Audience :: Developers
Classifier: License :: OSI Approved :: Apache Software License
Classifier: Natural Language :: English
Classifier: Operating System :: OS Independent
Classifier: Programming Language :: Python
Classifier: Programming Language :: Python :: 3
Classifier: Programming Language :: Python :: 3 :: Only
Requires-Python: >=3.8
Description-Content-Type: text/markdown
License-File: LICENSE
Requires-Dist: charset-normalizer <4,>=2
Requires-Dist: idna <4,>=2.5
Requires-Dist: urllib3 <3,>=1.21.1
Requires-Dist: certifi >=2017.4.17
Provides-Extra: security
Provides-Extra: socks
Requires-Dist: PySocks !=1.5.7,>=1.5.6 ; extra == 'socks'
Provides-Extra: use_chardet_on_py3
Requires-Dist: chardet <6,>=3.0.2 ; extra == 'use_chardet_on_py3'

# Requests

**Requests** is a simple, yet elegant, HTTP library.

\`\`\`python
>>> import requests
>>> r = requests.get('https://httpbin.org/basic-auth/user/pass', auth=('user', 'pass'))
>>> r.status_code
200
\`\`\`
`;

// An sdist PKG-INFO written by distutils long ago: Metadata 1.0, the description folded into
// the header with the PEP 345 "7 spaces and a bar" prefix, keeping blank and indented lines.
const LEGACY = [
  'Metadata-Version: 1.0',
  'Name: simplejson',
  'Version: 2.0.9',
  'Summary: Simple, fast, extensible JSON encoder/decoder for Python',
  'Home-page: http://undefined.org/python/#simplejson',
  'Author: Bob Ippolito',
  'Author-email: bob@redivi.com',
  'License: MIT License',
  'Description: simplejson is a simple, fast, complete, correct and extensible',
  '       |JSON <http://json.org> encoder and decoder for Python 2.4+.',
  '       |',
  '       |Example::',
  '       |',
  '       |    >>> import simplejson',
  '        It is pure Python code with no dependencies.',
  'Keywords: json, encoder',
  'Platform: any',
  '',
].join('\r\n');

// A modern wheel (Metadata 2.4): SPDX License-Expression, License-File, Dynamic, folded Keywords.
const MODERN = `Metadata-Version: 2.4
Name: Demo_Pkg
Version: 1.0.0rc1
Summary: A demo package
Author-email: Alice Example <alice@example.org>
License-Expression: MIT OR Apache-2.0
License-File: LICENSES/MIT.txt
License-File: LICENSES/Apache-2.0.txt
Keywords: demo,example,
 packaging
Project-URL: Homepage, https://example.org
Project-URL: Issues, https://example.org/issues?q=is%3Aopen, sorted
Requires-Python: >=3.9
Requires-Dist: typing-extensions>=4.6; python_version < "3.11"
Requires-Dist: rich[jupyter]>=13; extra == "pretty"
Provides-Extra: pretty
Dynamic: Requires-Dist
Dynamic: Provides-Extra
Description-Content-Type: text/x-rst; charset=UTF-8

Demo
====

Ünïcödé is fine.
`;

function code(input: string | Uint8Array): string {
  try {
    parseCoreMetadata(typeof input === 'string' ? Buffer.from(input) : input);
  } catch (error) {
    assert.ok(error instanceof BulwarkError, `expected a BulwarkError, got ${String(error)}`);
    assert.equal(error.kind, 'invalid');
    return error.code;
  }
  assert.fail('expected a refusal');
}

test('parses a Metadata 2.1 wheel (requests): extras, markers, project URLs, markdown body', () => {
  const m = parseCoreMetadata(Buffer.from(REQUESTS));
  assert.equal(m.metadataVersion, '2.1');
  assert.equal(m.name, 'requests');
  assert.equal(m.version, '2.32.3');
  assert.equal(m.summary, 'Python HTTP for Humans.');
  assert.equal(m.homePage, 'https://requests.readthedocs.io');
  assert.equal(m.author, 'Kenneth Reitz');
  assert.equal(m.authorEmail, 'me@kennethreitz.org');
  assert.equal(m.license, 'Apache-2.0');
  assert.equal(m.licenseExpression, null);
  assert.deepEqual(m.licenseFiles, ['LICENSE']);
  assert.equal(m.requiresPython, '>=3.8');
  assert.equal(m.descriptionContentType, 'text/markdown');
  assert.deepEqual(m.requiresDist, [
    'charset-normalizer <4,>=2',
    'idna <4,>=2.5',
    'urllib3 <3,>=1.21.1',
    'certifi >=2017.4.17',
    "PySocks !=1.5.7,>=1.5.6 ; extra == 'socks'",
    "chardet <6,>=3.0.2 ; extra == 'use_chardet_on_py3'",
  ]);
  assert.deepEqual(m.providesExtra, ['security', 'socks', 'use_chardet_on_py3']);
  assert.equal(m.classifiers.length, 9);
  assert.equal(m.classifiers[0], 'Development Status :: 5 - Production/Stable');
  assert.deepEqual(m.projectUrls, { Documentation: 'https://requests.readthedocs.io', Source: 'https://github.com/psf/requests' });
  assert.ok(m.description?.startsWith('# Requests\n\n**Requests** is a simple'));
  assert.ok(m.description?.endsWith('200\n```\n'));
  assert.equal(m.keywords, null);
  assert.deepEqual(m.dynamic, []);
});

test('parses a Metadata 1.0 PKG-INFO with the legacy folded Description (CRLF line ends)', () => {
  const m = parseCoreMetadata(Buffer.from(LEGACY));
  assert.equal(m.metadataVersion, '1.0');
  assert.equal(m.name, 'simplejson');
  assert.equal(m.version, '2.0.9');
  assert.equal(
    m.description,
    [
      'simplejson is a simple, fast, complete, correct and extensible',
      'JSON <http://json.org> encoder and decoder for Python 2.4+.',
      '',
      'Example::',
      '',
      '    >>> import simplejson',
      'It is pure Python code with no dependencies.',
    ].join('\n'),
  );
  assert.equal(m.keywords, 'json, encoder');
  assert.equal(m.license, 'MIT License');
  assert.deepEqual(m.requiresDist, []);
  assert.deepEqual(m.projectUrls, {});
  assert.equal(m.descriptionContentType, null);
});

test('parses a Metadata 2.4 wheel: License-Expression, Dynamic, folded fields, UTF-8 body', () => {
  const m = parseCoreMetadata(Buffer.from(MODERN));
  assert.equal(m.metadataVersion, '2.4');
  assert.equal(m.name, 'Demo_Pkg');
  assert.equal(m.version, '1.0.0rc1');
  assert.equal(m.licenseExpression, 'MIT OR Apache-2.0');
  assert.equal(m.license, null);
  assert.deepEqual(m.licenseFiles, ['LICENSES/MIT.txt', 'LICENSES/Apache-2.0.txt']);
  assert.equal(m.keywords, 'demo,example, packaging');
  assert.equal(m.authorEmail, 'Alice Example <alice@example.org>');
  assert.deepEqual(m.dynamic, ['Requires-Dist', 'Provides-Extra']);
  assert.deepEqual(m.requiresDist, ['typing-extensions>=4.6; python_version < "3.11"', 'rich[jupyter]>=13; extra == "pretty"']);
  assert.deepEqual(m.projectUrls, { Homepage: 'https://example.org', Issues: 'https://example.org/issues?q=is%3Aopen, sorted' });
  assert.equal(m.descriptionContentType, 'text/x-rst; charset=UTF-8');
  assert.equal(m.description, 'Demo\n====\n\nÜnïcödé is fine.\n');
});

test('header names are case-insensitive; unknown fields are ignored; no body means no description', () => {
  const m = parseCoreMetadata(Buffer.from('metadata-version: 2.2\nNAME: a\nversion: 1\nX-Custom-Thing: whatever\nImport-Name: a\n'));
  assert.equal(m.name, 'a');
  assert.equal(m.version, '1');
  assert.equal(m.description, null);
  assert.equal(m.summary, null);
  // "__proto__" as a Project-URL label stays an ordinary key.
  const urls = parseCoreMetadata(Buffer.from('Metadata-Version: 2.1\nName: a\nVersion: 1\nProject-URL: __proto__, https://x.example\n')).projectUrls;
  assert.equal(Object.getPrototypeOf(urls), Object.prototype);
  assert.equal(Object.hasOwn(urls, '__proto__'), true);
});

test('refuses bad metadata with METADATA_INVALID', () => {
  const head = 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n';
  const cases: Array<[string, string | Uint8Array]> = [
    ['no Metadata-Version', 'Name: demo\nVersion: 1.0\n'],
    ['Metadata-Version 2.0 (never standardised)', 'Metadata-Version: 2.0\nName: demo\nVersion: 1.0\n'],
    ['Metadata-Version 3.0', 'Metadata-Version: 3.0\nName: demo\nVersion: 1.0\n'],
    ['no Name', 'Metadata-Version: 2.1\nVersion: 1.0\n'],
    ['empty Name', 'Metadata-Version: 2.1\nName:\nVersion: 1.0\n'],
    ['invalid Name', 'Metadata-Version: 2.1\nName: -demo-\nVersion: 1.0\n'],
    ['no Version', 'Metadata-Version: 2.1\nName: demo\n'],
    ['Name twice', `${head}Name: other\n`],
    ['Description twice', `${head}Description: one\n\nand a body\n`],
    ['invalid UTF-8', Buffer.concat([Buffer.from(`${head}Summary: caf`), Buffer.from([0xe9]), Buffer.from('\n')])],
    ['overlong UTF-8', Buffer.concat([Buffer.from(`${head}Summary: `), Buffer.from([0xc0, 0xaf]), Buffer.from('\n')])],
    ['NUL', `${head}Summary: a\u0000b\n`],
    ['NUL in the body', `${head}\nbody \u0000\n`],
    ['byte-order mark', `\ufeff${head}`],
    ['space in a header name', `${head}Requires Dist: x\n`],
    ['space before the colon', `${head}Summary : x\n`],
    ['non-ASCII header name', `${head}Sümmary: x\n`],
    ['a line that is not a header', `${head}just some text\n`],
    ['an indented first line', ` ${head}`],
    ['an escape sequence in Summary', `${head}Summary: \u001b[31mred\n`],
    ['Project-URL without a URL', `${head}Project-URL: Homepage\n`],
    ['Project-URL label twice', `${head}Project-URL: Home, https://a\nProject-URL: Home, https://b\n`],
    ['Dynamic: Version', 'Metadata-Version: 2.2\nName: demo\nVersion: 1.0\nDynamic: Version\n'],
    ['Dynamic: an unknown field', 'Metadata-Version: 2.2\nName: demo\nVersion: 1.0\nDynamic: Colour\n'],
    ['over 1 MiB', `${head}\n${'x'.repeat(1024 * 1024)}`],
  ];
  for (const [label, input] of cases) {
    assert.equal(code(input), 'METADATA_INVALID', label);
  }
});
