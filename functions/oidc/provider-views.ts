import { departmentName } from '../../libs/departments/index.ts';
import { describeScope, type Html, html, type Lang, t } from '../../libs/web/index.ts';

// The views oidc-provider's own pages and the busy answer render: loaded at cold start. The
// sign-in and password pages' views (views.ts) load with those pages, on first use.

// Scopes in words live in the page kit: the account centre's connected services repeat them.
export { describeScope, OWN_SCOPE_WORDS } from '../../libs/web/index.ts';

export const messageBody = (heading: string, lead: string, extra?: Html): Html =>
  html`<h1>${heading}</h1><p class="lead">${lead}</p>${extra ?? ''}`;

/** The device flow's confirmation: which application, of which department, asks for what. */
export const deviceConfirmBody = (
  lang: Lang,
  o: {
    readonly userCode: string;
    readonly clientName: string;
    readonly department: { readonly name: string; readonly nameEn?: string };
    readonly scopes: readonly string[];
    readonly resources: readonly string[];
    /** oidc-provider's own form (its CSRF token and the code), submitted by the buttons. */
    readonly form: Html;
    readonly formId: string;
  },
): Html =>
  html`<h1>${t(lang, 'deviceConfirmTitle')}</h1>
<p class="lead">${t(lang, 'deviceConfirmLead', { code: o.userCode })}</p>
<dl id="device-request">
<dt>${t(lang, 'deviceApplication')}</dt><dd id="device-client">${o.clientName}</dd>
<dt>${t(lang, 'deviceDepartment')}</dt><dd id="device-department">${departmentName(o.department, lang)}</dd>
</dl>
<p>${t(lang, 'deviceAsks')}</p>
<ul class="scopes" id="device-scopes">${o.scopes.map((s) => html`<li>${describeScope(lang, s)}</li>`)}${o.resources.map((r) => html`<li>${t(lang, 'deviceResource', { resource: r })}</li>`)}</ul>
${o.form}<button type="submit" form="${o.formId}">${t(lang, 'continue')}</button> <button type="submit" form="${o.formId}" name="abort" value="yes" class="secondary">${t(lang, 'deny')}</button>`;
