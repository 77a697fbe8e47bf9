// The sign-up flow over HTTP (in-process inject), for tests that need a self-registered
// account: open the form, post it, read the verification link from the captured SMTP mail,
// confirm it. Also the sign-in form, returning the session cookie.
import assert from 'node:assert/strict';
import type { BulwarkApp } from '../../src/app.js';
import { cookie, csrfOf, form, FORM, type Injected } from '../web/forms.js';
import { links, type CapturedMessage, type SmtpCapture } from './smtp-server.js';

/** The path and query of a link in a mail (the app is driven in-process). */
export function localPath(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

/** The verification link in a message (the one to /account/verify-email). */
export function verifyLinkOf(message: CapturedMessage): string {
  const link = links(message).find((l) => new URL(l).pathname === '/account/verify-email');
  assert.ok(link, `a verification link in: ${message.text}`);
  return link;
}

export async function postRegistration(app: BulwarkApp, fields: { name: string; email: string; password: string; confirm?: string }): Promise<Injected> {
  const page = await app.http.inject({ method: 'GET', url: '/account/register' });
  assert.equal(page.statusCode, 200, page.body);
  const csrfCookie = cookie(page, 'bulwark_csrf');
  assert.ok(csrfCookie, 'the sign-up form sets its CSRF cookie');
  return app.http.inject({
    method: 'POST',
    url: '/account/register',
    headers: { ...FORM, cookie: `bulwark_csrf=${csrfCookie.value}` },
    payload: form({ _csrf: csrfOf(page.body), name: fields.name, email: fields.email, password: fields.password, confirm: fields.confirm ?? fields.password }),
  });
}

/** Follows a verification link as a browser would: the page, then its confirm button. */
export async function confirmLink(app: BulwarkApp, link: string, sessionCookie?: string): Promise<Injected> {
  const headers = sessionCookie ? { cookie: `bulwark_session=${sessionCookie}` } : {};
  const page = await app.http.inject({ method: 'GET', url: localPath(link), headers });
  if (page.statusCode !== 200) return page;
  const token = new URL(link).searchParams.get('token') ?? '';
  return app.http.inject({ method: 'POST', url: '/account/verify-email', headers: { ...FORM, ...headers }, payload: form({ token }) });
}

/** Registers and verifies an account through the pages; returns its id. */
export async function signUp(app: BulwarkApp, smtp: SmtpCapture, fields: { name: string; email: string; password: string }): Promise<number> {
  const registered = await postRegistration(app, fields);
  assert.equal(registered.statusCode, 200, registered.body);
  const mail = await smtp.nextMessage({ to: fields.email });
  const confirmed = await confirmLink(app, verifyLinkOf(mail));
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  const user = await app.accounts.getUserByName(fields.name);
  assert.ok(user?.emailVerified);
  return user.id;
}

/** Signs in through the form; returns the session cookie's value. */
export async function signIn(app: BulwarkApp, name: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const page = await app.http.inject({ method: 'GET', url: '/account/login', headers });
  const csrfCookie = cookie(page, 'bulwark_csrf');
  assert.ok(csrfCookie);
  const response = await app.http.inject({
    method: 'POST',
    url: '/account/login',
    headers: { ...headers, ...FORM, cookie: `bulwark_csrf=${csrfCookie.value}` },
    payload: form({ _csrf: csrfOf(page.body), name, password }),
  });
  assert.equal(response.statusCode, 303, response.body);
  const session = cookie(response, 'bulwark_session');
  assert.ok(session);
  return session.value;
}
