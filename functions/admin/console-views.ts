/**
 * The pages of the admin console. The console is written for administrators of both
 * languages at once: each label shows English then Chinese ("Departments 部门"); the
 * sentences with no Chinese yet show in English only.
 */
import { Role } from '../../libs/accounts/index.ts';
import { ZONES } from '../../libs/config/index.ts';
import { grantedResources } from '../../libs/oidc/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import { bilingual, Html, html, type MessageKey, type MessageVars, t } from '../../libs/web/index.ts';
import type { AdminOperations } from './operations.ts';

type AdminKey = MessageKey & `admin_${string}`;
type Operation = {
  [K in keyof AdminOperations]: AdminOperations[K] extends (...args: never[]) => unknown ? K : never;
}[keyof AdminOperations];
/** What an admin operation answers: the rows a page shows. */
type Rows<K extends Operation> = Awaited<
  ReturnType<Extract<AdminOperations[K], (...args: never[]) => unknown>>
>;

/** A label in both languages. */
const b = (key: AdminKey, vars?: MessageVars) => bilingual(key, vars);
/** A sentence that has no Chinese yet. */
const en = (key: AdminKey, vars?: MessageVars) => t('en', key, vars);

/** A page's title and body, framed by `consoleFrame`. */
export interface View {
  readonly title: string;
  readonly body: Html;
}

/** The console's navigation and sign-out around a page's title and body. */
export const consoleFrame = (session: PortalSession, view: View): Html =>
  html`<div class="wide"><p><a href="admin/console">${b('admin_departments')}</a> · <a href="admin/console/resource-servers">${b('admin_apis')}</a> · <a href="admin/console/staff">${b('admin_staff')}</a></p>
<form method="post" action="admin/console/logout"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="link-button">${b('admin_signOut')}</button></form>
<h1>${view.title}</h1>${view.body}</div>`;

const csrf = (session: PortalSession) => html`<input type="hidden" name="csrf" value="${session.csrf}">`;

/** A secret shown once (a client secret, a one-time password, a token), with the way back. */
const once = (title: string, what: string, value: string, back: string): View => ({
  title,
  body: html`<p class="lead">${what} ${b('admin_shownOnce')}</p><p><code id="once">${value}</code></p><p><a href="${back}">${b('admin_back')}</a></p>`,
});

/** The policies refused the page. */
export const refusedView = (decision: { readonly explanation: string }): View => ({
  title: b('admin_refused'),
  body: html`<p id="refusal">${decision.explanation}</p>`,
});

/** A change the console could not make: what was wrong, field by field. */
export const failedView = (
  message: string,
  params: readonly { readonly name: string; readonly reason: string }[],
): View => ({
  title: b('admin_failed'),
  body: html`<div class="error-summary" role="alert" id="error-summary"><p>${message}</p><ul>${params.map((i) => html`<li><strong>${i.name}</strong>: ${i.reason}</li>`)}</ul></div><p><a href="admin/console">${b('admin_back')}</a></p>`,
});

/** A new staff account's one-time password, shown once to the administrator who made it. */
export const createdView = (account: { loginName: string; one_time_password: string }): View =>
  once(
    en('admin_created', { loginName: account.loginName }),
    en('admin_oneTimePassword'),
    account.one_time_password,
    'admin/console/staff',
  );

/** A privileged change waits for a second administrator: say so, with the request to approve. */
export const filedView = (request: { requestId: string; expiresAt: string }): View => ({
  title: b('admin_filedTitle'),
  body: html`<p class="lead" id="request">${en('admin_filedRequest')} <code>${request.requestId}</code> ${b('admin_filedLead', { expiresAt: request.expiresAt })}</p><p><a href="admin/console/staff">${b('admin_back')}</a></p>`,
});

/** A newly registered client, with its secret shown once. */
export const registeredView = (client: Rows<'registerClient'>, departmentId: string): View =>
  once(
    en('admin_registered', { clientId: client.client_id }),
    en('admin_clientSecret', { clientId: client.client_id }),
    String(client.client_secret ?? en('admin_noSecret')),
    `admin/console/departments/${departmentId}`,
  );

/** A client's new secret, shown once. */
export const newSecretView = (clientId: string, secret: string, departmentId: string): View =>
  once(
    en('admin_newSecretFor', { clientId }),
    en('admin_oldSecretGone'),
    secret,
    `admin/console/departments/${departmentId}`,
  );

