import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anonymous, authorize, can, type Actor, type UserActor } from '../../src/auth/index.js';
import { BulwarkError } from '../../src/platform/errors.js';

const user = (over: Partial<UserActor> = {}): UserActor => ({
  kind: 'user', userId: 1, name: 'alice', isAdmin: false, via: 'token', tokenId: 't', readonly: false, scope: null, ...over,
});
const pkg = (over: Partial<{ name: string; access: 'public' | 'restricted'; ownerIds: number[] }> = {}) => ({
  package: { name: 'left-pad', access: 'public' as const, ownerIds: [1], ...over },
});

test('public packages are readable by anyone; restricted ones by owners and admins only', () => {
  assert.ok(can(anonymous, 'package:read', pkg()));
  assert.equal(can(anonymous, 'package:read', pkg({ access: 'restricted' })), false);
  assert.equal(can(user({ userId: 2 }), 'package:read', pkg({ access: 'restricted' })), false);
  assert.ok(can(user(), 'package:read', pkg({ access: 'restricted' })));
  assert.ok(can(user({ userId: 2, isAdmin: true }), 'package:read', pkg({ access: 'restricted' })));
});

test('writes need an owner with a writable token that reaches the package', () => {
  for (const action of ['package:publish', 'package:tag', 'package:deprecate', 'package:unpublish', 'package:owners'] as const) {
    assert.ok(can(user(), action, pkg()), action);
    assert.equal(can(anonymous, action, pkg()), false, action);
    assert.equal(can(user({ userId: 2 }), action, pkg()), false, action);
    assert.equal(can(user({ readonly: true }), action, pkg()), false, action);
    assert.equal(can(user({ scope: { permission: 'read-write', packages: ['other'], scopes: null } }), action, pkg()), false, action);
  }
  // Admins moderate (deprecate, unpublish, owners) but do not publish into others' packages.
  assert.ok(can(user({ userId: 2, isAdmin: true }), 'package:unpublish', pkg()));
  assert.equal(can(user({ userId: 2, isAdmin: true }), 'package:publish', pkg()), false);
});

test('unknown actions and empty resources are denied', () => {
  assert.equal(can(user(), 'nonsense' as never, pkg()), false);
  assert.equal(can(user(), 'package:publish'), false);
  assert.equal(can(user(), 'admin'), false);
  assert.ok(can(user({ isAdmin: true }), 'admin'));
});

test('authorize explains the refusal without revealing restricted packages', () => {
  const codeOf = (actor: Actor, resource: ReturnType<typeof pkg>, action: Parameters<typeof can>[1] = 'package:publish') => {
    try {
      authorize(actor, action, resource);
      return 'allowed';
    } catch (error) {
      assert.ok(error instanceof BulwarkError);
      return error.code;
    }
  };
  assert.equal(codeOf(anonymous, pkg()), 'AUTH_REQUIRED');
  assert.equal(codeOf(user({ userId: 2 }), pkg()), 'NOT_PERMITTED');
  assert.equal(codeOf(user({ userId: 2 }), pkg({ access: 'restricted' })), 'PACKAGE_NOT_FOUND');
  assert.equal(codeOf(user({ readonly: true }), pkg()), 'TOKEN_READ_ONLY');
  assert.equal(codeOf(user(), pkg()), 'allowed');
});

test('publish-only tokens (minted by trusted publishing) add versions and nothing else', () => {
  const minted = user({ scope: { permission: 'publish', packages: ['left-pad'], scopes: null, ecosystem: 'npm' } });
  const resource = { package: { name: 'left-pad', ecosystem: 'npm', access: 'public' as const, ownerIds: [1] } };
  assert.ok(can(minted, 'package:publish', resource));
  assert.ok(can(minted, 'package:create', { package: { ...resource.package, ownerIds: [] } }));
  for (const action of ['package:tag', 'package:deprecate', 'package:unpublish', 'package:owners', 'account:tokens'] as const) {
    assert.equal(can(minted, action, action === 'account:tokens' ? { user: { id: 1 } } : resource), false, action);
  }
});

test('an ecosystem-limited token does not reach a same-named package elsewhere', () => {
  const pypiOnly = user({ scope: { permission: 'read-write', packages: ['foo'], scopes: null, ecosystem: 'pypi' } });
  assert.ok(can(pypiOnly, 'package:publish', { package: { name: 'foo', ecosystem: 'pypi', access: 'public', ownerIds: [1] } }));
  assert.equal(can(pypiOnly, 'package:publish', { package: { name: 'foo', ecosystem: 'npm', access: 'public', ownerIds: [1] } }), false);
});

test('admin rights do not pass through a narrowed token', () => {
  const narrow = user({ userId: 2, isAdmin: true, scope: { permission: 'read-write', packages: ['mine'], scopes: null } });
  assert.equal(can(narrow, 'package:unpublish', pkg()), false);
  assert.equal(can(narrow, 'package:read', pkg({ access: 'restricted' })), false);
  assert.equal(can(narrow, 'admin'), false);
  const wide = user({ userId: 2, isAdmin: true, scope: { permission: 'read-write', packages: null, scopes: null } });
  assert.ok(can(wide, 'package:unpublish', pkg()));
});
