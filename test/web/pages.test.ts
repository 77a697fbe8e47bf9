// The web pages over HTTP (in-process, no browser): every refusal with its status and message,
// CSRF on each form, safe redirects only, cookies' attributes, headers, and what stays unchanged.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type BulwarkApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { PWNED_FIXTURE_DIR } from '../helpers/pwned-range-server.js';
import { cookie, csrfOf, form, FORM, type Injected } from './forms.js';
import { CONTENT_SECURITY_POLICY } from '../../src/web/page.js';
import { safeLocalPath } from '../../src/web/paths.js';
import { checkDoubleSubmit, checkSessionCsrf, sessionCsrfToken } from '../../src/web/csrf.js';
import { securityTxtExpiry } from '../../src/web/security-txt.js';

const ADMIN_PASSWORD = 'correct-horse-battery';
const PUBLIC_URL = 'https://registry.example.test';



describe('web pages', () => {
  let app: BulwarkApp;
  let dataDir: string;

  /** Opens the sign-in form: its double-submit cookie and field. */
  async function openLogin(): Promise<{ csrfCookie: string; csrf: string }> {
    const page = await app.http.inject({ method: 'GET', url: '/account/login' });
    assert.equal(page.statusCode, 200);
    const set = cookie(page, 'bulwark_csrf');
    assert.ok(set);
    return { csrfCookie: set.value, csrf: csrfOf(page.body) };
  }

  async function signIn(name: string, password: string, next?: string): Promise<Injected> {
    const { csrfCookie, csrf } = await openLogin();
    return app.http.inject({
      method: 'POST',
      url: '/account/login',
      headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrf, name, password, ...(next === undefined ? {} : { next }) }),
    });
  }

  async function sessionOf(name: string, password: string): Promise<string> {
    const response = await signIn(name, password);
    assert.equal(response.statusCode, 303);
    return cookie(response, 'bulwark_session')!.value;
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bulwark-web-pages-'));
    app = await createApp({
      config: loadConfig({}, { port: 0, publicUrl: PUBLIC_URL, dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', securityContact: 'mailto:security@example.test', leakCheckDir: PWNED_FIXTURE_DIR }),
    });
    await app.accounts.createUser({ name: 'erin', email: 'erin@private.example', password: 'erin-password-long' });
  });

  after(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('safeLocalPath keeps local paths only', () => {
    const allowed: Array<[string, string]> = [
      ['/', '/'],
      ['/package/x', '/package/x'],
      ['/account/cli-login/abc?x=1#h', '/account/cli-login/abc?x=1#h'],
      ['/a/../b', '/b'],
    ];
    for (const [input, expected] of allowed) assert.equal(safeLocalPath(input), expected, input);
    for (const refused of ['', 'x', '//evil.example', '///evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example/', '/\t/evil.example', '/\n/evil.example', 'javascript:alert(1)', '/%0a', ' /x', '/..//evil.example', `/${'a'.repeat(3000)}`]) {
      const result = safeLocalPath(refused);
      assert.ok(result === null || (result.startsWith('/') && !result.startsWith('//')), `${JSON.stringify(refused)} → ${result}`);
      if (!['/%0a'].includes(refused)) assert.equal(result, null, JSON.stringify(refused));
    }
    assert.equal(safeLocalPath(['/x']), null);
  });

  test('CSRF tokens: bound to the session, compared whole', () => {
    const token = sessionCsrfToken('secret-a', 'session-1');
    assert.equal(checkSessionCsrf('secret-a', 'session-1', token), true);
    assert.equal(checkSessionCsrf('secret-a', 'session-2', token), false);
    assert.equal(checkSessionCsrf('secret-b', 'session-1', token), false);
    assert.equal(checkSessionCsrf('secret-a', 'session-1', token.slice(0, -1)), false);
    assert.equal(checkSessionCsrf('secret-a', null, token), false);
    assert.equal(checkSessionCsrf('secret-a', 'session-1', ['x']), false);
    const value = 'v'.repeat(43);
    assert.equal(checkDoubleSubmit(value, value), true);
    assert.equal(checkDoubleSubmit(value, `${value}x`), false);
    assert.equal(checkDoubleSubmit(undefined, ''), false);
    assert.equal(checkDoubleSubmit('', ''), false, 'an empty cookie never matches');
  });

  test('pages carry the CSP and frame denial; the npm API does not', async () => {
    for (const url of ['/', '/packages/search?q=x', '/account/login', '/security/disclosure', '/package/nope']) {
      const response = await app.http.inject({ method: 'GET', url });
      assert.equal(response.headers['content-security-policy'], CONTENT_SECURITY_POLICY, url);
      assert.equal(response.headers['x-frame-options'], 'DENY', url);
      assert.equal(response.headers['cache-control'], 'no-store', url);
      assert.match(String(response.headers['content-type']), /^text\/html; charset=utf-8/, url);
      assert.doesNotMatch(response.body, /<script|style=/i, `${url}: no inline script or style`);
    }
    const ping = await app.http.inject({ method: 'GET', url: '/-/ping' });
    assert.equal(ping.headers['content-security-policy'], undefined);
  });

  test('an unknown package, and a user without public packages to anonymous viewers, are 404 pages', async () => {
    for (const url of ['/package/no-such-package', '/package/@scope/nothing', '/package/NOT%20VALID', '/user/erin', '/user/nobody']) {
      const response = await app.http.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.match(response.body, /<h1>Not found<\/h1>/, url);
    }
  });

  test('the sign-in form sets an HttpOnly SameSite=Strict double-submit cookie', async () => {
    const page = await app.http.inject({ method: 'GET', url: '/account/login' });
    const set = cookie(page, 'bulwark_csrf')!;
    assert.equal(set.httpOnly, true);
    assert.equal(set.sameSite, 'Strict');
    assert.equal(set.secure, true, 'the public URL is https');
    assert.equal(csrfOf(page.body), set.value);
  });

  test('sign-in without the matching CSRF cookie is refused with 403, and no session is made', async () => {
    const { csrfCookie, csrf } = await openLogin();
    const cases = [
      { headers: FORM, payload: form({ _csrf: csrf, name: 'admin', password: ADMIN_PASSWORD }) },
      { headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` }, payload: form({ name: 'admin', password: ADMIN_PASSWORD }) },
      { headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie}` }, payload: form({ _csrf: `${csrf}x`, name: 'admin', password: ADMIN_PASSWORD }) },
    ];
    for (const c of cases) {
      const response = await app.http.inject({ method: 'POST', url: '/account/login', ...c });
      assert.equal(response.statusCode, 403);
      assert.match(response.body, /This form has expired/);
      assert.equal(cookie(response, 'bulwark_session'), undefined);
    }
  });

  test('unknown user and wrong password get the same 401 page', async () => {
    const unknown = await signIn('nobody', 'whatever-password');
    const wrong = await signIn('admin', 'wrong-password-123');
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.statusCode, 401);
    const message = (body: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(body)?.[1];
    assert.equal(message(unknown.body), 'Incorrect user name or password.');
    assert.equal(message(wrong.body), message(unknown.body));
    assert.equal(cookie(wrong, 'bulwark_session'), undefined);
  });

  test('sign-in sets the session cookie and goes to a local next only', async () => {
    const ok = await signIn('admin', ADMIN_PASSWORD, '/package/x?y=1');
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/package/x?y=1');
    const session = cookie(ok, 'bulwark_session')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/');
    assert.equal(session.secure, true);
    assert.ok(session.expires instanceof Date);
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '/\t/evil.example']) {
      const response = await signIn('admin', ADMIN_PASSWORD, next);
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/', JSON.stringify(next));
    }
  });

  test('sign-out needs the session CSRF token, then ends the session', async () => {
    const session = await sessionOf('erin', 'erin-password-long');
    const home = await app.http.inject({ method: 'GET', url: '/', cookies: { bulwark_session: session } });
    assert.match(home.body, /action="\/account\/logout"/);
    const token = csrfOf(home.body);
    const refused = await app.http.inject({ method: 'POST', url: '/account/logout', headers: FORM, cookies: { bulwark_session: session }, payload: form({ _csrf: 'nope' }) });
    assert.equal(refused.statusCode, 403);
    assert.ok(await app.accounts.userForSession(session), 'the session survives a forged sign-out');
    const ok = await app.http.inject({ method: 'POST', url: '/account/logout', headers: FORM, cookies: { bulwark_session: session }, payload: form({ _csrf: token }) });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/');
    assert.equal(cookie(ok, 'bulwark_session')?.value, '');
    assert.equal(await app.accounts.userForSession(session), null);
  });

  test('a signed-in user page lists packages and never shows the email', async () => {
    const session = await sessionOf('erin', 'erin-password-long');
    const page = await app.http.inject({ method: 'GET', url: '/user/erin', cookies: { bulwark_session: session } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>erin<\/h1>/);
    assert.doesNotMatch(page.body, /private\.example/);
  });

  test('a one-time password leads to the password change, which gates CLI approval', async () => {
    await app.accounts.createUser({ name: 'frank', email: 'frank@example.test', password: 'one-time-password', mustChangePassword: true });
    const { id, doneSecret } = await app.accounts.startCliLogin();
    const signedIn = await signIn('frank', 'one-time-password', `/account/cli-login/${id}`);
    assert.equal(signedIn.statusCode, 303);
    assert.equal(signedIn.headers.location, `/account/password?next=${encodeURIComponent(`/account/cli-login/${id}`)}`);
    const session = cookie(signedIn, 'bulwark_session')!.value;

    const approve = await app.http.inject({ method: 'GET', url: `/account/cli-login/${id}`, cookies: { bulwark_session: session } });
    assert.equal(approve.statusCode, 303, 'no CLI token before the one-time password is replaced');
    assert.match(String(approve.headers.location), /^\/account\/password\?next=/);

    const formPage = await app.http.inject({ method: 'GET', url: String(signedIn.headers.location), cookies: { bulwark_session: session } });
    assert.equal(formPage.statusCode, 200);
    assert.doesNotMatch(formPage.body, /name="current"/, 'a forced change does not ask for the one-time password again');
    const token = csrfOf(formPage.body);
    const post = (fields: Record<string, string>) =>
      app.http.inject({ method: 'POST', url: '/account/password', headers: FORM, cookies: { bulwark_session: session }, payload: form({ next: `/account/cli-login/${id}`, ...fields }) });

    const forged = await post({ _csrf: 'forged', password: 'a-brand-new-password', confirm: 'a-brand-new-password' });
    assert.equal(forged.statusCode, 403);
    const short = await post({ _csrf: token, password: 'short', confirm: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /at least 12 characters/);
    const differ = await post({ _csrf: token, password: 'a-brand-new-password', confirm: 'another-new-password' });
    assert.equal(differ.statusCode, 400);
    assert.equal((await app.accounts.getUserByName('frank'))!.mustChangePassword, true, 'nothing changed yet');

    const changed = await post({ _csrf: token, password: 'a-brand-new-password', confirm: 'a-brand-new-password' });
    assert.equal(changed.statusCode, 303);
    assert.equal(changed.headers.location, `/account/cli-login/${id}`);
    assert.equal(await app.accounts.userForSession(session), null, 'the old session ended with the password change');
    const fresh = cookie(changed, 'bulwark_session')!.value;
    assert.equal((await app.accounts.userForSession(fresh))?.name, 'frank');

    const approvePage = await app.http.inject({ method: 'GET', url: `/account/cli-login/${id}`, cookies: { bulwark_session: fresh } });
    assert.equal(approvePage.statusCode, 200);
    assert.match(approvePage.body, /Approve npm CLI sign-in as frank\?/);
    const forgedApprove = await app.http.inject({ method: 'POST', url: `/account/cli-login/${id}`, headers: FORM, cookies: { bulwark_session: fresh }, payload: form({ _csrf: token }) });
    assert.equal(forgedApprove.statusCode, 403, 'the token of the ended session is no longer valid');
    assert.deepEqual(await app.accounts.pollCliLogin(doneSecret), { state: 'pending' });
    const approved = await app.http.inject({ method: 'POST', url: `/account/cli-login/${id}`, headers: FORM, cookies: { bulwark_session: fresh }, payload: form({ _csrf: csrfOf(approvePage.body) }) });
    assert.equal(approved.statusCode, 200);
    assert.match(approved.body, /You can close this page and return to the terminal/);
    const again = await app.http.inject({ method: 'POST', url: `/account/cli-login/${id}`, headers: FORM, cookies: { bulwark_session: fresh }, payload: form({ _csrf: csrfOf(approvePage.body) }) });
    assert.equal(again.statusCode, 404, 'a request is approved once');
  });

  test('a voluntary password change asks for the current password', async () => {
    await app.accounts.createUser({ name: 'gina', email: 'gina@example.test', password: 'gina-password-long' });
    const session = await sessionOf('gina', 'gina-password-long');
    const page = await app.http.inject({ method: 'GET', url: '/account/password', cookies: { bulwark_session: session } });
    assert.match(page.body, /name="current"/);
    const wrong = await app.http.inject({
      method: 'POST', url: '/account/password', headers: FORM, cookies: { bulwark_session: session },
      payload: form({ _csrf: csrfOf(page.body), current: 'not-my-password', password: 'gina-new-password', confirm: 'gina-new-password' }),
    });
    assert.equal(wrong.statusCode, 401);
    assert.ok(await app.accounts.verifyCredentials('gina', 'gina-password-long'), 'password unchanged');
  });

  test('signed-out visitors of signed-in pages are sent to sign in; unknown CLI requests are 404', async () => {
    const { id } = await app.accounts.startCliLogin();
    const anonymous = await app.http.inject({ method: 'GET', url: `/account/cli-login/${id}` });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, `/account/login?next=${encodeURIComponent(`/account/cli-login/${id}`)}`);
    const password = await app.http.inject({ method: 'GET', url: '/account/password' });
    assert.equal(password.statusCode, 303);
    assert.match(String(password.headers.location), /^\/account\/login\?next=/);
    for (const bad of ['x'.repeat(32), 'not valid!', 'a'.repeat(300)]) {
      const response = await app.http.inject({ method: 'GET', url: `/account/cli-login/${encodeURIComponent(bad)}` });
      assert.equal(response.statusCode, 404, bad);
    }
    const post = await app.http.inject({ method: 'POST', url: `/account/cli-login/${id}`, headers: FORM, payload: form({ _csrf: 'x' }) });
    assert.equal(post.statusCode, 303, 'an anonymous approval goes to sign in');
  });

  test('security.txt: stable Expires under a year away, Policy naming the disclosure page', async () => {
    const first = await app.http.inject({ method: 'GET', url: '/.well-known/security.txt' });
    const second = await app.http.inject({ method: 'GET', url: '/.well-known/security.txt' });
    assert.equal(first.body, second.body);
    assert.match(first.body, /^Contact: mailto:security@example\.test$/m);
    assert.match(first.body, new RegExp(`^Policy: ${PUBLIC_URL}/security/disclosure$`, 'm'));
    assert.match(first.body, new RegExp(`^Canonical: ${PUBLIC_URL}/\\.well-known/security\\.txt$`, 'm'));
    const expires = new Date(/^Expires: (\S+)$/m.exec(first.body)![1]!);
    const days = (expires.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 360 && days < 366, `Expires in ${days} days`);
    const start = new Date('2026-03-01T17:45:00Z');
    assert.equal(securityTxtExpiry(start).toISOString(), securityTxtExpiry(new Date('2026-03-01T00:00:01Z')).toISOString(), 'same day, same value');
    const policy = await app.http.inject({ method: 'GET', url: '/security/disclosure' });
    assert.equal(policy.statusCode, 200);
    assert.match(policy.body, /Safe harbor/);
    assert.match(policy.body, /90 days/);
    assert.match(policy.body, /href="mailto:security@example\.test"/);
  });

  test('the stylesheet is served with a long cache and an ETag', async () => {
    const home = await app.http.inject({ method: 'GET', url: '/' });
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(home.body)![1]!;
    assert.match(href, /^\/static\/bulwark\.css\?v=/);
    const css = await app.http.inject({ method: 'GET', url: href });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.match(String(css.headers['cache-control']), /max-age=31536000/);
    const etag = String(css.headers.etag);
    assert.match(etag, /^".+"$/);
    const cached = await app.http.inject({ method: 'GET', url: href, headers: { 'if-none-match': etag } });
    assert.equal(cached.statusCode, 304);
    assert.equal(cached.body, '');
  });

  test('search escapes the query and lists nothing for no match', async () => {
    const response = await app.http.inject({ method: 'GET', url: `/packages/search?q=${encodeURIComponent('<script>x</script>')}` });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /&lt;script&gt;x&lt;\/script&gt;/);
    assert.match(response.body, /No package matches/);
  });
});
