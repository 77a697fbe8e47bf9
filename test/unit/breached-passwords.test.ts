// The leaked-password check against a real range server on 127.0.0.1 and against the offline
// fixture dataset: k-anonymity (only a 5-hex prefix leaves), padding asked for and ignored,
// fail-open on errors and timeouts, and the one new-password check built on it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkNewPassword, createBreachedPasswords, rangeContains } from '../../src/accounts/index.js';
import { BulwarkError } from '../../src/platform/errors.js';
import { LEAKED_PASSWORDS, PWNED_FIXTURE_DIR, startPwnedRangeServer, type PwnedRangeServer } from '../helpers/pwned-range-server.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();

describe('range API', () => {
  let server: PwnedRangeServer;
  before(async () => {
    server = await startPwnedRangeServer();
  });
  after(async () => server.close());

  test('finds leaked passwords, sends only the 5-hex prefix and asks for padding', async () => {
    server.mode = 'ok';
    server.requests.length = 0;
    const check = createBreachedPasswords({ mode: 'api', baseUrl: `${server.url}/` });
    for (const password of LEAKED_PASSWORDS) assert.equal(await check.isLeaked(password), true, password);
    assert.equal(await check.isLeaked('a perfectly unknown passphrase 9731'), false);
    assert.equal(server.requests.length, LEAKED_PASSWORDS.length + 1);
    for (const request of server.requests) {
      assert.match(request.path, /^\/range\/[0-9A-F]{5}$/);
      assert.equal(request.headers['add-padding'], 'true');
    }
    assert.equal(server.requests[0]!.path, `/range/${sha1(LEAKED_PASSWORDS[0]).slice(0, 5)}`);
  });

  test('an error status or no answer within the timeout fails open (null), never "leaked"', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) } as never;
    server.mode = 'error';
    assert.equal(await createBreachedPasswords({ mode: 'api', baseUrl: server.url, log }).isLeaked(LEAKED_PASSWORDS[0]), null);
    server.mode = 'hang';
    assert.equal(await createBreachedPasswords({ mode: 'api', baseUrl: server.url, timeoutMs: 200, log }).isLeaked(LEAKED_PASSWORDS[0]), null);
    assert.equal(warnings.length, 2);
    server.mode = 'ok';
  });

  test('an endless answer without a Content-Length is cut off past 2 MiB and fails open', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) } as never;
    server.mode = 'flood';
    server.flooded = 0;
    assert.equal(await createBreachedPasswords({ mode: 'api', baseUrl: server.url, timeoutMs: 10_000, log }).isLeaked(LEAKED_PASSWORDS[0]), null);
    assert.equal(warnings.length, 1);
    assert.match(String((warnings[0] as [{ err: Error }])[0].err.message), /too large/);
    server.mode = 'ok';
  });
});

describe('offline dataset', () => {
  test('reads <PREFIX>.txt files; a prefix without a file knows nothing', async () => {
    const check = createBreachedPasswords({ mode: 'dir', dir: PWNED_FIXTURE_DIR });
    for (const password of LEAKED_PASSWORDS) assert.equal(await check.isLeaked(password), true, password);
    assert.equal(await check.isLeaked('a perfectly unknown passphrase 9731'), false);
  });

  test('a folder that cannot be read fails open', async () => {
    const check = createBreachedPasswords({ mode: 'dir', dir: '/dev/null/not-a-folder' });
    assert.equal(await check.isLeaked(LEAKED_PASSWORDS[0]), null);
  });
});

test('range lines: case-insensitive suffixes, CRLF, padding lines with count 0 ignored', () => {
  const suffix = sha1('x').slice(5);
  assert.equal(rangeContains(`AAA:1\r\n${suffix.toLowerCase()}:12\r\n`, suffix), true);
  assert.equal(rangeContains(`${suffix}:0\r\n`, suffix), false);
  assert.equal(rangeContains('', suffix), false);
  assert.equal(rangeContains('garbage', suffix), false);
});

describe('checkNewPassword', () => {
  const check = createBreachedPasswords({ mode: 'dir', dir: PWNED_FIXTURE_DIR });
  const refusal = async (password: string) => {
    try {
      await checkNewPassword(password, check);
      return null;
    } catch (error) {
      assert.ok(error instanceof BulwarkError);
      return error.code;
    }
  };

  test('12 to 1024 characters, counted as characters; no composition rules; not leaked', async () => {
    assert.equal(await refusal('short'), 'PASSWORD_TOO_SHORT');
    assert.equal(await refusal('🔑'.repeat(11)), 'PASSWORD_TOO_SHORT');
    assert.equal(await refusal('🔑'.repeat(12)), null);
    assert.equal(await refusal('all lower case words'), null);
    assert.equal(await refusal('x'.repeat(1025)), 'PASSWORD_TOO_LONG');
    assert.equal(await refusal('x'.repeat(1024)), null);
    assert.equal(await refusal(LEAKED_PASSWORDS[1]), 'PASSWORD_LEAKED');
    // Without a configured check only the length counts.
    await checkNewPassword(LEAKED_PASSWORDS[1]);
  });
});
