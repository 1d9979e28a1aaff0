import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { Role } from '../../libs/accounts/index.ts';
import { ZONES } from '../../libs/config/index.ts';
import { DepartmentChange, DepartmentInput, departmentName } from '../../libs/departments/index.ts';
import { ConflictError, DomainError, NotFoundError, Router, ValidationError } from '../../libs/http/index.ts';
import { ADMIN_CONSOLE, ResourceServer } from '../../libs/oidc/index.ts';
import { FirstPartyPortal, OneTimeForms, type PortalPage, portalPageGuard } from '../../libs/portal/index.ts';
import type { PublicRoute, Runtime } from '../../libs/runtime/index.ts';
import {
  type FieldError,
  type Lang,
  langOfEvent,
  type MessageKey,
  pageResponse,
} from '../../libs/web/index.ts';
import {
  type Ctx,
  companyLookupView,
  confirmView,
  consoleFrame,
  createdView,
  departmentsView,
  departmentView,
  type FormState,
  failedView,
  filedView,
  newSecretView,
  registeredView,
  registrationTokenView,
  resourceServersView,
  staffView,
  type View,
} from './console-views.ts';
import { identityCounter } from './counter.ts';
import { helpDesk } from './help-desk.ts';
import {
  type AdminOperations,
  RegistrationTokenRequest,
  RegistrationTokenRevocation,
  ResourceGrantChange,
  StaffChange,
  StaffInput,
  StaffRequestDecision,
} from './operations.ts';
import { type AdminWord, cw } from './words.ts';

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

/** The first role a staff account may hold: the id its role boxes' errors point at. */
const STAFF_ROLE_FIRST = Role.options.find((r) => r !== 'citizen' && r !== 'company') ?? 'staff';

type Key = (MessageKey & `admin_${string}`) | AdminWord;
/**
 * What the console calls each field an operation names (a zod path's first part), and how it
 * asks for it again. An indexed field (`redirect_uris.0`) is named with its place ("Redirect
 * address 1"); an empty one is asked for ("Enter …"), a wrong one gets the field's own advice.
 */
const FIELDS: Readonly<Record<string, { label: Key; indexed?: Key; advice: Key; choice?: true }>> = {
  departmentId: { label: 'admin_fieldDepartmentId', advice: 'admin_errDepartmentId' },
  name: { label: 'admin_fieldName', advice: 'admin_errNameLength' },
  nameEn: { label: 'admin_fieldNameEn', advice: 'admin_errNameLength' },
  uscc: { label: 'admin_usccLong', advice: 'admin_errUscc' },
  zones: { label: 'admin_zones', advice: 'admin_errZones', choice: true },
  client_name: { label: 'admin_clientName', advice: 'admin_errValid' },
  zone: { label: 'admin_zone', advice: 'admin_errChoose', choice: true },
  redirect_uris: {
    label: 'admin_redirectUrisInput',
    indexed: 'admin_fieldRedirect',
    advice: 'admin_errAddress',
  },
  post_logout_redirect_uris: {
    label: 'admin_postLogoutUris',
    indexed: 'admin_fieldPostLogout',
    advice: 'admin_errAddress',
  },
  backchannel_logout_uri: { label: 'admin_backchannelUri', advice: 'admin_errAddress' },
  grant_types: { label: 'admin_kind', advice: 'admin_errChoose', choice: true },
  required_acr: { label: 'admin_assurance', advice: 'admin_errChoose', choice: true },
  required_ial: { label: 'admin_identityLevel', advice: 'admin_errChoose', choice: true },
  expiresInDays: { label: 'admin_validDays', advice: 'admin_errDays' },
  uses: { label: 'admin_uses', advice: 'admin_errUses' },
  reason: { label: 'admin_reason', advice: 'admin_errReason' },
  loginName: { label: 'admin_loginName', advice: 'admin_errLoginName' },
  displayName: { label: 'admin_fullName', advice: 'admin_errValid' },
  roles: { label: 'admin_roles', advice: 'admin_errRoles', choice: true },
  department: { label: 'admin_department', advice: 'admin_errUnknownDepartment' },
  accountId: { label: 'admin_accountId', advice: 'admin_errValid' },
  audience: { label: 'admin_audience', advice: 'admin_errValid' },
  scopes: { label: 'admin_scopes', advice: 'admin_errEnter' },
  grant: { label: 'admin_grantApi', advice: 'admin_errApi' },
  revoke: { label: 'admin_grantApi', advice: 'admin_errApi' },
};
/** What a 409 on a field means, by field. */
const CONFLICTS: Readonly<Record<string, Key>> = {
  uscc: 'admin_errUsccTaken',
  departmentId: 'admin_errDepartmentIdTaken',
  client_name: 'admin_errClientNameTaken',
  loginName: 'admin_errLoginNameTaken',
};

