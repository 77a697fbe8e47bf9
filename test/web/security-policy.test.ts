// /admin/security-policy over HTTP (in-process): only an administrator's session passes, CSRF
// on each form, the policy and the critical marks change with an event each, and a refused
// form changes nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { csrfOf, form, FORM } from './forms.js';

describe('admin security policy page', () => {
  let t: TestApp;
  let adminSession: string;
  let userSession: string;
  let packageId: number;

  before(async () => {
    t = await createTestApp();
    const admin = (await t.app.accounts.getUserByName('admin'))!;
    const dave = await t.createUser('dave');
    adminSession = (await t.app.accounts.createSession(admin.id)).sessionId;
    userSession = (await t.app.accounts.createSession(dave.id)).sessionId;
    const at = new Date().toISOString();
    packageId = (
      await t.app.db
        .insertInto('packages')
        .values({ ecosystem: 'npm', name: 'left-pad', display_name: 'left-pad', access: 'public', created_at: at, updated_at: at, last_event_id: 0 })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  });
  after(async () => t?.close());

  const get = (session?: string) =>
    t.app.http.inject({ method: 'GET', url: '/admin/security-policy', ...(session ? { cookies: { bulwark_session: session } } : {}) });
  const post = (url: string, session: string, fields: Record<string, string>) =>
    t.app.http.inject({ method: 'POST', url, headers: FORM, cookies: { bulwark_session: session }, payload: form(fields) });

  test('anonymous visitors are sent to sign in; other users are refused', async () => {
    const anonymous = await get();
    assert.equal(anonymous.statusCode, 303);
    assert.match(String(anonymous.headers.location), /^\/account\/login/);
    const user = await get(userSession);
    assert.equal(user.statusCode, 403);
    const before = await t.rowCounts();
    const posted = await post('/admin/security-policy', userSession, { mode: 'all-maintainers' });
    assert.equal(posted.statusCode, 403);
    assert.deepEqual(await t.rowCounts(), before);
    assert.equal((await t.app.mfaPolicy.getPolicy()).mode, 'optional');
  });

  test('an administrator changes the policy; a stale form changes nothing', async () => {
    const page = await get(adminSession);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /value="optional" checked/);
    const csrf = csrfOf(page.body);
    const before = await t.rowCounts();
    const stale = await post('/admin/security-policy', adminSession, { _csrf: 'stale', mode: 'all-maintainers' });
    assert.equal(stale.statusCode, 403);
    assert.deepEqual(await t.rowCounts(), before);
    const saved = await post('/admin/security-policy', adminSession, { _csrf: csrf, mode: 'critical-maintainers', phishingResistant: 'on' });
    assert.equal(saved.statusCode, 200);
    assert.match(saved.body, /Policy saved/);
    assert.deepEqual(await t.app.mfaPolicy.getPolicy(), { mode: 'critical-maintainers', criticalNeedsPhishingResistant: true });
    const events = await t.app.db.selectFrom('events').selectAll().where('type', '=', 'policy:change').execute();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.actor_user_id, (await t.app.accounts.getUserByName('admin'))!.id);
    const invalid = await post('/admin/security-policy', adminSession, { _csrf: csrf, mode: 'everyone' });
    assert.equal(invalid.statusCode, 400);
  });

  test('an administrator marks and unmarks a critical package', async () => {
    const csrf = csrfOf((await get(adminSession)).body);
    const missing = await post('/admin/security-policy/critical', adminSession, { _csrf: csrf, ecosystem: 'npm', name: 'no-such', critical: 'on' });
    assert.equal(missing.statusCode, 404);
    const marked = await post('/admin/security-policy/critical', adminSession, { _csrf: csrf, ecosystem: 'npm', name: 'left-pad', critical: 'on' });
    assert.equal(marked.statusCode, 200);
    assert.match(marked.body, /data-package="npm:left-pad"/);
    assert.equal(await t.app.mfaPolicy.critical.isCritical(packageId), true);
    const unmarked = await post('/admin/security-policy/critical', adminSession, { _csrf: csrf, ecosystem: 'npm', name: 'left-pad', critical: 'off' });
    assert.equal(unmarked.statusCode, 200);
    assert.equal(await t.app.mfaPolicy.critical.isCritical(packageId), false);
    const events = await t.app.db.selectFrom('events').select(['type', 'subject', 'data']).where('type', '=', 'package:critical').execute();
    assert.deepEqual(events.map((e) => [e.subject, JSON.parse(e.data).critical]), [['npm:left-pad', true], ['npm:left-pad', false]]);
  });
});
