import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactPath } from '../../src/platform/http/server.js';
import { checkDepth } from '../../src/platform/http/json-body.js';
import { parseJsonBody } from '../../src/platform/http/json-body.js';
import { BulwarkError } from '../../src/platform/errors.js';

test('access-log paths never carry secrets', () => {
  assert.equal(redactPath('/-/user/token/bwk_secret123'), '/-/user/token/[redacted]');
  assert.equal(redactPath('/-/v1/done?session=abc&x=1'), '/-/v1/done?session=[redacted]&x=1');
  assert.equal(redactPath('/left-pad'), '/left-pad');
});

test('JSON bodies: depth limit (iterative, no stack overflow) and prototype poisoning', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.throws(() => parseJsonBody(deep, 64), (e: unknown) => e instanceof BulwarkError && e.code === 'JSON_TOO_DEEP');
  assert.doesNotThrow(() => checkDepth({ a: { b: { c: [1, 2, { d: 1 }] } } }, 5));
  assert.throws(() => checkDepth({ a: { b: { c: [1, 2, { d: 1 }] } } }, 4), BulwarkError);
  assert.throws(() => parseJsonBody('{"__proto__":{"admin":true}}', 64), (e: unknown) => e instanceof BulwarkError && e.code === 'JSON_INVALID');
  assert.throws(() => parseJsonBody('{"a":', 64), (e: unknown) => e instanceof BulwarkError && e.code === 'JSON_INVALID');
  assert.deepEqual(parseJsonBody('{"a":[1]}', 64), { a: [1] });
});