/** A new registration token, shown once. */
export const registrationTokenView = (departmentId: string, token: Rows<'issueRegistrationToken'>): View =>
  once(
    en('admin_registrationToken', { departmentId }),
    en('admin_registrationTokenLead', {
      tokenId: token.token_id,
      expiresAt: token.expires_at,
      zones: token.zones.join(', '),
      count: token.uses,
    }),
    token.initial_access_token,
    `admin/console/departments/${departmentId}`,
  );

/** Every department, and the form to register one. */
export const departmentsView = (session: PortalSession, departments: Rows<'listDepartments'>): View => ({
  title: b('admin_departments'),
  body: html`<table class="wide" id="departments"><thead><tr><th>${en('admin_id')}</th><th>${b('admin_name')}</th><th>${en('admin_uscc')}</th><th>${b('admin_zones')}</th><th>${b('admin_status')}</th></tr></thead><tbody>${departments.map(
    (d) =>
      html`<tr data-department="${d.departmentId}"><td><a href="admin/console/departments/${d.departmentId}">${d.departmentId}</a></td><td>${d.name}</td><td><code>${d.uscc}</code></td><td>${d.zones.join(', ')}</td><td>${d.status}</td></tr>`,
  )}</tbody></table>
<h2>${b('admin_registerDepartment')}</h2>
<form method="post" action="admin/console/departments">${csrf(session)}<div class="filters">
<div class="field"><label for="departmentId">${en('admin_id')}</label><input type="text" id="departmentId" name="departmentId" required></div>
<div class="field"><label for="name">${b('admin_name')}</label><input type="text" id="name" name="name" required></div>
<div class="field"><label for="uscc">${b('admin_usccLong')}</label><input type="text" id="uscc" name="uscc" required></div></div>
<fieldset><legend>${b('admin_zones')}</legend>${ZONES.map((z) => html`<div><input type="checkbox" id="zone-${z}" name="zones" value="${z}"> <label for="zone-${z}" style="display:inline">${z}</label></div>`)}</fieldset>
<button type="submit">${b('admin_registerEntry')}</button></form>`,
});

/** A client's grants beyond its department's APIs, each with a withdraw button, and a form to grant one. */
const grantsOf = (session: PortalSession, clientId: string, granted: readonly string[]) =>
  html`<ul class="grants">${granted.map(
    (api) =>
      html`<li><code>${api}</code><form method="post" action="admin/console/clients/${clientId}/resources">${csrf(session)}<input type="hidden" name="revoke" value="${api}"><input type="hidden" name="reason" value="withdrawn in the admin console"><button type="submit" class="link-button">${b('admin_withdraw')}</button></form></li>`,
  )}</ul>
<form method="post" action="admin/console/clients/${clientId}/resources">${csrf(session)}<label for="grant-${clientId}">${b('admin_grantApi')} ${en('admin_grantApiHint')}</label><input type="text" id="grant-${clientId}" name="grant" required><label for="grant-reason-${clientId}">${b('admin_grantReason')}</label><input type="text" id="grant-reason-${clientId}" name="reason" required><button type="submit" class="secondary">${b('admin_grant')}</button></form>`;