/** A field's name inside a sentence: lower case in English ("Enter department id"). */
const inSentence = (lang: Lang, label: string) =>
  lang === 'en' ? label.charAt(0).toLowerCase() + label.slice(1) : label;

/** How one form of a page names its fields: the element id of each operation field. */
interface FormFields {
  /** Which form of the page it is (its fields keep their values; the others start afresh). */
  readonly form: string;
  /** Element ids that differ from the operation's field name; `(form)` is an error of the whole form. */
  readonly ids?: Readonly<Record<string, string>>;
  /** Where an error that names no field points: the form's first field. */
  readonly first: string;
  /** Labels that differ on this form (an API's name is not a department's Chinese name). */
  readonly labels?: Readonly<Record<string, Key>>;
}

/**
 * An operation's refusal as errors on the form, in the page's language: each field named in
 * words and asked for with an action ("Enter redirect address 1 as a full https address").
 */
export const formErrors = (
  lang: Lang,
  fields: FormFields,
  err: DomainError,
  values: URLSearchParams,
  holderName: (id: string) => string,
): FieldError[] => {
  const idOf = (root: string) => fields.ids?.[root] ?? root;
  const params: readonly { name: string; reason: string }[] =
    err instanceof ValidationError
      ? err.invalidParams
      : ((err.details?.['invalid-params'] as { name: string; reason: string }[] | undefined) ?? []);
  if (!params.length) {
    const key: Key =
      err.status === 403
        ? 'admin_errOwnChange'
        : err.status === 404
          ? 'admin_errNotFound'
          : err.status === 409
            ? 'admin_errConflict'
            : 'admin_errForm';
    return [{ field: fields.first, message: cw(lang, key) }];
  }
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const param of params) {
    const [root = '(form)', index] = param.name.split('.');
    const named = root === '(form)' ? (fields.ids?.['(form)'] ?? '') : root;
    const spec = FIELDS[named];
    const id = spec ? idOf(named) : fields.first;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!spec) {
      errors.push({ field: id, message: cw(lang, 'admin_errForm') });
      continue;
    }
    const n = index !== undefined && /^\d+$/.test(index) ? Number(index) + 1 : undefined;
    const label =
      n !== undefined && spec.indexed
        ? cw(lang, spec.indexed, { n })
        : cw(lang, fields.labels?.[named] ?? spec.label);
    const conflict = err instanceof ConflictError ? CONFLICTS[named] : undefined;
    const holder = typeof err.details?.holder === 'string' ? holderName(err.details.holder) : '';
    const empty = !spec.choice && n === undefined && (values.get(id) ?? '').trim() === '';
    const key: Key = conflict
      ? conflict
      : named === 'redirect_uris' && n === undefined
        ? 'admin_errOneRedirect'
        : empty
          ? 'admin_errEnter'
          : spec.advice;
    errors.push({
      field: id,
      message: cw(lang, key, { field: inSentence(lang, label), holder }),
    });
  }
  return errors;
};

/**
 * The admin console: intranet pages for administrators who do not use the CLI — departments,
 * their clients (register, suspend, restore, rotate the secret), registration tokens and
 * resource servers. It signs in through the intranet issuer as its own client at level 2,
 * decides every page with the same policies as the admin API, and performs every change
 * through the same operations, so each is audited once with its before and after. Pages are in
 * the person's language; a form that fails comes back with what was typed and its errors; a
 * new secret or a suspension is asked for again ("Are you sure?") before it is done.
 */
