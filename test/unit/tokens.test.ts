import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateToken, looksLikeToken, TOKEN_PATTERN } from '../../src/tokens/format.js';
import { ipAllowed, parseCidrList, tokenAllowsPackage } from '../../src/tokens/scope.js';
import { BulwarkError } from '../../src/platform/errors.js';

test('tokens have the scanner-friendly shape and a valid checksum', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const token = generateToken();
    assert.match(token, TOKEN_PATTERN);
    assert.ok(looksLikeToken(token));
    seen.add(token);
  }
  assert.equal(seen.size, 200);
});

test('a mistyped token fails its checksum', () => {
  const token = generateToken();
  const flipped = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
  assert.equal(looksLikeToken(flipped), false);
  assert.equal(looksLikeToken('npm_abc'), false);
  assert.equal(looksLikeToken(`${token}x`), false);
});

test('package-limited tokens reach only their packages and scopes', () => {
  const scope = { permission: 'read-write' as const, packages: ['left-pad'], scopes: ['@acme'] };
  assert.ok(tokenAllowsPackage(scope, 'left-pad'));
  assert.ok(tokenAllowsPackage(scope, '@acme/tool'));
  assert.equal(tokenAllowsPackage(scope, 'right-pad'), false);
  assert.equal(tokenAllowsPackage(scope, '@acmex/tool'), false);
  assert.ok(tokenAllowsPackage({ permission: 'read-write', packages: null, scopes: null }, 'anything'));
});

test('CIDR allow-lists', () => {
  const cidrs = parseCidrList(['10.0.0.0/8', '127.0.0.1', '::1/128']);
  assert.deepEqual(cidrs, ['10.0.0.0/8', '127.0.0.1/32', '::1/128']);
  assert.ok(ipAllowed(cidrs, '10.1.2.3'));
  assert.ok(ipAllowed(cidrs, '::ffff:127.0.0.1'));
  assert.ok(ipAllowed(cidrs, '::1'));
  assert.equal(ipAllowed(cidrs, '192.168.0.1'), false);
  assert.equal(ipAllowed(cidrs, undefined), false);
  assert.ok(ipAllowed([], '1.2.3.4'));
  assert.throws(() => parseCidrList(['10.0.0.0/33']), (e: unknown) => e instanceof BulwarkError && e.code === 'TOKEN_CIDR_INVALID');
  assert.throws(() => parseCidrList(['not-an-ip']), BulwarkError);
});
