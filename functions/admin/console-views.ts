/**
 * The pages of the admin console, in the page's language (the language switch, the remembered
 * choice, then the browser's). A form that could not be done is shown again with what was
 * typed, an error summary and one message beside each field; the change, the secret and the
 * one-time password pages say once what is shown once.
 */
import { Role } from '../../libs/accounts/index.ts';
import { ZONES, Zone } from '../../libs/config/index.ts';
import { departmentName } from '../../libs/departments/index.ts';
import { grantedResources, usesClientSecret } from '../../libs/oidc/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import {
  errorSummary,
  type FieldError,
  field,
  formatTime,
  Html,
  html,
  type Lang,
  type MessageKey,
  type MessageVars,
} from '../../libs/web/index.ts';
import type { AdminOperations } from './operations.ts';
import { type AdminWord, cw } from './words.ts';

type AdminKey = (MessageKey & `admin_${string}`) | AdminWord;
type Operation = {
  [K in keyof AdminOperations]: AdminOperations[K] extends (...args: never[]) => unknown ? K : never;
}[keyof AdminOperations];
/** What an admin operation answers: the rows a page shows. */
type Rows<K extends Operation> = Awaited<
  ReturnType<Extract<AdminOperations[K], (...args: never[]) => unknown>>
>;

/** A page's title and body, framed by `consoleFrame`; `errors` lead the page when a form failed. */
export interface View {
  readonly title: string;
  readonly body: Html;
  readonly errors?: readonly FieldError[];
  /** The page's own script (the copy button), run with the page's nonce. */
  readonly script?: string;
}

/**
 * A form sent back to its page: which form, what was typed, and what was wrong (each error
 * names the id of its field, in the page's language).
 */
export interface FormState {
  readonly form: string;
  readonly values: URLSearchParams;
  readonly errors: readonly FieldError[];
}

/** The parts of a page every view needs: its language, the session (for CSRF) and a failed form. */
export interface Ctx {
  readonly lang: Lang;
  readonly session: PortalSession;
  readonly state?: FormState;
}

const w = (c: { readonly lang: Lang }, key: AdminKey, vars?: MessageVars) => cw(c.lang, key, vars);

/** The console's navigation and sign-out around a page's title and body. */
export const consoleFrame = (c: Ctx, view: View): Html =>
  html`<div class="wide"><nav><p><a href="admin/console">${w(c, 'admin_departments')}</a> · <a href="admin/console/resource-servers">${w(c, 'admin_apis')}</a> · <a href="admin/console/staff">${w(c, 'admin_staff')}</a> · <a href="admin/console/companies">${w(c, 'admin_companies')}</a></p></nav>
<form method="post" action="admin/console/logout">${csrf(c.session)}<button type="submit" class="link-button">${w(c, 'admin_signOut')}</button></form>
${errorSummary(c.lang, view.errors ?? [])}<h1>${view.title}</h1>${view.body}</div>`;

const csrf = (session: PortalSession) => html`<input type="hidden" name="csrf" value="${session.csrf}">`;

/** What the failed form `form` held in `name`, or `fallback` when another form (or none) failed. */
const kept = (c: Ctx, form: string, name: string, fallback = ''): string =>
  c.state?.form === form ? (c.state.values.get(name) ?? fallback) : fallback;
const errorFor = (c: Ctx, form: string, id: string): string | undefined =>
  c.state?.form === form ? c.state.errors.find((e) => e.field === id)?.message : undefined;
const errorsOf = (c: Ctx): readonly FieldError[] => c.state?.errors ?? [];

/** A text input of a form, its typed value and its error kept. */
const text = (
  c: Ctx,
  form: string,
  o: { name: string; label: string; hint?: string; maxlength?: number; value?: string },
) =>
  field({
    name: o.name,
    label: o.label,
    hint: o.hint,
    autocomplete: 'off',
    maxlength: o.maxlength ?? 200,
    value: kept(c, form, o.name, o.value ?? ''),
    error: errorFor(c, form, o.name),
  });

