// The event → notice mapping of the notification outbox: every critical event type of the
// contract (including those other parts write) has a notice for the right people, routine ones
// have none, and mail text never carries markup-driven links or secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noticeFor, mailText, type Audience } from '../../src/notifications/index.js';
import type { StoredEvent } from '../../src/events/index.js';

function event(type: string, data: Record<string, unknown> = {}, extra: Partial<StoredEvent> = {}): StoredEvent {
  return { id: 1, type, actorUserId: 7, actorTokenId: null, packageId: null, subject: 'user:alice', data, createdAt: '2026-01-01T00:00:00.000Z', ...extra };
}

const ACCOUNT_TYPES = [
  'user:password-change',
  'session:new-device',
  'token:create',
  'mfa:add',
  'mfa:remove',
  'mfa:recovery-codes',
  'mfa:reset',
  'user:locked',
  'user:password-leaked',
  'recovery:complete',
  'recovery:admin',
];

test('account events notify the account named by data.userId, else by the subject name', () => {
  for (const type of ACCOUNT_TYPES) {
    const byId = noticeFor(event(type, { userId: 42 }));
    assert.ok(byId, type);
    assert.deepEqual(byId.audience, [{ kind: 'user', userId: 42 }], type);
    assert.ok(byId.subject.length > 0 && !/[\r\n]/.test(byId.subject), type);
    const byName = noticeFor(event(type, {}));
    assert.deepEqual(byName?.audience, [{ kind: 'user-name', name: 'alice' }], type);
  }
});

test('package events notify the package owners (and the owner added or removed)', () => {
  const pkg = { packageId: 5, subject: 'npm:@acme/demo' };
  const owners: Audience = { kind: 'package-owners', packageId: 5 };
  assert.deepEqual(noticeFor(event('trust:add', { provider: 'github', claims: { repository: 'a/b' } }, pkg))?.audience, [owners]);
  assert.deepEqual(noticeFor(event('owner:add', { user: 'bob', userId: 9 }, pkg))?.audience, [owners, { kind: 'user', userId: 9 }]);
  assert.deepEqual(noticeFor(event('owner:add', { user: 'bob' }, pkg))?.audience, [owners, { kind: 'user-name', name: 'bob' }]);
  assert.deepEqual(noticeFor(event('owner:remove', { userId: 9 }, pkg))?.audience, [owners, { kind: 'user', userId: 9 }]);
  assert.deepEqual(noticeFor(event('package:critical', {}, pkg))?.audience, [owners]);
  assert.equal(noticeFor(event('owner:add', { user: 'bob' }, pkg))?.subject, 'Owner added to @acme/demo (npm)');
});

test('an address change tells the old address', () => {
  const notice = noticeFor(event('user:email-change', { userId: 3, from: 'old@example.test', to: 'new@example.test' }));
  assert.deepEqual(notice?.audience, [{ kind: 'address', email: 'old@example.test' }]);
});

test('routine events and minted tokens send nothing', () => {
  for (const type of ['recovery:request', 'recovery:refused', 'user:flag', 'user:create', 'session:create', 'user:logout', 'user:login-failed', 'mfa:failed', 'version:publish', 'tag:set', 'policy:change', 'otp:grant', 'user:email-verify', 'trust:exchange']) {
    assert.equal(noticeFor(event(type, { userId: 1 })), null, type);
  }
  assert.equal(noticeFor(event('token:create', { publisherId: 'p1' }, { subject: 'token:abc' })), null);
  assert.equal(noticeFor(event('trust:add', {}, { packageId: null, subject: 'npm:x' })), null, 'nobody to tell');
  assert.equal(noticeFor(event('package:critical', { critical: false }, { packageId: 5, subject: 'npm:x' })), null, 'unmarking is not news');
});

test('a used recovery code reads differently from new codes', () => {
  assert.equal(noticeFor(event('mfa:recovery-codes', { userId: 1, action: 'used', left: 9 }))?.subject, 'A recovery code was used on your Bulwark account');
  assert.equal(noticeFor(event('mfa:recovery-codes', { userId: 1, action: 'generated' }))?.subject, 'New recovery codes for your Bulwark account');
});

test('the mail text says what, when, by whom, and where to look; no secret fields', () => {
  const e = event('token:create', { userId: 7, readonly: true, expiresAt: '2026-02-01T00:00:00.000Z' }, { subject: 'token:0123abcd' });
  const text = mailText(noticeFor(e)!, e, { actorName: 'alice', publicUrl: 'https://registry.example.test' });
  assert.match(text, /read-only API token \(0123abcd\)/);
  assert.match(text, /When: 2026-01-01T00:00:00\.000Z/);
  assert.match(text, /By: alice/);
  assert.match(text, /https:\/\/registry\.example\.test\/account\/security/);
});