/** One department: its clients, the form to register one, and its registration tokens. */
export const departmentView = (
  session: PortalSession,
  department: Rows<'department'>,
  clients: Rows<'listClients'>,
  tokens: Rows<'listRegistrationTokens'>,
): View => ({
  title: department.name,
  body: html`<p>${department.departmentId} · <code>${department.uscc}</code> · ${department.zones.join(', ')} · ${department.status}</p>
<h2>${b('admin_clients')}</h2>
<table class="wide" id="clients"><thead><tr><th>${b('admin_name')}</th><th>${en('admin_clientId')}</th><th>${b('admin_zone')}</th><th>${en('admin_redirectUris')}</th><th>${b('admin_status')}</th><th>${b('admin_apisGranted')}</th><th></th></tr></thead><tbody>${clients.map(
    (c) =>
      html`<tr data-client="${c.client_id}"><td>${String(c.client_name ?? '')}</td><td><code>${c.client_id}</code></td><td>${String(c.yitong_zone)}</td><td>${((c.redirect_uris as string[] | undefined) ?? []).join(' ')}</td><td>${c.yitong_disabled ? b('admin_suspended') : b('admin_active')}</td><td>${grantsOf(session, c.client_id, grantedResources(c))}</td><td>
<form method="post" action="admin/console/clients/${c.client_id}/status">${csrf(session)}<input type="hidden" name="disabled" value="${c.yitong_disabled ? 'false' : 'true'}"><label for="reason-${c.client_id}">${b('admin_reason')}</label><input type="text" id="reason-${c.client_id}" name="reason" required><button type="submit" class="secondary">${c.yitong_disabled ? b('admin_restore') : b('admin_suspend')}</button></form>
${c.token_endpoint_auth_method === 'client_secret_basic' ? html`<form method="post" action="admin/console/clients/${c.client_id}/secret">${csrf(session)}<input type="hidden" name="reason" value="rotated in the admin console"><button type="submit" class="secondary">${b('admin_newSecret')}</button></form>` : ''}</td></tr>`,
  )}</tbody></table>
<h2>${b('admin_registerClient')}</h2>
<form method="post" action="admin/console/clients">${csrf(session)}<input type="hidden" name="department" value="${department.departmentId}">
<div class="field"><label for="client_name">${b('admin_clientName')}</label><input type="text" id="client_name" name="client_name" required></div>
<div class="field"><label for="zone">${b('admin_zone')}</label><select id="zone" name="zone">${department.zones.map((z) => html`<option value="${z}">${z}</option>`)}</select></div>
<div class="field"><label for="redirect_uris">${b('admin_redirectUrisInput')}</label><textarea id="redirect_uris" name="redirect_uris" rows="2" cols="60"></textarea></div>
<div class="field"><label for="post_logout_redirect_uris">${b('admin_postLogoutUris')}</label><textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris" rows="2" cols="60"></textarea></div>
<div class="field"><label for="backchannel_logout_uri">${en('admin_backchannelUri')}</label><input type="text" id="backchannel_logout_uri" name="backchannel_logout_uri"></div>
<div class="field"><label for="grant">${b('admin_kind')}</label><select id="grant" name="grant"><option value="site">${b('admin_kindSite')}</option><option value="machine">${b('admin_kindMachine')}</option></select></div>
<div class="field"><label for="required_acr">${b('admin_assurance')}</label><select id="required_acr" name="required_acr"><option value="">${b('admin_assuranceAny')}</option><option value="urn:yitong:loa:2">${b('admin_assuranceSecondFactor')}</option><option value="urn:yitong:loa:3">${b('admin_assurancePasskey')}</option></select></div>
<button type="submit">${b('admin_registerSubmit')}</button></form>
<h2>${b('admin_registrationTokens')}</h2>
<table class="wide" id="registration-tokens"><thead><tr><th>${b('admin_tokenId')}</th><th>${b('admin_zones')}</th><th>${b('admin_used')}</th><th>${b('admin_tokenExpires')}</th><th>${b('admin_status')}</th><th></th></tr></thead><tbody>${tokens.map(
    (token) =>
      html`<tr data-token="${token.token_id}"><td><code>${token.token_id}</code></td><td>${token.zones.join(', ')}</td><td>${token.used} / ${token.uses}</td><td>${token.expires_at}</td><td>${token.status}</td><td>${
        token.status === 'revoked'
          ? ''
          : html`<form method="post" action="admin/console/departments/${department.departmentId}/registration-tokens/${token.token_id}/revoke">${csrf(session)}<label for="revoke-${token.token_id}">${b('admin_reason')}</label><input type="text" id="revoke-${token.token_id}" name="reason" required><button type="submit" class="secondary">${b('admin_revoke')}</button></form>`
      }</td></tr>`,
  )}</tbody></table>
<form method="post" action="admin/console/departments/${department.departmentId}/registration-tokens">${csrf(session)}<div class="filters"><div class="field"><label for="days">${b('admin_validDays')}</label><input type="text" id="days" name="days" value="7"></div><div class="field"><label for="uses">${b('admin_uses')}</label><input type="text" id="uses" name="uses" value="1"></div></div><button type="submit" class="secondary">${b('admin_issue')}</button></form>`,
});

/** The roles a staff account may hold (not a citizen's or a company's). */
const STAFF_ROLES = Role.options.filter((r) => r !== 'citizen' && r !== 'company');
const roleBoxes = (prefix: string) =>
  html`<fieldset><legend>${b('admin_roles')}</legend>${STAFF_ROLES.map((r) => html`<div><input type="checkbox" id="${prefix}-role-${r}" name="roles" value="${r}"${new Html(r === 'staff' ? ' checked' : '')}> <label for="${prefix}-role-${r}" style="display:inline">${r}</label></div>`)}</fieldset>`;

