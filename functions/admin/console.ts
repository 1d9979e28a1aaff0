import type { APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { Role } from '../../libs/accounts/index.ts';
import { AccountStore } from '../../libs/accounts/store.ts';
import { DepartmentInput } from '../../libs/departments/index.ts';
import { DomainError, ValidationError } from '../../libs/http/index.ts';
import { FirstPartyPortal, Html, html, langOfEvent, pageResponse } from '../../libs/login/index.ts';
import { ADMIN_CONSOLE } from '../../libs/oidc/first-party.ts';
import { grantedResources, ResourceServer } from '../../libs/oidc/registry.ts';
import { AccessControl } from '../../libs/policy/index.ts';
import { type PortalPage, portalPageGuard } from '../../libs/policy/portal-access.ts';
import type { PublicRoute, Runtime } from '../../libs/runtime/index.ts';
import {
  type AdminOperations,
  RegistrationTokenRequest,
  RegistrationTokenRevocation,
  ResourceGrantChange,
  StaffChange,
  StaffInput,
  StaffRequestDecision,
} from './operations.ts';

interface Page extends PortalPage {
  /** The posted form, read once and checked against the session's CSRF token. */
  readonly form: () => URLSearchParams;
}

const zod = <T>(schema: z.ZodType<T>, value: unknown): T => {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    'the form is not valid',
    parsed.error.issues.map((i) => ({ name: i.path.join('.') || '(form)', reason: i.message })),
  );
};
const lines = (value: string | null) =>
  (value ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * The admin console: intranet pages for administrators who do not use the CLI — departments,
 * their clients (register, suspend, restore, rotate the secret), registration tokens and
 * resource servers. It signs in through the intranet issuer as its own client at level 2,
 * decides every page with the same policies as the admin API, and performs every change
 * through the same operations, so each is audited once with its before and after.
 */
export const adminConsole = (runtime: Runtime, ops: AdminOperations) => {
  const { config, doc } = runtime;
  const access = new AccessControl(config.zone, runtime.audit);
  const portal = new FirstPartyPortal(runtime, {
    spec: ADMIN_CONSOLE,
    home: '/admin/console',
    cookie: 'yitong_admin',
    sessionSeconds: 1800,
  });
  const { basePath } = portal;
  const accounts = new AccountStore(doc, config.tables.identity);

  const show = (
    p: Pick<Page, 'event' | 'lang' | 'session'>,
    status: number,
    title: string,
    body: Html,
    path: string,
  ) =>
    pageResponse({
      event: p.event,
      status,
      lang: p.lang,
      title,
      basePath,
      path,
      body: html`<div class="wide"><p><a href="admin/console">Departments 部门</a> · <a href="admin/console/resource-servers">APIs 接口</a> · <a href="admin/console/staff">Staff 人员</a></p>
<form method="post" action="admin/console/logout"><input type="hidden" name="csrf" value="${p.session.csrf}"><button type="submit" class="link-button">Sign out 退出</button></form>
<h1>${title}</h1>${body}</div>`,
    });
  const csrf = (p: Page) => html`<input type="hidden" name="csrf" value="${p.session.csrf}">`;
  const once = (p: Page, title: string, what: string, value: string, back: string) =>
    show(
      p,
      201,
      title,
      html`<p class="lead">${what} It is shown only now: copy it to where it is needed. 仅显示一次。</p><p><code id="once">${value}</code></p><p><a href="${back}">Back 返回</a></p>`,
      '/admin/console',
    );

  /** A console page: signed in, then the policies decide (admin, intranet, level 2); a refused form is shown as a page. */
  const guard = portalPageGuard({
    portal,
    access,
    accounts,
    area: 'admin',
    home: '/admin/console',
    refused: (p, decision) =>
      show(
        p,
        403,
        'You cannot use the admin console 您无权使用管理控制台',
        html`<p id="refusal">${decision.explanation}</p>`,
        '/admin/console',
      ),
  });
  const page = (render: (p: Page) => Promise<APIGatewayProxyResult>): PublicRoute['handle'] =>
    guard(async (allowed) => {
      let form: URLSearchParams | undefined;
      const p: Page = {
        ...allowed,
        form: () => {
          form ??= portal.readForm(allowed.event, allowed.session);
          return form;
        },
      };
      try {
        return await render(p);
      } catch (err: unknown) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        const params = err instanceof ValidationError ? err.invalidParams : [];
        return show(
          p,
          err.status,
          'That did not work 操作未完成',
          html`<div class="error-summary" role="alert" id="error-summary"><p>${err.message}</p><ul>${params.map((i) => html`<li><strong>${i.name}</strong>: ${i.reason}</li>`)}</ul></div><p><a href="admin/console">Back 返回</a></p>`,
          '/admin/console',
        );
      }
    });
  const route = (handle: PublicRoute['handle']): PublicRoute => ({ public: true, handle });
  const toStaff = () => portal.redirect(`${basePath}/admin/console/staff`);
  const STAFF_ROLES = Role.options.filter((r) => r !== 'citizen' && r !== 'company');
  const roleBoxes = (prefix: string) =>
    html`<fieldset><legend>Roles 角色</legend>${STAFF_ROLES.map((r) => html`<div><input type="checkbox" id="${prefix}-role-${r}" name="roles" value="${r}"${new Html(r === 'staff' ? ' checked' : '')}> <label for="${prefix}-role-${r}" style="display:inline">${r}</label></div>`)}</fieldset>`;
  /** A new staff account's one-time password, shown once to the administrator who made it. */
  const created = (p: Page, account: { loginName: string; one_time_password: string }) =>
    once(
      p,
      `Created ${account.loginName}`,
      'The one-time password; at the first sign-in it must be changed and a second factor set up:',
      account.one_time_password,
      'admin/console/staff',
    );
  /** A privileged change waits for a second administrator: say so, with the request to approve. */
  const filed = (p: Page, request: { requestId: string; expiresAt: string }) =>
    show(
      p,
      202,
      'Waiting for a second administrator 待另一名管理员批准',
      html`<p class="lead" id="request">Request <code>${request.requestId}</code> is filed. Admin and auditor roles take two administrators: another administrator approves it on the Staff page before ${request.expiresAt}. 管理员和审计员角色须经两名管理员：请另一名管理员在“人员”页面批准。</p><p><a href="admin/console/staff">Back 返回</a></p>`,
      '/admin/console/staff',
    );
  /** A client's grants beyond its department's APIs, each with a withdraw button, and a form to grant one. */
  const grantsOf = (p: Page, clientId: string, granted: readonly string[]) =>
    html`<ul class="grants">${granted.map(
      (api) =>
        html`<li><code>${api}</code><form method="post" action="admin/console/clients/${clientId}/resources">${csrf(p)}<input type="hidden" name="revoke" value="${api}"><input type="hidden" name="reason" value="withdrawn in the admin console"><button type="submit" class="link-button">Withdraw 撤销</button></form></li>`,
    )}</ul>
<form method="post" action="admin/console/clients/${clientId}/resources">${csrf(p)}<label for="grant-${clientId}">Grant an API 授权接口 (admin, audit, licences, or an API's audience)</label><input type="text" id="grant-${clientId}" name="grant" required><label for="grant-reason-${clientId}">Who asked, and why 申请方及理由</label><input type="text" id="grant-reason-${clientId}" name="reason" required><button type="submit" class="secondary">Grant 授权</button></form>`;
  const toDepartment = (id: string) =>
    portal.redirect(`${basePath}/admin/console/departments/${encodeURIComponent(id)}`);

  const routes: Record<string, PublicRoute> = {
    'GET /admin/console/login': route((event) => portal.login(event, langOfEvent(event))),
    'GET /admin/console/callback': route((event) => portal.callback(event)),
    'POST /admin/console/logout': route((event) => portal.logout(event)),
    'GET /admin/console': route(
      page(async (p) => {
        const departments = await ops.listDepartments();
        return show(
          p,
          200,
          'Departments 部门',
          html`<table class="wide" id="departments"><thead><tr><th>Id</th><th>Name 名称</th><th>USCC</th><th>Zones 区域</th><th>Status 状态</th></tr></thead><tbody>${departments.map(
            (d) =>
              html`<tr data-department="${d.departmentId}"><td><a href="admin/console/departments/${d.departmentId}">${d.departmentId}</a></td><td>${d.name}</td><td><code>${d.uscc}</code></td><td>${d.zones.join(', ')}</td><td>${d.status}</td></tr>`,
          )}</tbody></table>
<h2>Register a department 登记部门</h2>
<form method="post" action="admin/console/departments">${csrf(p)}<div class="filters">
<div class="field"><label for="departmentId">Id</label><input type="text" id="departmentId" name="departmentId" required></div>
<div class="field"><label for="name">Name 名称</label><input type="text" id="name" name="name" required></div>
<div class="field"><label for="uscc">Unified social credit code 统一社会信用代码</label><input type="text" id="uscc" name="uscc" required></div></div>
<fieldset><legend>Zones 区域</legend>${(['public', 'extranet', 'intranet'] as const).map((z) => html`<div><input type="checkbox" id="zone-${z}" name="zones" value="${z}"> <label for="zone-${z}" style="display:inline">${z}</label></div>`)}</fieldset>
<button type="submit">Register 登记</button></form>`,
          '/admin/console',
        );
      }),
    ),
    'POST /admin/console/departments': route(
      page(async (p) => {
        const f = p.form();
        const input = zod(DepartmentInput, {
          departmentId: f.get('departmentId') ?? '',
          name: f.get('name') ?? '',
          uscc: f.get('uscc') ?? '',
          zones: f.getAll('zones'),
        });
        const created = await ops.createDepartment(input, p.who);
        return toDepartment(created.departmentId);
      }),
    ),
    'GET /admin/console/departments/{departmentId}': route(
      page(async (p) => {
        const id = p.event.pathParameters?.departmentId ?? '';
        const department = await ops.department(id);
        const clients = await ops.listClients(id);
        const tokens = await ops.listRegistrationTokens(id);
        return show(
          p,
          200,
          department.name,
          html`<p>${department.departmentId} · <code>${department.uscc}</code> · ${department.zones.join(', ')} · ${department.status}</p>
<h2>Clients 客户端</h2>
<table class="wide" id="clients"><thead><tr><th>Name 名称</th><th>client_id</th><th>Zone 区域</th><th>Redirect URIs</th><th>Status 状态</th><th>APIs granted 授权接口</th><th></th></tr></thead><tbody>${clients.map(
            (c) =>
              html`<tr data-client="${c.client_id}"><td>${String(c.client_name ?? '')}</td><td><code>${c.client_id}</code></td><td>${String(c.yitong_zone)}</td><td>${((c.redirect_uris as string[] | undefined) ?? []).join(' ')}</td><td>${c.yitong_disabled ? 'suspended 已停用' : 'active 启用'}</td><td>${grantsOf(p, c.client_id, grantedResources(c))}</td><td>
<form method="post" action="admin/console/clients/${c.client_id}/status">${csrf(p)}<input type="hidden" name="disabled" value="${c.yitong_disabled ? 'false' : 'true'}"><label for="reason-${c.client_id}">Reason 原因</label><input type="text" id="reason-${c.client_id}" name="reason" required><button type="submit" class="secondary">${c.yitong_disabled ? 'Restore 恢复' : 'Suspend 停用'}</button></form>
${c.token_endpoint_auth_method === 'client_secret_basic' ? html`<form method="post" action="admin/console/clients/${c.client_id}/secret">${csrf(p)}<input type="hidden" name="reason" value="rotated in the admin console"><button type="submit" class="secondary">New secret 更换密钥</button></form>` : ''}</td></tr>`,
          )}</tbody></table>
<h2>Register a client 注册客户端</h2>
<form method="post" action="admin/console/clients">${csrf(p)}<input type="hidden" name="department" value="${department.departmentId}">
<div class="field"><label for="client_name">Name people see 显示名称</label><input type="text" id="client_name" name="client_name" required></div>
<div class="field"><label for="zone">Zone 区域</label><select id="zone" name="zone">${department.zones.map((z) => html`<option value="${z}">${z}</option>`)}</select></div>
<div class="field"><label for="redirect_uris">Redirect URIs (one per line) 回调地址</label><textarea id="redirect_uris" name="redirect_uris" rows="2" cols="60"></textarea></div>
<div class="field"><label for="post_logout_redirect_uris">After logout (one per line) 退出后地址</label><textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris" rows="2" cols="60"></textarea></div>
<div class="field"><label for="backchannel_logout_uri">Back-channel logout URI</label><input type="text" id="backchannel_logout_uri" name="backchannel_logout_uri"></div>
<div class="field"><label for="grant">Kind 类型</label><select id="grant" name="grant"><option value="site">A site people sign in to 网站</option><option value="machine">A machine client (client credentials) 服务端</option></select></div>
<div class="field"><label for="required_acr">Assurance it needs 所需保障级别</label><select id="required_acr" name="required_acr"><option value="">any 任意</option><option value="urn:yitong:loa:2">second factor 第二因素</option><option value="urn:yitong:loa:3">passkey 通行密钥</option></select></div>
<button type="submit">Register 注册</button></form>
<h2>Self-service registration tokens 自助注册令牌</h2>
<table class="wide" id="registration-tokens"><thead><tr><th>Token id 令牌编号</th><th>Zones 区域</th><th>Used 已用</th><th>Expires 到期</th><th>Status 状态</th><th></th></tr></thead><tbody>${tokens.map(
            (t) =>
              html`<tr data-token="${t.token_id}"><td><code>${t.token_id}</code></td><td>${t.zones.join(', ')}</td><td>${t.used} / ${t.uses}</td><td>${t.expires_at}</td><td>${t.status}</td><td>${
                t.status === 'revoked'
                  ? ''
                  : html`<form method="post" action="admin/console/departments/${department.departmentId}/registration-tokens/${t.token_id}/revoke">${csrf(p)}<label for="revoke-${t.token_id}">Reason 原因</label><input type="text" id="revoke-${t.token_id}" name="reason" required><button type="submit" class="secondary">Revoke 吊销</button></form>`
              }</td></tr>`,
          )}</tbody></table>
<form method="post" action="admin/console/departments/${department.departmentId}/registration-tokens">${csrf(p)}<div class="filters"><div class="field"><label for="days">Valid for (days) 有效天数</label><input type="text" id="days" name="days" value="7"></div><div class="field"><label for="uses">Registrations it allows 可注册次数</label><input type="text" id="uses" name="uses" value="1"></div></div><button type="submit" class="secondary">Issue 签发</button></form>`,
          `/admin/console/departments/${department.departmentId}`,
        );
      }),
    ),
    'POST /admin/console/clients': route(
      page(async (p) => {
        const f = p.form();
        const machine = f.get('grant') === 'machine';
        const input = zod(ops.clientInput, {
          client_name: f.get('client_name') ?? '',
          department: f.get('department') ?? '',
          zone: f.get('zone') ?? '',
          redirect_uris: lines(f.get('redirect_uris')),
          post_logout_redirect_uris: lines(f.get('post_logout_redirect_uris')),
          ...(f.get('backchannel_logout_uri')
            ? { backchannel_logout_uri: f.get('backchannel_logout_uri') }
            : {}),
          grant_types: machine ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
          ...(f.get('required_acr') ? { required_acr: f.get('required_acr') } : {}),
        });
        const created = await ops.registerClient(input, p.who);
        return once(
          p,
          `Registered ${created.client_id}`,
          `client_id ${created.client_id}; its secret:`,
          String(created.client_secret ?? '(none: public client)'),
          `admin/console/departments/${input.department}`,
        );
      }),
    ),
    'POST /admin/console/clients/{clientId}/status': route(
      page(async (p) => {
        const f = p.form();
        const client = await ops.setClientStatus(
          p.event.pathParameters?.clientId ?? '',
          zod(
            z.object({
              disabled: z.boolean(),
              reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
            }),
            {
              disabled: f.get('disabled') === 'true',
              reason: f.get('reason') ?? '',
            },
          ),
          p.who,
        );
        return toDepartment(String(client.yitong_department));
      }),
    ),
    'POST /admin/console/clients/{clientId}/resources': route(
      page(async (p) => {
        const f = p.form();
        const id = p.event.pathParameters?.clientId ?? '';
        await ops.changeResources(
          id,
          zod(ResourceGrantChange, {
            grant: f.getAll('grant').filter(Boolean),
            revoke: f.getAll('revoke').filter(Boolean),
            reason: f.get('reason') ?? '',
          }),
          p.who,
        );
        const client = await ops.client(id);
        return toDepartment(String(client.yitong_department));
      }),
    ),
    'POST /admin/console/clients/{clientId}/secret': route(
      page(async (p) => {
        const id = p.event.pathParameters?.clientId ?? '';
        const rotated = await ops.rotateSecret(
          id,
          p.form().get('reason') ?? 'rotated in the admin console',
          p.who,
        );
        const client = await ops.client(id);
        return once(
          p,
          `New secret for ${id}`,
          'The old secret no longer works. The new one:',
          rotated.client_secret,
          `admin/console/departments/${String(client.yitong_department)}`,
        );
      }),
    ),
    'POST /admin/console/departments/{departmentId}/registration-tokens': route(
      page(async (p) => {
        const id = p.event.pathParameters?.departmentId ?? '';
        const f = p.form();
        const token = await ops.issueRegistrationToken(
          id,
          zod(RegistrationTokenRequest, {
            expiresInDays: Number(f.get('days') ?? 7),
            uses: Number(f.get('uses') ?? 1),
          }),
          p.who,
        );
        return once(
          p,
          `Registration token for ${id}`,
          `Token ${token.token_id}: valid until ${token.expires_at} in ${token.zones.join(', ')} for ${token.uses} registration(s). Send it to <issuer>/reg as a Bearer token:`,
          token.initial_access_token,
          `admin/console/departments/${id}`,
        );
      }),
    ),
    'POST /admin/console/departments/{departmentId}/registration-tokens/{tokenId}/revoke': route(
      page(async (p) => {
        const id = p.event.pathParameters?.departmentId ?? '';
        await ops.revokeRegistrationToken(
          id,
          p.event.pathParameters?.tokenId ?? '',
          zod(RegistrationTokenRevocation, { revoked: true, reason: p.form().get('reason') ?? '' }).reason,
          p.who,
        );
        return toDepartment(id);
      }),
    ),
    'GET /admin/console/staff': route(
      page(async (p) => {
        const requests = await ops.listStaffRequests();
        return show(
          p,
          200,
          'Staff 人员',
          html`<h2>Waiting for a second administrator 待批准的申请</h2>
<table class="wide" id="staff-requests"><thead><tr><th>Request 申请</th><th>Change 变更</th><th>Asked by 申请人</th><th>Expires 过期</th><th></th></tr></thead><tbody>${requests.map(
            (r) =>
              html`<tr data-request="${r.requestId}"><td><code>${r.requestId}</code><br>${r.kind === 'create' ? 'new account 新账户' : html`account 账户 <code>${r.accountId ?? ''}</code>`}</td><td><code>${JSON.stringify(r.change)}</code></td><td><code>${r.requestedBy}</code></td><td>${r.expiresAt}</td><td>
<form method="post" action="admin/console/staff-requests/${r.requestId}/approve">${csrf(p)}<button type="submit">Approve 批准</button></form>
<form method="post" action="admin/console/staff-requests/${r.requestId}/reject">${csrf(p)}<label for="reject-${r.requestId}">Reason 原因</label><input type="text" id="reject-${r.requestId}" name="reason"><button type="submit" class="secondary">Reject 拒绝</button></form></td></tr>`,
          )}</tbody></table>
<h2>Create a staff account 创建人员账户</h2>
<form method="post" action="admin/console/staff">${csrf(p)}<div class="filters">
<div class="field"><label for="loginName">Login name 登录名</label><input type="text" id="loginName" name="loginName" required></div>
<div class="field"><label for="displayName">Full name 姓名</label><input type="text" id="displayName" name="displayName" required></div>
<div class="field"><label for="staff-department">Department 部门</label><input type="text" id="staff-department" name="department"></div></div>
${roleBoxes('new')}<button type="submit">Create 创建</button></form>
<h2>Change a staff account 修改人员账户</h2>
<form method="post" action="admin/console/staff/change">${csrf(p)}<div class="filters">
<div class="field"><label for="accountId">Account id 账户编号</label><input type="text" id="accountId" name="accountId" required></div>
<div class="field"><label for="change-reason">Reason 原因</label><input type="text" id="change-reason" name="reason" required></div></div>
${roleBoxes('change')}<button type="submit">Change roles 修改角色</button></form>`,
          '/admin/console/staff',
        );
      }),
    ),
    'POST /admin/console/staff': route(
      page(async (p) => {
        const f = p.form();
        const outcome = await ops.createStaff(
          zod(StaffInput, {
            loginName: f.get('loginName') ?? '',
            displayName: f.get('displayName') ?? '',
            roles: f.getAll('roles'),
            ...(f.get('department') ? { department: f.get('department') } : {}),
          }),
          p.who,
        );
        if (!outcome.done) return filed(p, outcome.request);
        return created(p, outcome.result);
      }),
    ),
    'POST /admin/console/staff/change': route(
      page(async (p) => {
        const f = p.form();
        const outcome = await ops.updateStaff(
          f.get('accountId') ?? '',
          zod(StaffChange, { roles: f.getAll('roles'), reason: f.get('reason') ?? '' }),
          p.who,
        );
        return outcome.done ? toStaff() : filed(p, outcome.request);
      }),
    ),
    'POST /admin/console/staff-requests/{requestId}/approve': route(
      page(async (p) => {
        p.form();
        const approved = await ops.approveStaffRequest(p.event.pathParameters?.requestId ?? '', p.who);
        if (!('one_time_password' in approved)) return toStaff();
        return created(p, approved);
      }),
    ),
    'POST /admin/console/staff-requests/{requestId}/reject': route(
      page(async (p) => {
        const reason = p.form().get('reason');
        await ops.rejectStaffRequest(
          p.event.pathParameters?.requestId ?? '',
          zod(StaffRequestDecision, reason ? { reason } : {}),
          p.who,
        );
        return toStaff();
      }),
    ),
    'GET /admin/console/resource-servers': route(
      page(async (p) => {
        const servers = await ops.listResourceServers();
        return show(
          p,
          200,
          'APIs 接口',
          html`<table class="wide" id="resource-servers"><thead><tr><th>Audience</th><th>Name 名称</th><th>Department 部门</th><th>Scopes</th><th>Also granted to 另行授权</th></tr></thead><tbody>${servers.map(
            (s) =>
              html`<tr data-audience="${s.audience}"><td><code>${s.audience}</code></td><td>${s.name}</td><td>${s.department}</td><td>${s.scopes.join(' ')}</td><td><ul class="grants">${s.grantedTo.map((g) => html`<li><code>${g.clientId}</code> (${g.department ?? ''}): ${g.reason}</li>`)}</ul></td></tr>`,
          )}</tbody></table>
<h2>Register an API 登记接口</h2>
<form method="post" action="admin/console/resource-servers">${csrf(p)}<div class="filters">
<div class="field"><label for="audience">Audience (its URL)</label><input type="text" id="audience" name="audience" required></div>
<div class="field"><label for="api-name">Name 名称</label><input type="text" id="api-name" name="name" required></div>
<div class="field"><label for="api-department">Department 部门</label><input type="text" id="api-department" name="department" required></div>
<div class="field"><label for="scopes">Scopes (space separated)</label><input type="text" id="scopes" name="scopes" required></div></div>
<button type="submit">Register 登记</button></form>`,
          '/admin/console/resource-servers',
        );
      }),
    ),
    'POST /admin/console/resource-servers': route(
      page(async (p) => {
        const f = p.form();
        const server = zod(ResourceServer, {
          audience: f.get('audience') ?? '',
          name: f.get('name') ?? '',
          department: f.get('department') ?? '',
          scopes: (f.get('scopes') ?? '').split(/\s+/).filter(Boolean),
        });
        await ops.putResourceServer(server, p.who);
        return portal.redirect(`${basePath}/admin/console/resource-servers`);
      }),
    ),
  };
  return { access, routes };
};
