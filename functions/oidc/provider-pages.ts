import { randomBytes } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Zone } from '../../libs/config/index.ts';
import type { ProviderDeps } from '../../libs/issuer/index.ts';
import { ACCOUNT_PORTAL, ADMIN_CONSOLE, SECURITY_CONSOLE } from '../../libs/oidc/index.ts';
import { errorPageContent, Html, html, page, pageCsp, referenceOf, t } from '../../libs/web/index.ts';
import { basePathOf, langOf, switchHrefFor } from './page-kit.ts';
import { deviceConfirmBody, messageBody } from './provider-views.ts';

/** Pages oidc-provider renders itself (errors, logout), in our frame, language and CSP. */
export const providerPage = (ctx: KoaContextWithOIDC, title: string, body: Html): string => {
  const lang = langOf(ctx);
  const nonce = randomBytes(16).toString('base64');
  ctx.set('content-security-policy', pageCsp(nonce, { formsLeadAway: true }));
  return page({
    lang,
    title,
    body,
    nonce,
    basePath: basePathOf(ctx),
    switchHref: switchHrefFor(ctx, lang),
  });
};

/** The request id API Gateway gave this request: the reference a person can quote. */
export const referenceOfRequest = (ctx: KoaContextWithOIDC): string | undefined =>
  (ctx.req as { requestContext?: { requestId?: string } }).requestContext?.requestId;

/** The kit's error page for a status (a path nobody serves, to a browser), never cached. */
export const errorPage = (ctx: KoaContextWithOIDC, status: number): string => {
  const { title, body } = errorPageContent(langOf(ctx), status, referenceOfRequest(ctx));
  ctx.set('cache-control', 'no-store');
  return providerPage(ctx, title, body);
};

/**
 * The issuer's home page (`/`): what yitong is, and the way into the first-party portals of the
 * zone — the account portal on the public issuer, the consoles on the intranet's.
 */
export const homePage = (ctx: KoaContextWithOIDC, zone: Zone): string => {
  const lang = langOf(ctx);
  const link = (path: string, key: Parameters<typeof t>[1]) =>
    html`<li><a href="${path.replace(/^\//, '')}">${t(lang, key)}</a></li>`;
  const portals =
    zone === 'public'
      ? html`<h2>${t(lang, 'edge_homeAccountHeading')}</h2><p>${t(lang, 'edge_homeAccountText')}</p>
<p><a class="button" href="${ACCOUNT_PORTAL.path.replace(/^\//, '')}">${t(lang, 'edge_homeAccountLink')}</a></p>`
      : zone === 'intranet'
        ? html`<h2>${t(lang, 'edge_homeStaffHeading')}</h2><ul>${link(SECURITY_CONSOLE.path, 'edge_homeSecurityConsole')}${link(ADMIN_CONSOLE.path, 'edge_homeAdminConsole')}</ul>`
        : '';
  return providerPage(
    ctx,
    t(lang, 'edge_homeTitle'),
    html`<h1>${t(lang, 'edge_homeTitle')}</h1><p class="lead">${t(lang, 'edge_homeLead')}</p>
${portals}<h2>${t(lang, 'edge_homeServicesHeading')}</h2><p>${t(lang, 'edge_homeServicesText')}</p>`,
  );
};

/** The pages oidc-provider asks for: errors, logout, and the device flow's (the CLI's) code, confirm and done. */
export const providerPages: ProviderDeps['pages'] = {
  // What went wrong in plain words and what to do; the OAuth error, which the service's own
  // developers need, stays one click away, next to the reference.
  error: (ctx, out) => {
    const lang = langOf(ctx);
    ctx.set('cache-control', 'no-store');
    return providerPage(
      ctx,
      t(lang, 'errorTitle'),
      messageBody(
        t(lang, 'errorTitle'),
        t(lang, 'errorLead'),
        html`${referenceOf(lang, referenceOfRequest(ctx))}<details><summary>${t(lang, 'edge_technicalDetails')}</summary>
<p><code>${String(out.error ?? '')}</code>: ${String(out.error_description ?? '')}</p></details>`,
      ),
    );
  },
  logout: (ctx, form) => {
    const lang = langOf(ctx);
    const formId = /id="([^"]+)"/.exec(form)?.[1] ?? 'op.logoutForm';
    return providerPage(
      ctx,
      t(lang, 'logoutTitle'),
      messageBody(
        t(lang, 'logoutTitle'),
        t(lang, 'logoutLead'),
        html`${new Html(form)}<button type="submit" form="${formId}" name="logout" value="yes">${t(lang, 'signOut')}</button>
<button type="submit" form="${formId}" class="secondary">${t(lang, 'stay')}</button>`,
      ),
    );
  },
  loggedOut: (ctx) => {
    const lang = langOf(ctx);
    return providerPage(
      ctx,
      t(lang, 'loggedOutTitle'),
      messageBody(t(lang, 'loggedOutTitle'), t(lang, 'loggedOutLead')),
    );
  },
  deviceCodeInput: (ctx, form, error) => {
    const lang = langOf(ctx);
    const formId = /id="([^"]+)"/.exec(form)?.[1] ?? 'op.deviceInputForm';
    const labelled = form.replace(
      'type="text" name="user_code"',
      html`type="text" name="user_code" aria-label="${t(lang, 'deviceCodeLabel')}"`.toString(),
    );
    return providerPage(
      ctx,
      t(lang, 'deviceInputTitle'),
      messageBody(
        t(lang, 'deviceInputTitle'),
        t(lang, 'deviceInputLead'),
        // oidc-provider's own words for a wrong code are English: the person gets the catalogue's.
        html`${error ? html`<p class="error" role="alert">${t(lang, 'deviceCodeWrong')}</p>` : ''}${new Html(labelled)}<button type="submit" form="${formId}">${t(lang, 'continue')}</button>`,
      ),
    );
  },
  deviceCodeConfirm: (ctx, form, userCode, request) => {
    const lang = langOf(ctx);
    const formId = /id="([^"]+)"/.exec(form)?.[1] ?? 'op.deviceConfirmForm';
    return providerPage(
      ctx,
      t(lang, 'deviceConfirmTitle'),
      deviceConfirmBody(lang, { ...request, userCode, form: new Html(form), formId }),
    );
  },
  deviceDone: (ctx) => {
    const lang = langOf(ctx);
    return providerPage(
      ctx,
      t(lang, 'deviceDoneTitle'),
      messageBody(t(lang, 'deviceDoneTitle'), t(lang, 'deviceDoneLead')),
    );
  },
};
