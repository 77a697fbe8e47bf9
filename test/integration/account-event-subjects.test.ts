// Every account event names its user the same way: `subject: user:<name>` and `data.userId`,
// including web sign-in (`session:create`), sign-out (`user:logout`) and the approval of an npm
// web login (`cli-login:approve`). The security log shows them to their user and to no one else,
// not even to a user whose *name* is the first user's id — also for events of the older
// `user:<id>` form (the event log is append-only, so old events keep it), which still show in
// their own user's log.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { appendEvent } from '../../src/events/index.js';

const TYPES = ['session:create', 'cli-login:approve', 'user:logout'];

describe('account event subjects', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t?.close();
  });

  async function logTypes(sessionId: string): Promise<string[]> {
    const page = await t.app.http.inject({ method: 'GET', url: '/account/security', cookies: { bulwark_session: sessionId } });
    assert.equal(page.statusCode, 200);
    return [...page.body.matchAll(/<tr data-type="([^"]+)"/g)].map((m) => m[1]!);
  }

  test('sign-in, sign-out and CLI login approval carry user:<name> and data.userId, and reach the security log', async () => {
    const ida = await t.app.accounts.createUser({ name: 'ida', email: 'ida@example.test', password: 'ida-password-long' });
    // A user named like ida's id must not see ida's events.
    const namesake = await t.app.accounts.createUser({ name: String(ida.id), email: 'namesake@example.test', password: 'namesake-password-long' });
    const since = Number((await t.app.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id ?? 0);

    const { sessionId } = await t.app.accounts.createSession(ida.id);
    const login = await t.app.accounts.startCliLogin();
    await t.app.accounts.approveCliLogin(login.id, ida.id);
    const { sessionId: ended } = await t.app.accounts.createSession(ida.id);
    await t.app.accounts.endSession(ended);

    const rows = await t.app.db.selectFrom('events').selectAll().where('id', '>', since).where('type', 'in', TYPES).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => r.type),
      ['session:create', 'cli-login:approve', 'session:create', 'user:logout'],
    );
    for (const row of rows) {
      assert.equal(row.subject, 'user:ida', row.type);
      assert.equal((JSON.parse(row.data) as { userId?: unknown }).userId, ida.id, row.type);
      assert.equal(row.actor_user_id, ida.id, row.type);
    }

    const shown = await logTypes(sessionId);
    for (const type of TYPES) assert.ok(shown.includes(type), `${type} in ida's log`);

    // An event of the older form (subject user:<id>) still shows in ida's log, not in others'.
    await appendEvent(t.app.db, t.app.clock, { type: 'user:logout', actor: { userId: ida.id }, subject: `user:${ida.id}` });
    assert.equal((await logTypes(sessionId)).filter((type) => type === 'user:logout').length, 2);
    const other = await t.app.accounts.createSession(namesake.id);
    const othersLog = await logTypes(other.sessionId);
    assert.ok(!othersLog.some((type) => type === 'cli-login:approve' || type === 'user:logout'), JSON.stringify(othersLog));
    assert.equal(othersLog.filter((type) => type === 'session:create').length, 1, 'only the namesake’s own sign-in');
  });
});