export const adminConsole = (runtime: Runtime, ops: AdminOperations) => {
  const { access, accounts } = runtime;
  const onceForms = new OneTimeForms(runtime.doc, runtime.config.tables.identity);
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
      body: consoleFrame(p, view),
      script: view.script,
    });
  const ctx = (p: Page, state?: FormState): Ctx => ({ lang: p.lang, session: p.session, state });

  /** A console page: signed in, then the policies decide (admin, intranet, level 2). */
  const guard = portalPageGuard({
    portal,
    access,
    accounts,
    area: 'admin',
    home: '/admin/console',
  });
  const withForm = (allowed: PortalPage): Page => {
    let form: URLSearchParams | undefined;
    return {
      ...allowed,
      form: () => {
        form ??= portal.readForm(allowed.event, allowed.session);
        return form;
      },
    };
  };
  /** A page; what it cannot show (a department that is not there) is said in the page's language. */
  const page = (render: (p: Page) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle: guard(async (allowed) => {
      const p = withForm(allowed);
      try {
        return await render(p);
      } catch (err: unknown) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        const key = err.status === 404 ? 'admin_errNotFound' : 'admin_errForm';
        return show(p, err.status, failedView(p, cw(p.lang, key)), '/admin/console');
      }
    }),
  });
  /**
   * A form's POST: the change, or — when the operation refuses it — the form's own page again,
   * with what was typed and an error beside each field (the CSRF check comes first, always).
   */
  const submit = (
    fields: (p: Page) => FormFields,
    act: (p: Page) => Promise<APIGatewayProxyResult>,
    again: (p: Page, state: FormState) => Promise<APIGatewayProxyResult>,
  ): PublicRoute =>
    page(async (p) => {
      const values = p.form();
      try {
        return await act(p);
      } catch (err: unknown) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        const names = new Map(
          (await ops.listDepartments()).map((d) => [d.departmentId, departmentName(d, p.lang)]),
        );
        const f = fields(p);
        const errors = formErrors(p.lang, f, err, values, (id) => names.get(id) ?? id);
        const result = await again(p, { form: f.form, values, errors });
        return { ...result, statusCode: err.status };
      }
    });
  const open = (handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle,
  });
  const toStaff = () => portal.redirect(`${basePath}/admin/console/staff`);
  const toDepartment = (id: string) =>
    portal.redirect(`${basePath}/admin/console/departments/${encodeURIComponent(id)}`);
  const departmentOf = (p: Page) => p.event.pathParameters?.departmentId ?? '';
  const clientOf = (p: Page) => p.event.pathParameters?.clientId ?? '';

  const departmentsPage = async (p: Page, state?: FormState) =>
    show(p, 200, departmentsView(ctx(p, state), await ops.listDepartments()), '/admin/console');
  const departmentPage = async (p: Page, id: string, state?: FormState) => {
    const department = await ops.department(id);
    const clients = await ops.listClients(id);
    const tokens = await ops.listRegistrationTokens(id);
    return show(
      p,
      200,
      departmentView(ctx(p, state), department, clients, tokens),
      `/admin/console/departments/${department.departmentId}`,
    );
  };
  const staffPage = async (p: Page, state?: FormState) => {
    const requests = await ops.listStaffRequests();
    // Who asked, and whom a change is about, by name: the requests hold account ids.
    const ids = [
      ...new Set(requests.flatMap((r) => [r.requestedBy, r.accountId]).filter((id) => id !== undefined)),
    ];
    const people = new Map(
      (await Promise.all(ids.map((id) => accounts.findById(id))))
        .filter((a) => a !== undefined)
        .map((a) => [a.id, { displayName: a.displayName, loginName: a.loginName }] as const),
    );
    return show(p, 200, staffView(ctx(p, state), requests, people), '/admin/console/staff');
  };
  const apisPage = async (p: Page, state?: FormState) =>
    show(
      p,
      200,
      resourceServersView(ctx(p, state), await ops.listResourceServers()),
      '/admin/console/resource-servers',
    );
  /** Are you sure? before a new secret. */
  const secretPage = async (p: Page, state?: FormState) => {
    const client = await ops.client(clientOf(p));
    const name = String(client.client_name ?? client.client_id);
    return show(
      p,
      200,
      confirmView(ctx(p, state), {
        title: cw(p.lang, 'admin_confirmSecretTitle', { name }),
        lead: cw(p.lang, 'admin_confirmSecretLead', { name }),
        action: `admin/console/clients/${client.client_id}/secret`,
        // One new secret per confirmation: reloading the page that shows it re-posts this form.
        hidden: { once: onceForms.issue() },
        button: cw(p.lang, 'admin_confirmSecret'),
        back: `admin/console/departments/${String(client.yitong_department)}`,
      }),
      `/admin/console/clients/${client.client_id}/secret`,
    );
  };
  /** Are you sure? before suspending a client (and the same page, plainer, to restore one). */
  const statusPage = async (p: Page, disabled: boolean, state?: FormState) => {
    const client = await ops.client(clientOf(p));
    const name = String(client.client_name ?? client.client_id);
    return show(
      p,
      200,
      confirmView(ctx(p, state), {
        title: cw(p.lang, disabled ? 'admin_confirmSuspendTitle' : 'admin_confirmRestoreTitle', { name }),
        lead: cw(p.lang, disabled ? 'admin_confirmSuspendLead' : 'admin_confirmRestoreLead', { name }),
        action: `admin/console/clients/${client.client_id}/status`,
        button: cw(p.lang, disabled ? 'admin_confirmSuspend' : 'admin_confirmRestore'),
        back: `admin/console/departments/${String(client.yitong_department)}`,
        hidden: { disabled: String(disabled) },
      }),
      `/admin/console/clients/${client.client_id}/status?disabled=${disabled}`,
    );
  };

  const router = new Router<PublicRoute>()
    // Counter identity verification: its own pages and policies (identity officers), same sign-in.
    .include(identityCounter(runtime, portal))
    // The help desk: its own pages and policies (support staff), same sign-in.
    .include(helpDesk(runtime, portal))
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
      page((p) => departmentsPage(p)),
    )
    .on(
      'POST',
      '/admin/console/departments',
      submit(
        () => ({ form: 'department', first: 'departmentId', ids: { zones: `zone-${ZONES[0]}` } }),
        async (p) => {
          const f = p.form();
          const input = zod(DepartmentInput, {
            departmentId: (f.get('departmentId') ?? '').trim(),
            name: f.get('name') ?? '',
            ...(f.get('nameEn')?.trim() ? { nameEn: f.get('nameEn') } : {}),
            uscc: (f.get('uscc') ?? '').trim().toUpperCase(),
            zones: f.getAll('zones'),
          });
          const created = await ops.createDepartment(input, p.who);
          return toDepartment(created.departmentId);
        },
        (p, state) => departmentsPage(p, state),
      ),
    )
    .on(
      'GET',
      '/admin/console/departments/{departmentId}',
      page((p) => departmentPage(p, departmentOf(p))),
    )
    .on(
      'POST',
      '/admin/console/departments/{departmentId}',
      submit(
        () => ({ form: 'names', first: 'name' }),
        async (p) => {
          const f = p.form();
          const id = departmentOf(p);
          await ops.updateDepartment(
            id,
            zod(DepartmentChange, {
              name: f.get('name') ?? '',
              ...(f.get('nameEn')?.trim() ? { nameEn: f.get('nameEn') } : {}),
            }),
            p.who,
          );
          return toDepartment(id);
        },
        (p, state) => departmentPage(p, departmentOf(p), state),
      ),
    )
    .on(
      'POST',
      '/admin/console/clients',
      submit(
        (p) => ({
          form: 'client',
          first: 'client_name',
          ids: {
            zone: `zone-${p.form().get('zone') ?? ''}`,
            grant_types: 'kind-site',
            required_acr: 'acr-any',
            required_ial: 'ial-any',
            token_endpoint_auth_method: 'kind-site',
          },
        }),
        async (p) => {
          const f = p.form();
          const machine = f.get('grant') === 'machine';
          const acr = f.get('required_acr');
          const ial = f.get('required_ial');
          const input = zod(ops.clientInput, {
            client_name: f.get('client_name') ?? '',
            department: f.get('department') ?? '',
            zone: f.get('zone') ?? '',
            redirect_uris: lines(f.get('redirect_uris')),
            post_logout_redirect_uris: lines(f.get('post_logout_redirect_uris')),
            ...(f.get('backchannel_logout_uri')?.trim()
              ? { backchannel_logout_uri: f.get('backchannel_logout_uri')?.trim() }
              : {}),
            grant_types: machine ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
            ...(acr && acr !== 'any' ? { required_acr: acr } : {}),
            ...(ial && ial !== 'any' ? { required_ial: ial } : {}),
            accepts_companies: !machine && f.get('accepts_companies') === 'yes',
          });
          const created = await ops.registerClient(input, p.who);
          return show(
            p,
            201,
            registeredView(p, created, input.department),
            `/admin/console/departments/${input.department}`,
          );
        },
        async (p, state) => {
          const id = p.form().get('department') ?? '';
          return departmentPage(p, id, state);
        },
      ),
    )
    .on(
      'GET',
      '/admin/console/clients/{clientId}/status',
      page((p) => statusPage(p, p.event.queryStringParameters?.disabled !== 'false')),
    )
    .on(
      'POST',
      '/admin/console/clients/{clientId}/status',
      submit(
        () => ({ form: 'confirm', first: 'reason' }),
        async (p) => {
          const f = p.form();
          const client = await ops.setClientStatus(
            clientOf(p),
            zod(
              z.object({
                disabled: z.boolean(),
                reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
              }),
              { disabled: f.get('disabled') === 'true', reason: f.get('reason') ?? '' },
            ),
            p.who,
          );
          return toDepartment(String(client.yitong_department));
        },
        (p, state) => statusPage(p, p.form().get('disabled') === 'true', state),
      ),
    )
    .on(
      'POST',
      '/admin/console/clients/{clientId}/resources',
      submit(
        (p) => {
          const id = clientOf(p);
          return {
            form: `grant-${id}`,
            first: `grant-${id}`,
            ids: {
              grant: `grant-${id}`,
              revoke: `grant-${id}`,
              reason: `grant-reason-${id}`,
              '(form)': 'grant',
            },
          };
        },
        async (p) => {
          const f = p.form();
          const id = clientOf(p);
          await ops.changeResources(
            id,
            zod(ResourceGrantChange, {
              grant: [...f.getAll(`grant-${id}`), ...f.getAll('grant')].map((g) => g.trim()).filter(Boolean),
              revoke: f.getAll('revoke').filter(Boolean),
              reason: f.get(`grant-reason-${id}`) ?? f.get('reason') ?? '',
            }),
            p.who,
          );
          const client = await ops.client(id);
          return toDepartment(String(client.yitong_department));
        },
        async (p, state) =>
          departmentPage(p, String((await ops.client(clientOf(p))).yitong_department), state),
      ),
    )
    .on(
      'GET',
      '/admin/console/clients/{clientId}/secret',
      page((p) => secretPage(p)),
    )
    .on(
      'POST',
      '/admin/console/clients/{clientId}/secret',
      submit(
        () => ({ form: 'confirm', first: 'reason' }),
        async (p) => {
          const id = clientOf(p);
          const given = (p.form().get('reason') ?? '').trim();
          if (!(await onceForms.spend(p.form().get('once'))))
            throw new ConflictError(
              'this confirmation was used already: its secret was shown once, when it was made; ask for another if it was lost',
            );
          const rotated = await ops.rotateSecret(id, given || 'rotated in the admin console', p.who);
          const client = await ops.client(id);
          return show(
            p,
            201,
            newSecretView(p, client, rotated.client_secret, String(client.yitong_department)),
            `/admin/console/departments/${String(client.yitong_department)}`,
          );
        },
        (p, state) => secretPage(p, state),
      ),
    )
    .on(
      'POST',
      '/admin/console/departments/{departmentId}/registration-tokens',
      submit(
        () => ({ form: 'token', first: 'days', ids: { expiresInDays: 'days' } }),
        async (p) => {
          const id = departmentOf(p);
          const f = p.form();
          const number = (value: string | null, fallback: number) =>
            value?.trim() ? Number(value.trim()) : fallback;
          const token = await ops.issueRegistrationToken(
            id,
            zod(RegistrationTokenRequest, {
              expiresInDays: number(f.get('days'), 7),
              uses: number(f.get('uses'), 1),
            }),
            p.who,
          );
          const department = await ops.department(id);
          return show(
            p,
            201,
            registrationTokenView(p, department, token),
            `/admin/console/departments/${department.departmentId}`,
          );
        },
        (p, state) => departmentPage(p, departmentOf(p), state),
      ),
    )
    .on(
      'POST',
      '/admin/console/departments/{departmentId}/registration-tokens/{tokenId}/revoke',
      submit(
        (p) => {
          const field = `revoke-${p.event.pathParameters?.tokenId ?? ''}`;
          return { form: field, first: field, ids: { reason: field } };
        },
        async (p) => {
          const id = departmentOf(p);
          const tokenId = p.event.pathParameters?.tokenId ?? '';
          const f = p.form();
          await ops.revokeRegistrationToken(
            id,
            tokenId,
            zod(RegistrationTokenRevocation, {
              revoked: true,
              reason: f.get(`revoke-${tokenId}`) ?? f.get('reason') ?? '',
            }).reason,
            p.who,
          );
          return toDepartment(id);
        },
        (p, state) => departmentPage(p, departmentOf(p), state),
      ),
    )
    .on(
      'GET',
      '/admin/console/staff',
      page((p) => staffPage(p)),
    )
    .on(
      'POST',
      '/admin/console/staff',
      submit(
        () => ({ form: 'staff', first: 'loginName', ids: { roles: `new-role-${STAFF_ROLE_FIRST}` } }),
        async (p) => {
          const f = p.form();
          const outcome = await ops.createStaff(
            zod(StaffInput, {
              loginName: (f.get('loginName') ?? '').trim(),
              displayName: f.get('displayName') ?? '',
              roles: f.getAll('roles'),
              ...(f.get('department')?.trim() ? { department: f.get('department')?.trim() } : {}),
            }),
            p.who,
          );
          if (!outcome.done) return show(p, 202, filedView(p, outcome.request), '/admin/console/staff');
          return show(p, 201, createdView(p, outcome.result), '/admin/console/staff');
        },
        (p, state) => staffPage(p, state),
      ),
    )
    .on(
      'POST',
      '/admin/console/staff/change',
      submit(
        () => ({
          form: 'staffChange',
          first: 'accountId',
          ids: { roles: `change-role-${STAFF_ROLE_FIRST}` },
        }),
        async (p) => {
          const f = p.form();
          const outcome = await ops.updateStaff(
            (f.get('accountId') ?? '').trim(),
            zod(StaffChange, { roles: f.getAll('roles'), reason: f.get('reason') ?? '' }),
            p.who,
          );
          return outcome.done
            ? toStaff()
            : show(p, 202, filedView(p, outcome.request), '/admin/console/staff');
        },
        (p, state) => staffPage(p, state),
      ),
    )
    .on(
      'POST',
      '/admin/console/staff-requests/{requestId}/approve',
      submit(
        () => ({ form: 'approve', first: 'staff-requests' }),
        async (p) => {
          p.form();
          const approved = await ops.approveStaffRequest(p.event.pathParameters?.requestId ?? '', p.who);
          if (!('one_time_password' in approved)) return toStaff();
          return show(p, 201, createdView(p, approved), '/admin/console/staff');
        },
        (p, state) => staffPage(p, state),
      ),
    )
    .on(
      'POST',
      '/admin/console/staff-requests/{requestId}/reject',
      submit(
        (p) => {
          const field = `reject-${p.event.pathParameters?.requestId ?? ''}`;
          return { form: field, first: field, ids: { reason: field } };
        },
        async (p) => {
          const requestId = p.event.pathParameters?.requestId ?? '';
          const f = p.form();
          const reason = (f.get(`reject-${requestId}`) ?? f.get('reason') ?? '').trim();
          await ops.rejectStaffRequest(requestId, zod(StaffRequestDecision, reason ? { reason } : {}), p.who);
          return toStaff();
        },
        (p, state) => staffPage(p, state),
      ),
    )
    .on(
      'GET',
      '/admin/console/companies',
      page(async (p) => {
        // Asking is a GET (a look-up changes nothing); each one asked is audited by the operation.
        const uscc = (p.event.queryStringParameters?.uscc ?? '')
          .replace(/\s+/g, '')
          .toUpperCase()
          .slice(0, 40);
        const render = (status: number, o: Parameters<typeof companyLookupView>[1], state?: FormState) =>
          show(p, status, companyLookupView(ctx(p, state), o), '/admin/console/companies');
        if (!uscc) return render(200, { uscc });
        try {
          return render(200, { uscc, company: await ops.lookUpCompany(uscc, p.who) });
        } catch (err: unknown) {
          if (err instanceof NotFoundError) return render(404, { uscc, notFound: true });
          if (!(err instanceof ValidationError)) throw err;
          const errors = [{ field: 'uscc', message: cw(p.lang, 'company_errUscc') }];
          return render(400, { uscc }, { form: 'company', values: new URLSearchParams({ uscc }), errors });
        }
      }),
    )
    .on(
      'GET',
      '/admin/console/resource-servers',
      page((p) => apisPage(p)),
    )
    .on(
      'POST',
      '/admin/console/resource-servers',
      submit(
        () => ({ form: 'api', first: 'audience', labels: { name: 'admin_name' } }),
        async (p) => {
          const f = p.form();
          const server = zod(ResourceServer, {
            audience: (f.get('audience') ?? '').trim(),
            name: f.get('name') ?? '',
            department: (f.get('department') ?? '').trim(),
            scopes: (f.get('scopes') ?? '').split(/\s+/).filter(Boolean),
          });
          await ops.putResourceServer(server, p.who);
          return portal.redirect(`${basePath}/admin/console/resource-servers`);
        },
        (p, state) => apisPage(p, state),
      ),
    );

  // The admin function serves these beside its API, in its own chain, keyed as API Gateway names them.
  return { access, routes: router };
};
