// Server-rendered web UI. Entry point wired by app.ts.
// Every route here declares `web: true` (the session cookie counts as identity on web routes
// only) and an action; pages that need a user check it themselves and send the browser to the
// sign-in page rather than answering a JSON 401. Security headers (CSP, frame denial) are set by
// the page helper on web responses only, never by a global hook the npm API would feel.
import type { FastifyInstance } from 'fastify';
import type { WebDeps } from './deps.js';
import type { WebContext } from './page.js';
import { loadStylesheet, loadWebAuthnScripts, registerStatic } from './static.js';
import { registerSecurityTxt } from './security-txt.js';
import { registerHomePage } from './pages/home.js';
import { registerSearchPage } from './pages/search.js';
import { registerPackagePages } from './pages/package.js';
import { registerUserPage } from './pages/user.js';
import { registerLoginPages } from './pages/login.js';
import { registerMfaPages } from './pages/mfa.js';
import { registerPasswordPage } from './pages/password.js';
import { registerCliLoginPage } from './pages/cli-login.js';
import { registerDisclosurePage } from './pages/disclosure.js';
import { registerRegisterPage } from './pages/register.js';
import { registerEmailPages } from './pages/email.js';
import { registerRecoverPages } from './pages/recover.js';
import { registerRecoveryAdminPage } from './pages/recovery-admin.js';
import { registerSecurityLogPage } from './pages/security-log.js';
import { registerOtpApprovePage } from './pages/otp-approve.js';
import { registerSecurityPolicyPage } from './pages/security-policy.js';
import { registerTokensPage } from './pages/tokens.js';

export type { WebDeps } from './deps.js';

export async function registerWeb(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const stylesheet = loadStylesheet();
  const scripts = loadWebAuthnScripts();
  const ctx: WebContext = { deps, stylesheetHref: stylesheet.href, webauthnScripts: scripts.map((s) => s.href) };
  // Package protocols own single-segment paths (npm's GET /<name>): a page at /login would
  // hide the npm package `login`. Pages live at / or under two segments or more.
  app.addHook('onRoute', (route) => {
    if (route.config?.web && route.url !== '/' && route.url.split('/').filter(Boolean).length < 2) {
      throw new Error(`web route ${route.url} would shadow a package name; use a path with two segments`);
    }
  });

  registerStatic(app, stylesheet, ...scripts);
  registerSecurityTxt(app, { contact: deps.securityContact, publicUrl: deps.publicUrl, startedAt: new Date() });
  registerHomePage(app, ctx);
  registerSearchPage(app, ctx);
  registerPackagePages(app, ctx);
  registerUserPage(app, ctx);
  registerLoginPages(app, ctx);
  registerMfaPages(app, ctx);
  registerPasswordPage(app, ctx);
  registerCliLoginPage(app, ctx);
  registerDisclosurePage(app, ctx);
  registerRegisterPage(app, ctx);
  registerEmailPages(app, ctx);
  registerRecoverPages(app, ctx);
  registerRecoveryAdminPage(app, ctx);
  registerSecurityLogPage(app, ctx);
  registerOtpApprovePage(app, ctx);
  registerSecurityPolicyPage(app, ctx);
  registerTokensPage(app, ctx);
}
