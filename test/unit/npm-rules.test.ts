import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeNpmName, tarballFilename } from '../../src/ecosystems/npm/names.js';
import { checkNpmVersion, isNpmVersionOrRange, npmRangeIncludes } from '../../src/ecosystems/npm/versions.js';
import { BulwarkError } from '../../src/platform/errors.js';

const refusedWith = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => e instanceof BulwarkError && e.code === code);

test('npm names', () => {
  for (const ok of ['left-pad', '@acme/demo', 'a', 'lodash.merge', '@a/b-c_d']) assert.equal(normalizeNpmName(ok), ok);
  for (const bad of ['', 'UPPER', '../evil', '.hidden', '_under', 'node_modules', 'with space', '@acme/', '@/x', 'a'.repeat(215), 'café', 'http']) {
    refusedWith(() => normalizeNpmName(bad), 'NAME_INVALID');
  }
  assert.equal(tarballFilename('@acme/demo', '1.0.0'), 'demo-1.0.0.tgz');
  assert.equal(tarballFilename('demo', '1.0.0-rc.1'), 'demo-1.0.0-rc.1.tgz');
});

test('npm versions are strict semver as written', () => {
  assert.equal(checkNpmVersion('1.2.3-beta.1'), '1.2.3-beta.1');
  // Build metadata is refused: semver ignores it in comparisons, so 1.0.0+a and 1.0.0+b would
  // be two different uploads of one version.
  for (const bad of ['1.2.3+build.5', '1.0', '01.0.0', 'v1.0.0', ' 1.0.0', '1.0.0 ', 'latest', '']) refusedWith(() => checkNpmVersion(bad), 'VERSION_INVALID');
});

test('ranges and tags', () => {
  assert.ok(npmRangeIncludes('^1.0.0', '1.4.0'));
  assert.equal(npmRangeIncludes('^1.0.0', '2.0.0'), false);
  assert.ok(npmRangeIncludes('^2.0.0-0', '2.0.0-beta.1'));
  assert.equal(npmRangeIncludes('npm:other@^1', '1.0.0'), false);
  assert.equal(npmRangeIncludes('github:a/b', '1.0.0'), false);
  assert.ok(isNpmVersionOrRange('1.x'));
  assert.ok(isNpmVersionOrRange('latest') === false);
  assert.ok(isNpmVersionOrRange('next') === false);
});
