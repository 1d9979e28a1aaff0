import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { DepartmentInput } from '../../libs/departments/index.ts';
import { DomainError, Router, ValidationError } from '../../libs/http/index.ts';
import { ADMIN_CONSOLE, ResourceServer } from '../../libs/oidc/index.ts';
import { FirstPartyPortal, type PortalPage, portalPageGuard } from '../../libs/portal/index.ts';
import type { PublicRoute, Runtime } from '../../libs/runtime/index.ts';
import { langOfEvent, pageResponse } from '../../libs/web/index.ts';
import {
  consoleFrame,
  createdView,
  departmentsView,
  departmentView,
  failedView,
  filedView,
  newSecretView,
  refusedView,
  registeredView,
  registrationTokenView,
  resourceServersView,
  staffView,
  type View,
} from './console-views.ts';
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
  const { access, accounts } = runtime;
  const portal = new FirstPartyPortal(runtime, {
    spec: ADMIN_CONSOLE,
    home: '/admin/console',
    cookie: 'yitong_admin',
    sessionSeconds: 1800,
  });
  const { basePath } = portal;

  const show = (p: Pick<Page, 'event' | 'lang' | 'session'>, status: number, view: View, path: string) =>
    pageResponse({
      event: p.event,
      status,
      lang: p.lang,
      title: view.title,
      basePath,
      path,
      body: consoleFrame(p.session, view),
    });

  /** A console page: signed in, then the policies decide (admin, intranet, level 2); a refused form is shown as a page. */
  const guard = portalPageGuard({
    portal,
    access,
    accounts,
    area: 'admin',
    home: '/admin/console',
    refused: (p, decision) => show(p, 403, refusedView(decision), '/admin/console'),
  });
  const page = (render: (p: Page) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle: guard(async (allowed) => {
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
        return show(p, err.status, failedView(err.message, params), '/admin/console');
      }
    }),
  });
  const open = (handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle,
  });
  const toStaff = () => portal.redirect(`${basePath}/admin/console/staff`);
  const toDepartment = (id: string) =>
    portal.redirect(`${basePath}/admin/console/departments/${encodeURIComponent(id)}`);

  const router = new Router<PublicRoute>()
    .on(
      'GET',
      '/admin/console/login',
      open((event) => portal.login(event, langOfEvent(event))),
    )
    .on(
      'GET',
      '/admin/console/callback',
      open((event) => portal.callback(event)),
    )
    .on(
      'POST',
      '/admin/console/logout',
      open((event) => portal.logout(event)),
    )
    .on(
      'GET',
      '/admin/console',
      page(async (p) => {
        const departments = await ops.listDepartments();
        return show(p, 200, departmentsView(p.session, departments), '/admin/console');
      }),
    )
    .on(
      'POST',
      '/admin/console/departments',
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
    )
    .on(
      'GET',
      '/admin/console/departments/{departmentId}',
      page(async (p) => {
        const id = p.event.pathParameters?.departmentId ?? '';
        const department = await ops.department(id);
        const clients = await ops.listClients(id);
        const tokens = await ops.listRegistrationTokens(id);
        return show(
          p,
          200,
          departmentView(p.session, department, clients, tokens),
          `/admin/console/departments/${department.departmentId}`,
        );
      }),
    )
    .on(
      'POST',
      '/admin/console/clients',
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
        return show(p, 201, registeredView(created, input.department), '/admin/console');
      }),
    )
    .on(
      'POST',
      '/admin/console/clients/{clientId}/status',
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
    )
    .on(
      'POST',
      '/admin/console/clients/{clientId}/resources',
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
    )
    .on(
      'POST',
      '/admin/console/clients/{clientId}/secret',
      page(async (p) => {
        const id = p.event.pathParameters?.clientId ?? '';
        const rotated = await ops.rotateSecret(
          id,
          p.form().get('reason') ?? 'rotated in the admin console',
          p.who,
        );
        const client = await ops.client(id);
        return show(
          p,
          201,
          newSecretView(id, rotated.client_secret, String(client.yitong_department)),
          '/admin/console',
        );
      }),
    )
    .on(
      'POST',
      '/admin/console/departments/{departmentId}/registration-tokens',
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
        return show(p, 201, registrationTokenView(id, token), '/admin/console');
      }),
    )
    .on(
      'POST',
      '/admin/console/departments/{departmentId}/registration-tokens/{tokenId}/revoke',
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
    )
    .on(
      'GET',
      '/admin/console/staff',
      page(async (p) => {
        const requests = await ops.listStaffRequests();
        return show(p, 200, staffView(p.session, requests), '/admin/console/staff');
      }),
    )
    .on(
      'POST',
      '/admin/console/staff',
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
        if (!outcome.done) return show(p, 202, filedView(outcome.request), '/admin/console/staff');
        return show(p, 201, createdView(outcome.result), '/admin/console');
      }),
    )
    .on(
      'POST',
      '/admin/console/staff/change',
      page(async (p) => {
        const f = p.form();
        const outcome = await ops.updateStaff(
          f.get('accountId') ?? '',
          zod(StaffChange, { roles: f.getAll('roles'), reason: f.get('reason') ?? '' }),
          p.who,
        );
        return outcome.done ? toStaff() : show(p, 202, filedView(outcome.request), '/admin/console/staff');
      }),
    )
    .on(
      'POST',
      '/admin/console/staff-requests/{requestId}/approve',
      page(async (p) => {
        p.form();
        const approved = await ops.approveStaffRequest(p.event.pathParameters?.requestId ?? '', p.who);
        if (!('one_time_password' in approved)) return toStaff();
        return show(p, 201, createdView(approved), '/admin/console');
      }),
    )
    .on(
      'POST',
      '/admin/console/staff-requests/{requestId}/reject',
      page(async (p) => {
        const reason = p.form().get('reason');
        await ops.rejectStaffRequest(
          p.event.pathParameters?.requestId ?? '',
          zod(StaffRequestDecision, reason ? { reason } : {}),
          p.who,
        );
        return toStaff();
      }),
    )
    .on(
      'GET',
      '/admin/console/resource-servers',
      page(async (p) => {
        const servers = await ops.listResourceServers();
        return show(p, 200, resourceServersView(p.session, servers), '/admin/console/resource-servers');
      }),
    )
    .on(
      'POST',
      '/admin/console/resource-servers',
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
    );

  // The admin function serves these beside its API, in its own chain, keyed as API Gateway names them.
  return { access, routes: router };
};
