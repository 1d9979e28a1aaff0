import { randomBytes } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderDeps } from '../../libs/issuer/index.ts';
import { Html, html, page, t } from '../../libs/web/index.ts';
import { basePathOf, langOf, switchHrefFor } from './page-kit.ts';
import { deviceConfirmBody, messageBody } from './views.ts';

/** Pages oidc-provider renders itself (errors, logout), in our frame, language and CSP. */
export const providerPage = (ctx: KoaContextWithOIDC, title: string, body: Html): string => {
  const lang = langOf(ctx);
  const nonce = randomBytes(16).toString('base64');
  ctx.set(
    'content-security-policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'self'; frame-ancestors 'none'`,
  );
  return page({
    lang,
    title,
    body,
    nonce,
    basePath: basePathOf(ctx),
    switchHref: switchHrefFor(ctx, lang),
  });
};

/** The pages oidc-provider asks for: errors, logout, and the device flow's (the CLI's) code, confirm and done. */
export const providerPages: ProviderDeps['pages'] = {
  error: (ctx, out) => {
    const lang = langOf(ctx);
    return providerPage(
      ctx,
      t(lang, 'errorTitle'),
      messageBody(
        t(lang, 'errorTitle'),
        t(lang, 'errorLead'),
        html`<p><strong>${String(out.error ?? '')}</strong>: ${String(out.error_description ?? '')}</p>`,
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
    const formId = /id="([^"]+)"/.exec(form)?.[1] ?? 'op.deviceInputForm';
    return providerPage(
      ctx,
      'Sign in a device 设备登录',
      messageBody(
        'Sign in a device 设备登录',
        'Enter the code your terminal shows. 请输入终端显示的代码。',
        html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}${new Html(form.replace('type="text" name="user_code"', 'type="text" name="user_code" aria-label="Code 代码"'))}<button type="submit" form="${formId}">Continue 继续</button>`,
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
  deviceDone: (ctx) =>
    providerPage(
      ctx,
      'Device signed in 设备已登录',
      messageBody(
        'Device signed in 设备已登录',
        'You can close this page and return to your terminal. 您可以关闭此页面并回到终端。',
      ),
    ),
};
