import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from '../../src/platform/http/accept.js';

const offers = { 'application/x-a': 'A', 'application/x-b': 'B', '*/*': 'A' };

test('the highest q wins; the first listed on a tie; q=0 and unknown types never', () => {
  assert.equal(negotiate('application/x-a; q=0.1, application/x-b', offers), 'B');
  assert.equal(negotiate('application/x-b, application/x-a', offers), 'B');
  assert.equal(negotiate('application/x-b;q=0, text/plain', offers), null);
  assert.equal(negotiate('text/plain', offers), null);
  assert.equal(negotiate('TEXT/PLAIN, */*;q=0.2', offers), 'A');
  assert.equal(negotiate('application/x-a;q=abc', offers), null);
});