/** Staff: the requests waiting for a second administrator, and the forms to create and change accounts. */
export const staffView = (session: PortalSession, requests: Rows<'listStaffRequests'>): View => ({
  title: b('admin_staff'),
  body: html`<h2>${b('admin_waiting')}</h2>
<table class="wide" id="staff-requests"><thead><tr><th>${b('admin_request')}</th><th>${b('admin_change')}</th><th>${b('admin_askedBy')}</th><th>${b('admin_requestExpires')}</th><th></th></tr></thead><tbody>${requests.map(
    (r) =>
      html`<tr data-request="${r.requestId}"><td><code>${r.requestId}</code><br>${r.kind === 'create' ? b('admin_newAccount') : html`${b('admin_account')} <code>${r.accountId ?? ''}</code>`}</td><td><code>${JSON.stringify(r.change)}</code></td><td><code>${r.requestedBy}</code></td><td>${r.expiresAt}</td><td>
<form method="post" action="admin/console/staff-requests/${r.requestId}/approve">${csrf(session)}<button type="submit">${b('admin_approve')}</button></form>
<form method="post" action="admin/console/staff-requests/${r.requestId}/reject">${csrf(session)}<label for="reject-${r.requestId}">${b('admin_reason')}</label><input type="text" id="reject-${r.requestId}" name="reason"><button type="submit" class="secondary">${b('admin_reject')}</button></form></td></tr>`,
  )}</tbody></table>
<h2>${b('admin_createStaff')}</h2>
<form method="post" action="admin/console/staff">${csrf(session)}<div class="filters">
<div class="field"><label for="loginName">${b('admin_loginName')}</label><input type="text" id="loginName" name="loginName" required></div>
<div class="field"><label for="displayName">${b('admin_fullName')}</label><input type="text" id="displayName" name="displayName" required></div>
<div class="field"><label for="staff-department">${b('admin_department')}</label><input type="text" id="staff-department" name="department"></div></div>
${roleBoxes('new')}<button type="submit">${b('admin_create')}</button></form>
<h2>${b('admin_changeStaff')}</h2>
<form method="post" action="admin/console/staff/change">${csrf(session)}<div class="filters">
<div class="field"><label for="accountId">${b('admin_accountId')}</label><input type="text" id="accountId" name="accountId" required></div>
<div class="field"><label for="change-reason">${b('admin_reason')}</label><input type="text" id="change-reason" name="reason" required></div></div>
${roleBoxes('change')}<button type="submit">${b('admin_changeRoles')}</button></form>`,
});

/** APIs (resource servers), who else they are granted to, and the form to register one. */
export const resourceServersView = (session: PortalSession, servers: Rows<'listResourceServers'>): View => ({
  title: b('admin_apis'),
  body: html`<table class="wide" id="resource-servers"><thead><tr><th>${en('admin_audience')}</th><th>${b('admin_name')}</th><th>${b('admin_department')}</th><th>${en('admin_scopes')}</th><th>${b('admin_alsoGranted')}</th></tr></thead><tbody>${servers.map(
    (s) =>
      html`<tr data-audience="${s.audience}"><td><code>${s.audience}</code></td><td>${s.name}</td><td>${s.department}</td><td>${s.scopes.join(' ')}</td><td><ul class="grants">${s.grantedTo.map((g) => html`<li><code>${g.clientId}</code> (${g.department ?? ''}): ${g.reason}</li>`)}</ul></td></tr>`,
  )}</tbody></table>
<h2>${b('admin_registerApi')}</h2>
<form method="post" action="admin/console/resource-servers">${csrf(session)}<div class="filters">
<div class="field"><label for="audience">${en('admin_audienceInput')}</label><input type="text" id="audience" name="audience" required></div>
<div class="field"><label for="api-name">${b('admin_name')}</label><input type="text" id="api-name" name="name" required></div>
<div class="field"><label for="api-department">${b('admin_department')}</label><input type="text" id="api-department" name="department" required></div>
<div class="field"><label for="scopes">${en('admin_scopesInput')}</label><input type="text" id="scopes" name="scopes" required></div></div>
<button type="submit">${b('admin_registerEntry')}</button></form>`,
});