/** A textarea laid out as the kit lays out a field. */
const area = (c: Ctx, form: string, o: { name: string; label: string; hint?: string }) => {
  const error = errorFor(c, form, o.name);
  const described = [o.hint ? `${o.name}-hint` : '', error ? `${o.name}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="field${error ? ' error' : ''}"><label for="${o.name}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${o.name}-hint">${o.hint}</p>` : ''}${error ? html`<p class="message" id="${o.name}-error">${error}</p>` : ''}
<textarea id="${o.name}" name="${o.name}" rows="3" cols="24" spellcheck="false" autocapitalize="none"${new Html(described ? ` aria-describedby="${described}"` : '')}${new Html(error ? ' aria-invalid="true"' : '')}>${kept(c, form, o.name)}</textarea></div>`;
};

/**
 * Radios or checkboxes as one fieldset; an error links to the first choice, whose id is
 * `${prefix}-${first value}`.
 */
const choices = (
  c: Ctx,
  form: string,
  o: {
    type: 'radio' | 'checkbox';
    name: string;
    prefix: string;
    legend: string;
    options: readonly { value: string; label: string }[];
    checked: readonly string[];
  },
) => {
  const first = `${o.prefix}-${o.options[0]?.value ?? ''}`;
  const error = errorFor(c, form, first);
  const checked = c.state?.form === form ? c.state.values.getAll(o.name) : o.checked;
  return html`<div class="field${error ? ' error' : ''}"><fieldset class="radios"><legend>${o.legend}</legend>${error ? html`<p class="message" id="${first}-error">${error}</p>` : ''}${o.options.map(
    (x) =>
      html`<div><input type="${o.type}" id="${o.prefix}-${x.value}" name="${o.name}" value="${x.value}"${new Html(checked.includes(x.value) ? ' checked' : '')}> <label for="${o.prefix}-${x.value}">${x.label}</label></div>`,
  )}</fieldset></div>`;
};

/** One item of a list as a heading and its details: reflows on a narrow screen, unlike a table. */
const details = (rows: readonly (readonly [string, unknown])[]) =>
  html`<dl>${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;

/** The copy button of a secret shown once: shown and wired up only where scripts run. */
const COPY_SCRIPT = `document.querySelectorAll('[data-copy]').forEach(function(b){
b.classList.remove('js-only');
b.addEventListener('click',function(){
var el=document.getElementById(b.getAttribute('data-copy'));var text=el.textContent.trim();
var done=function(){document.getElementById('copy-status').textContent=b.getAttribute('data-done');};
var select=function(){var r=document.createRange();r.selectNodeContents(el);var s=window.getSelection();s.removeAllRanges();s.addRange(r);try{document.execCommand('copy');done();}catch(e){}};
if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(text).then(done,select);}else{select();}
});});`;

/**
 * A secret shown once (a client secret, a one-time password, a token): labelled, in a
 * monospaced block that wraps, with a copy button and the warning that it cannot be shown again.
 */
const once = (
  c: { readonly lang: Lang },
  o: {
    title: string;
    lead: string;
    label: string;
    value: string;
    back: string;
    before?: Html;
  },
): View => ({
  title: o.title,
  body: html`<p class="lead">${o.lead}</p>${o.before ?? ''}
<div class="notice" id="once-warning"><p><strong>${w(c, 'admin_onceWarning')}</strong></p></div>
<p class="label" id="once-label">${o.label}</p>
<p class="secret" id="once" aria-labelledby="once-label">${o.value}</p>
<p><button type="button" class="secondary js-only" id="copy" data-copy="once" data-done="${w(c, 'admin_copied')}">${w(c, 'admin_copy')}</button> <span role="status" id="copy-status"></span></p>
<p><a href="${o.back}">${w(c, 'admin_back')}</a></p>`,
  script: COPY_SCRIPT,
});

/** Something that is not a form's field went wrong (a page that no longer exists). */
export const failedView = (c: { readonly lang: Lang }, message: string): View => ({
  title: w(c, 'admin_failed'),
  body: html`<p class="lead" id="failure">${message}</p><p><a href="admin/console">${w(c, 'admin_back')}</a></p>`,
});

/** A new staff account's one-time password, shown once to the administrator who made it. */
export const createdView = (
  c: { readonly lang: Lang },
  account: { loginName: string; one_time_password: string },
): View =>
  once(c, {
    title: w(c, 'admin_created', { loginName: account.loginName }),
    lead: w(c, 'admin_oneTimePassword', { loginName: account.loginName }),
    label: w(c, 'admin_oneTimePasswordLabel'),
    value: account.one_time_password,
    back: 'admin/console/staff',
  });

/** A privileged change waits for a second administrator: say so, with the request to approve. */
export const filedView = (
  c: { readonly lang: Lang },
  request: { requestId: string; expiresAt: string },
): View => ({
  title: w(c, 'admin_filedTitle'),
  body: html`<p class="lead" id="request">${w(c, 'admin_filedRequest')} <code>${request.requestId}</code> ${w(c, 'admin_filedLead', { expiresAt: formatTime(c.lang, request.expiresAt) })}</p><p><a href="admin/console/staff">${w(c, 'admin_back')}</a></p>`,
});

const clientName = (client: { client_name?: unknown; client_id: string }) =>
  typeof client.client_name === 'string' && client.client_name ? client.client_name : client.client_id;

/** A newly registered client, with its secret shown once. */
export const registeredView = (
  c: { readonly lang: Lang },
  client: Rows<'registerClient'>,
  departmentId: string,
): View => {
  const name = clientName(client);
  const id = html`<p class="label">${w(c, 'admin_clientId')}</p><p class="secret" id="client-id">${client.client_id}</p>`;
  const back = `admin/console/departments/${departmentId}`;
  if (typeof client.client_secret !== 'string')
    return {
      title: w(c, 'admin_registered', { name }),
      body: html`${id}<p>${w(c, 'admin_noSecret')}</p><p><a href="${back}">${w(c, 'admin_back')}</a></p>`,
    };
  return once(c, {
    title: w(c, 'admin_registered', { name }),
    lead: w(c, 'admin_registeredLead', { name }),
    before: id,
    label: w(c, 'admin_secretLabel'),
    value: client.client_secret,
    back,
  });
};

/** A client's new secret, shown once. */
export const newSecretView = (
  c: { readonly lang: Lang },
  client: { client_id: string; client_name?: unknown },
  secret: string,
  departmentId: string,
): View =>
  once(c, {
    title: w(c, 'admin_newSecretFor', { name: clientName(client) }),
    lead: w(c, 'admin_oldSecretGone'),
    label: w(c, 'admin_secretLabel'),
    value: secret,
    back: `admin/console/departments/${departmentId}`,
  });

/** A new registration token, shown once. */
export const registrationTokenView = (
  c: { readonly lang: Lang },
  department: { departmentId: string; name: string; nameEn?: string },
  token: Rows<'issueRegistrationToken'>,
): View =>
  once(c, {
    title: w(c, 'admin_registrationToken', { department: departmentName(department, c.lang) }),
    lead: w(c, 'admin_registrationTokenLead', {
      tokenId: token.token_id,
      expiresAt: formatTime(c.lang, token.expires_at),
      zones: zoneNames(c, token.zones),
      count: token.uses,
    }),
    label: w(c, 'admin_tokenLabel'),
    value: token.initial_access_token,
    back: `admin/console/departments/${department.departmentId}`,
  });

/**
 * Are you sure? The page before a change that cannot be taken back quietly (a new secret, a
 * suspension): what it does, a reason for the audit trail, a button that posts, and a way out.
 */
export const confirmView = (
  c: Ctx,
  o: {
    readonly title: string;
    readonly lead: string;
    readonly action: string;
    readonly button: string;
    readonly back: string;
    readonly hidden?: Readonly<Record<string, string>>;
    readonly reason?: string;
  },
): View => ({
  title: o.title,
  errors: errorsOf(c),
  body: html`<p class="lead" id="confirm-lead">${o.lead}</p>
<form method="post" action="${o.action}">${csrf(c.session)}${Object.entries(o.hidden ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
${text(c, 'confirm', { name: 'reason', label: w(c, 'admin_reason'), hint: w(c, 'admin_reasonHint'), maxlength: 500, value: o.reason })}
<button type="submit">${o.button}</button> <a href="${o.back}">${w(c, 'admin_cancel')}</a></form>`,
});

/** A zone, a role, a token's status in words (the value stays the same in every language). */
const zoneName = (c: { readonly lang: Lang }, zone: string) => {
  const known = Zone.safeParse(zone);
  return known.success ? w(c, `admin_zone_${known.data}`) : zone;
};
const zoneNames = (c: { readonly lang: Lang }, zones: readonly string[]) =>
  zones.map((z) => zoneName(c, z)).join(c.lang === 'en' ? ', ' : '、');
const zoneOptions = (c: { readonly lang: Lang }, zones: readonly string[]) =>
  zones.map((z) => ({ value: z, label: zoneName(c, z) }));

/** Every department, and the form to register one. */
export const departmentsView = (c: Ctx, departments: Rows<'listDepartments'>): View => ({
  title: w(c, 'admin_departments'),
  errors: errorsOf(c),
  body: html`<div id="departments">${departments.map(
    (d) =>
      html`<section class="item" data-department="${d.departmentId}"><h2><a href="admin/console/departments/${d.departmentId}">${departmentName(d, c.lang)}</a></h2>${details(
        [
          [w(c, 'admin_fieldDepartmentId'), html`<code>${d.departmentId}</code>`],
          [w(c, 'admin_usccLong'), html`<code>${d.uscc}</code>`],
          [w(c, 'admin_zones'), zoneNames(c, d.zones)],
          [w(c, 'admin_status'), d.status === 'active' ? w(c, 'admin_active') : w(c, 'admin_suspended')],
        ],
      )}</section>`,
  )}</div>
<h2>${w(c, 'admin_registerDepartment')}</h2>
<form method="post" action="admin/console/departments" novalidate>${csrf(c.session)}
${text(c, 'department', { name: 'departmentId', label: w(c, 'admin_fieldDepartmentId'), hint: w(c, 'admin_fieldDepartmentIdHint'), maxlength: 40 })}
${text(c, 'department', { name: 'name', label: w(c, 'admin_fieldName') })}
${text(c, 'department', { name: 'nameEn', label: w(c, 'admin_fieldNameEn'), hint: w(c, 'admin_fieldNameEnHint') })}
${text(c, 'department', { name: 'uscc', label: w(c, 'admin_usccLong'), hint: w(c, 'admin_usccHint'), maxlength: 18 })}
${choices(c, 'department', { type: 'checkbox', name: 'zones', prefix: 'zone', legend: w(c, 'admin_zones'), options: zoneOptions(c, ZONES), checked: [] })}
<button type="submit">${w(c, 'admin_registerEntry')}</button></form>`,
});

/** A client's grants beyond its department's APIs, each with a withdraw button, and a form to grant one. */
const grantsOf = (c: Ctx, clientId: string, granted: readonly string[]) => {
  const form = `grant-${clientId}`;
  return html`<ul class="grants">${granted.map(
    (api) =>
      html`<li><code>${api}</code><form method="post" action="admin/console/clients/${clientId}/resources">${csrf(c.session)}<input type="hidden" name="revoke" value="${api}"><input type="hidden" name="reason" value="withdrawn in the admin console"><button type="submit" class="link-button">${w(c, 'admin_withdraw')}</button></form></li>`,
  )}</ul>
<form method="post" action="admin/console/clients/${clientId}/resources" novalidate>${csrf(c.session)}
${text(c, form, { name: `grant-${clientId}`, label: w(c, 'admin_grantApi'), hint: w(c, 'admin_grantApiHint'), maxlength: 256 })}
${text(c, form, { name: `grant-reason-${clientId}`, label: w(c, 'admin_grantReason'), maxlength: 500 })}
<button type="submit" class="secondary">${w(c, 'admin_grant')}</button></form>`;
};

/** One department: its clients, the form to register one, and its registration tokens. */
export const departmentView = (
  c: Ctx,
  department: Rows<'department'>,
  clients: Rows<'listClients'>,
  tokens: Rows<'listRegistrationTokens'>,
): View => ({
  title: departmentName(department, c.lang),
  errors: errorsOf(c),
  body: html`${details([
    [w(c, 'admin_fieldDepartmentId'), html`<code>${department.departmentId}</code>`],
    [w(c, 'admin_fieldName'), department.name],
    [w(c, 'admin_fieldNameEn'), department.nameEn ?? ''],
    [w(c, 'admin_usccLong'), html`<code>${department.uscc}</code>`],
    [w(c, 'admin_zones'), zoneNames(c, department.zones)],
    [w(c, 'admin_status'), department.status === 'active' ? w(c, 'admin_active') : w(c, 'admin_suspended')],
  ])}
<details${new Html(c.state?.form === 'names' ? ' open' : '')}><summary>${w(c, 'admin_changeNames')}</summary>
<form method="post" action="admin/console/departments/${department.departmentId}" novalidate>${csrf(c.session)}
${text(c, 'names', { name: 'name', label: w(c, 'admin_fieldName'), value: department.name })}
${text(c, 'names', { name: 'nameEn', label: w(c, 'admin_fieldNameEn'), hint: w(c, 'admin_fieldNameEnHint'), value: department.nameEn ?? '' })}
<button type="submit" class="secondary">${w(c, 'admin_save')}</button></form></details>
<h2>${w(c, 'admin_clients')}</h2>
<div id="clients">${
    clients.length
      ? clients.map(
          (client) =>
            html`<section class="item" data-client="${client.client_id}"><h3>${clientName(client)}</h3>${details(
              [
                [w(c, 'admin_clientId'), html`<code>${client.client_id}</code>`],
                [w(c, 'admin_zone'), zoneName(c, String(client.yitong_zone))],
                [
                  w(c, 'admin_redirectUris'),
                  html`${((client.redirect_uris as string[] | undefined) ?? []).map((u) => html`<code>${u}</code><br>`)}`,
                ],
                [
                  w(c, 'admin_status'),
                  html`<span class="client-status">${client.yitong_disabled ? w(c, 'admin_suspended') : w(c, 'admin_active')}</span>`,
                ],
                [w(c, 'admin_apisGranted'), grantsOf(c, client.client_id, grantedResources(client))],
                [
                  w(c, 'admin_acceptsCompanies'),
                  html`<span class="client-companies">${client.yitong_accepts_companies === true ? w(c, 'admin_acceptsCompaniesYes') : w(c, 'admin_acceptsCompaniesNo')}</span>`,
                ],
              ],
            )}<p><a class="button secondary" href="admin/console/clients/${client.client_id}/status?disabled=${client.yitong_disabled ? 'false' : 'true'}">${client.yitong_disabled ? w(c, 'admin_restore') : w(c, 'admin_suspend')}</a>${
              usesClientSecret(client.token_endpoint_auth_method)
                ? html` <a class="button secondary" href="admin/console/clients/${client.client_id}/secret">${w(c, 'admin_newSecret')}</a>`
                : ''
            }</p></section>`,
        )
      : html`<p>${w(c, 'admin_noClients')}</p>`
  }</div>
<h2>${w(c, 'admin_registerClient')}</h2>
<form method="post" action="admin/console/clients" novalidate>${csrf(c.session)}<input type="hidden" name="department" value="${department.departmentId}">
${text(c, 'client', { name: 'client_name', label: w(c, 'admin_clientName') })}
${choices(c, 'client', { type: 'radio', name: 'zone', prefix: 'zone', legend: w(c, 'admin_zone'), options: zoneOptions(c, department.zones), checked: department.zones.slice(0, 1) })}
${area(c, 'client', { name: 'redirect_uris', label: w(c, 'admin_redirectUrisInput'), hint: w(c, 'admin_onePerLine') })}
${area(c, 'client', { name: 'post_logout_redirect_uris', label: w(c, 'admin_postLogoutUris'), hint: `${w(c, 'admin_optional')} ${w(c, 'admin_onePerLine')}` })}
${text(c, 'client', { name: 'backchannel_logout_uri', label: w(c, 'admin_backchannelUri'), hint: w(c, 'admin_optional'), maxlength: 2000 })}
${choices(c, 'client', {
  type: 'radio',
  name: 'grant',
  prefix: 'kind',
  legend: w(c, 'admin_kind'),
  options: [
    { value: 'site', label: w(c, 'admin_kindSite') },
    { value: 'machine', label: w(c, 'admin_kindMachine') },
  ],
  checked: ['site'],
})}
${choices(c, 'client', {
  type: 'radio',
  name: 'required_acr',
  prefix: 'acr',
  legend: w(c, 'admin_assurance'),
  options: [
    { value: 'any', label: w(c, 'admin_assuranceAny') },
    { value: 'urn:yitong:loa:2', label: w(c, 'admin_assuranceSecondFactor') },
    { value: 'urn:yitong:loa:3', label: w(c, 'admin_assurancePasskey') },
  ],
  checked: ['any'],
})}
${choices(c, 'client', {
  type: 'radio',
  name: 'required_ial',
  prefix: 'ial',
  legend: w(c, 'admin_identityLevel'),
  options: [
    { value: 'any', label: w(c, 'admin_assuranceAny') },
    { value: 'urn:yitong:ial:2', label: w(c, 'admin_identityRegistry') },
    { value: 'urn:yitong:ial:3', label: w(c, 'admin_identityInPerson') },
  ],
  checked: ['any'],
})}
${choices(c, 'client', {
  type: 'checkbox',
  name: 'accepts_companies',
  prefix: 'companies',
  legend: w(c, 'admin_acceptsCompanies'),
  options: [{ value: 'yes', label: w(c, 'admin_acceptsCompaniesHint') }],
  checked: [],
})}
<button type="submit">${w(c, 'admin_registerSubmit')}</button></form>
<h2>${w(c, 'admin_registrationTokens')}</h2>
<div id="registration-tokens">${
    tokens.length
      ? tokens.map(
          (token) =>
            html`<section class="item" data-token="${token.token_id}">${details([
              [w(c, 'admin_tokenId'), html`<code>${token.token_id}</code>`],
              [w(c, 'admin_zones'), zoneNames(c, token.zones)],
              [w(c, 'admin_used'), html`<span class="token-used">${token.used} / ${token.uses}</span>`],
              [w(c, 'admin_tokenExpires'), formatTime(c.lang, token.expires_at)],
              [
                w(c, 'admin_status'),
                html`<span class="token-status">${w(c, `admin_token_${token.status}`)}</span>`,
              ],
            ])}${
              token.status === 'revoked'
                ? ''
                : html`<form method="post" action="admin/console/departments/${department.departmentId}/registration-tokens/${token.token_id}/revoke" novalidate>${csrf(c.session)}${text(
                    c,
                    `revoke-${token.token_id}`,
                    { name: `revoke-${token.token_id}`, label: w(c, 'admin_reason'), maxlength: 500 },
                  )}<button type="submit" class="secondary">${w(c, 'admin_revoke')}</button></form>`
            }</section>`,
        )
      : html`<p>${w(c, 'admin_noTokens')}</p>`
  }</div>
<form method="post" action="admin/console/departments/${department.departmentId}/registration-tokens" novalidate>${csrf(c.session)}
${text(c, 'token', { name: 'days', label: w(c, 'admin_validDays'), maxlength: 3, value: '7' })}
${text(c, 'token', { name: 'uses', label: w(c, 'admin_uses'), maxlength: 3, value: '1' })}
<button type="submit" class="secondary">${w(c, 'admin_issue')}</button></form>`,
});

/** The roles a staff account may hold (not a citizen's or a company's). */
const STAFF_ROLES = Role.options.filter(
  (r): r is Exclude<Role, 'citizen' | 'company'> => r !== 'citizen' && r !== 'company',
);
const roleBoxes = (c: Ctx, form: string, prefix: string) =>
  choices(c, form, {
    type: 'checkbox',
    name: 'roles',
    prefix: `${prefix}-role`,
    legend: w(c, 'admin_roles'),
    options: STAFF_ROLES.map((r) => ({ value: r, label: w(c, `admin_role_${r}`) })),
    checked: ['staff'],
  });

const roleName = (c: { readonly lang: Lang }, role: string) => {
  const staff = STAFF_ROLES.find((r) => r === role);
  return staff ? w(c, `admin_role_${staff}`) : role;
};
/** A requested staff change as a few labelled lines (login name, roles, department, reason). */
const changeInWords = (c: { readonly lang: Lang }, change: unknown): Html => {
  const fields = (typeof change === 'object' && change !== null ? change : {}) as Record<string, unknown>;
  const line = (key: AdminKey, value: unknown) =>
    value === undefined || value === null ? '' : html`${w(c, key)}: ${value}<br>`;
  const roles = Array.isArray(fields.roles)
    ? fields.roles.map((r) => roleName(c, String(r))).join(c.lang === 'en' ? ', ' : '、')
    : undefined;
  return html`${line('admin_loginName', fields.loginName)}${line('admin_fullName', fields.displayName)}${line('admin_roles', roles)}${line('admin_department', fields.department)}${line('admin_reason', fields.reason)}`;
};

/** The people a page names, by account id: display name and login name. */
export type People = ReadonlyMap<string, { readonly displayName: string; readonly loginName: string }>;

/** "Zhang San (zhang.san)", or the id itself when no account has it. */
const personOf = (c: { readonly lang: Lang }, people: People, id: string): Html | string => {
  const found = people.get(id);
  return found
    ? `${found.displayName} (${found.loginName})`
    : html`${w(c, 'admin_unknownPerson')} <code>${id}</code>`;
};

/** Staff: the requests waiting for a second administrator, and the forms to create and change accounts. */
export const staffView = (c: Ctx, requests: Rows<'listStaffRequests'>, people: People = new Map()): View => ({
  title: w(c, 'admin_staff'),
  errors: errorsOf(c),
  body: html`<h2>${w(c, 'admin_waiting')}</h2>
<div id="staff-requests" tabindex="-1">${
    requests.length
      ? requests.map(
          (r) =>
            html`<section class="item" data-request="${r.requestId}">${details([
              [w(c, 'admin_request'), html`<code>${r.requestId}</code>`],
              [
                w(c, 'admin_account'),
                r.kind === 'create' || !r.accountId
                  ? w(c, 'admin_newAccount')
                  : personOf(c, people, r.accountId),
              ],
              [w(c, 'admin_change'), changeInWords(c, r.change)],
              [w(c, 'admin_askedBy'), personOf(c, people, r.requestedBy)],
              [w(c, 'admin_requestExpires'), formatTime(c.lang, r.expiresAt)],
            ])}
<form method="post" action="admin/console/staff-requests/${r.requestId}/approve">${csrf(c.session)}<button type="submit">${w(c, 'admin_approve')}</button></form>
<form method="post" action="admin/console/staff-requests/${r.requestId}/reject" novalidate>${csrf(c.session)}${text(
              c,
              `reject-${r.requestId}`,
              { name: `reject-${r.requestId}`, label: w(c, 'admin_reason'), maxlength: 500 },
            )}<button type="submit" class="secondary">${w(c, 'admin_reject')}</button></form></section>`,
        )
      : html`<p>${w(c, 'admin_noRequests')}</p>`
  }</div>
<h2>${w(c, 'admin_createStaff')}</h2>
<form method="post" action="admin/console/staff" novalidate>${csrf(c.session)}
${text(c, 'staff', { name: 'loginName', label: w(c, 'admin_loginName'), maxlength: 64 })}
${text(c, 'staff', { name: 'displayName', label: w(c, 'admin_fullName') })}
${text(c, 'staff', { name: 'department', label: w(c, 'admin_department'), hint: w(c, 'admin_departmentHint'), maxlength: 40 })}
${roleBoxes(c, 'staff', 'new')}<button type="submit">${w(c, 'admin_create')}</button></form>
<h2>${w(c, 'admin_changeStaff')}</h2>
<form method="post" action="admin/console/staff/change" novalidate>${csrf(c.session)}
${text(c, 'staffChange', { name: 'accountId', label: w(c, 'admin_accountId'), maxlength: 64 })}
${text(c, 'staffChange', { name: 'reason', label: w(c, 'admin_reason'), maxlength: 500 })}
${roleBoxes(c, 'staffChange', 'change')}<button type="submit">${w(c, 'admin_changeRoles')}</button></form>`,
});

/** APIs (resource servers), who else they are granted to, and the form to register one. */
export const resourceServersView = (c: Ctx, servers: Rows<'listResourceServers'>): View => ({
  title: w(c, 'admin_apis'),
  errors: errorsOf(c),
  body: html`<div id="resource-servers">${servers.map(
    (s) =>
      html`<section class="item" data-audience="${s.audience}"><h2>${s.name}</h2>${details([
        [w(c, 'admin_audience'), html`<code>${s.audience}</code>`],
        [w(c, 'admin_department'), s.department],
        [w(c, 'admin_scopes'), s.scopes.join(' ')],
        [
          w(c, 'admin_alsoGranted'),
          html`<ul class="grants">${s.grantedTo.map((g) => html`<li><code>${g.clientId}</code> (${g.department ?? ''}): ${g.reason}</li>`)}</ul>`,
        ],
      ])}</section>`,
  )}</div>
<h2>${w(c, 'admin_registerApi')}</h2>
<form method="post" action="admin/console/resource-servers" novalidate>${csrf(c.session)}
${text(c, 'api', { name: 'audience', label: w(c, 'admin_audience'), maxlength: 256 })}
${text(c, 'api', { name: 'name', label: w(c, 'admin_name') })}
${text(c, 'api', { name: 'department', label: w(c, 'admin_department'), hint: w(c, 'admin_departmentHint'), maxlength: 40 })}
${text(c, 'api', { name: 'scopes', label: w(c, 'admin_scopes'), hint: w(c, 'admin_scopesHint'), maxlength: 500 })}
<button type="submit">${w(c, 'admin_registerEntry')}</button></form>`,
});

/**
 * Who represents a company: a look-up form (GET, so the page can be linked and reloaded) and,
 * once asked, the legal representative and every agent with masked ID numbers. Read-only.
 */
export const companyLookupView = (
  c: Ctx,
  o: { readonly uscc: string; readonly company?: Rows<'lookUpCompany'>; readonly notFound?: boolean },
): View => {
  const { company } = o;
  const scope = (s: { clients: string[]; licenceTypes: string[] }) =>
    [...s.clients, ...s.licenceTypes].join(c.lang === 'en' ? ', ' : '、');
  const status = (s: string) =>
    cw(
      c.lang,
      s === 'active'
        ? 'company_status_live'
        : s === 'revoked'
          ? 'company_status_revoked'
          : 'company_status_expired',
    );
  return {
    title: w(c, 'admin_companyLookup'),
    errors: errorsOf(c),
    body: html`<p class="lead">${w(c, 'admin_companyLookupLead')}</p>
<form method="get" action="admin/console/companies" novalidate>
${field({
  name: 'uscc',
  label: cw(c.lang, 'company_uscc'),
  hint: cw(c.lang, 'company_usccHint'),
  autocomplete: 'off',
  maxlength: 18,
  value: o.uscc,
  error: errorFor(c, 'company', 'uscc'),
})}
<button type="submit">${w(c, 'admin_companyFind')}</button></form>
${o.notFound ? html`<p id="company-not-found" role="status">${w(c, 'admin_companyNotFound')}</p>` : ''}
${
  company
    ? html`<section class="item" id="company" data-uscc="${company.uscc}"><h2>${company.name}</h2>${details([
        [cw(c.lang, 'company_uscc'), html`<code>${company.uscc}</code>`],
        [cw(c.lang, 'company_registeredAt'), formatTime(c.lang, company.registeredAt)],
        [w(c, 'admin_companyLegalRep'), company.legalRepresentative.name],
        [
          w(c, 'admin_companyIdMasked'),
          html`<code>${company.legalRepresentative.residentIdMasked ?? ''}</code>`,
        ],
      ])}
<h3>${cw(c.lang, 'company_agents')}</h3>${
        company.agents.length
          ? html`<table id="agents"><thead><tr><th scope="col">${cw(c.lang, 'company_agentName')}</th><th scope="col">${w(c, 'admin_companyIdMasked')}</th><th scope="col">${cw(c.lang, 'company_scope')}</th><th scope="col">${cw(c.lang, 'company_until')}</th><th scope="col">${cw(c.lang, 'status')}</th></tr></thead><tbody>${company.agents.map(
              (a) =>
                html`<tr data-agent="${a.accountId}"><td>${a.name}</td><td><code>${a.residentIdMasked ?? ''}</code></td><td>${scope(a.scope)}</td><td>${formatTime(c.lang, a.until)}</td><td>${status(a.status)}</td></tr>`,
            )}</tbody></table>`
          : html`<p>${cw(c.lang, 'company_noAgents')}</p>`
      }</section>`
    : ''
}`,
  };
};
