// GET/POST /account/cli-login/:id: the page `npm login` opens. A signed-in user approves the request
// with a CSRF-protected form; the polling CLI then receives a token for that user. Anyone who
// can get a user to approve a request they did not start gets that user's token, so the page
// says plainly what approving does.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html.js';
import { checkSessionCsrf, CSRF_FIELD } from '../csrf.js';
import { formField, pageHandler, PUBLIC_PAGE, requireSession, seeOther, sendPage, type WebContext } from '../page.js';
import { FORM_EXPIRED } from './login.js';
import { notFoundPage } from './error.js';

/** Ids are random base64url; anything else cannot exist and is not looked up. */
const CLI_LOGIN_ID = /^[A-Za-z0-9_-]{16,128}$/;

export function registerCliLoginPage(app: FastifyInstance, ctx: WebContext): void {
  const { accounts, secret } = ctx.deps;

  function showNotFound(request: FastifyRequest, reply: FastifyReply) {
    return sendPage(ctx, request, reply, { status: 404, ...notFoundPage(request.actor.kind === 'user') });
  }

  function showApprove(request: FastifyRequest, reply: FastifyReply, form: { status: number; id: string; userName: string; csrf: string; message?: string }) {
    return sendPage(ctx, request, reply, {
      status: form.status,
      title: 'Approve npm CLI sign-in',
      body: html`<section class="card narrow">
  <h1>Approve npm CLI sign-in as ${form.userName}?</h1>
  ${form.message ? html`<p class="error" role="alert">${form.message}</p>` : null}
  <p>A command line (<code>npm login</code>) asked to sign in to this registry. Approving gives it a token
  that can publish and change packages as <strong>${form.userName}</strong>.</p>
  <p class="warning">Only approve if you started <code>npm login</code> yourself, just now. If someone sent you this link, do not approve it.</p>
  <form method="post" action="/account/cli-login/${form.id}" class="actions">
    <input type="hidden" name="${CSRF_FIELD}" value="${form.csrf}">
    <button type="submit" class="primary">Approve</button>
    <a class="button" href="/">Cancel</a>
  </form>
</section>`,
    });
  }

  // A login token is a credential an unverified account may not have (EMAIL_NOT_VERIFIED): say
  // so here rather than let the CLI fail after an approval.
  function showUnverified(request: FastifyRequest, reply: FastifyReply) {
    return sendPage(ctx, request, reply, {
      status: 403,
      title: 'Verify your email address first',
      body: html`<section class="notice"><h1>Verify your email address first</h1><p>The command line gets a token, and tokens wait until your address is verified. Follow the link we mailed you, or ask for a new one on <a href="/account/email">your email page</a>, then run <code>npm login</code> again.</p></section>`,
    });
  }

  app.get('/account/cli-login/:id', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!CLI_LOGIN_ID.test(id)) return showNotFound(request, reply);
    const login = await accounts.getCliLogin(id);
    if (!login) return showNotFound(request, reply);
    const gate = await requireSession(ctx, request, `/account/cli-login/${id}`);
    if (!gate.ok) return seeOther(reply, gate.location);
    if (!login.pending) {
      return sendPage(ctx, request, reply, {
        title: 'Already approved',
        body: html`<section class="notice"><h1>Already approved</h1><p>This sign-in request was already approved. You can close this page and return to the terminal.</p></section>`,
      });
    }
    if (!gate.user.emailVerified) return showUnverified(request, reply);
    return showApprove(request, reply, { status: 200, id, userName: gate.user.name, csrf: gate.viewer.csrf });
  }));

  app.post('/account/cli-login/:id', PUBLIC_PAGE, pageHandler(ctx, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!CLI_LOGIN_ID.test(id)) return showNotFound(request, reply);
    const gate = await requireSession(ctx, request, `/account/cli-login/${id}`);
    if (!gate.ok) return seeOther(reply, gate.location);
    if (!checkSessionCsrf(secret, gate.viewer.sessionId, formField(request.body, CSRF_FIELD))) {
      return showApprove(request, reply, { status: 403, id, userName: gate.user.name, csrf: gate.viewer.csrf, message: FORM_EXPIRED });
    }
    if (!gate.user.emailVerified) return showUnverified(request, reply);
    // Refuses (not found) a request that expired, was already approved, or was used meanwhile.
    await accounts.approveCliLogin(id, gate.user.id);
    return sendPage(ctx, request, reply, {
      title: 'Signed in',
      body: html`<section class="notice"><h1>npm CLI signed in</h1><p>The command line is now signed in as <strong>${gate.user.name}</strong>.</p><p>You can close this page and return to the terminal.</p></section>`,
    });
  }));
}
