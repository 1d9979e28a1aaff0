import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  type Account,
  AccountConflictError,
  AccountStore,
  DisplayName,
  LoginName,
  LoginNameTakenError,
  Role,
} from '../../libs/accounts/index.ts';
import { Zone } from '../../libs/config/index.ts';
import {
  type DepartmentChange,
  DepartmentChangedError,
  DepartmentExistsError,
  type DepartmentInput,
  DepartmentStore,
} from '../../libs/departments/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../libs/http/index.ts';
import {
  type ClientInput,
  ClientNameTakenError,
  claimClientName,
  clientInputSchema,
  clientMetadataOf,
  createRegistrationToken,
  departmentClientIds,
  newClientSecret,
  releaseClientName,
} from '../../libs/oidc/client-registration.ts';
import {
  type ClientMetadata,
  getClient,
  OidcRegistry,
  putClient,
  type ResourceServer,
} from '../../libs/oidc/registry.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

export const ClientStatusChange = z.strictObject({
  disabled: z.boolean(),
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
});

/** What an administrator sees of a client: everything but its secret. */
export const visible = ({ client_secret: _secret, ...metadata }: ClientMetadata): ClientMetadata => ({
  ...metadata,
  yitong_disabled: metadata.yitong_disabled === true,
});

export const RegistrationTokenRequest = z.strictObject({
  /** Zones the department may register clients in with this token. @default the department's zones */
  zones: z.array(Zone).min(1).max(3).optional(),
  expiresInDays: z.number().int().min(1, 'at least 1 day').max(90, 'at most 90 days').default(7),
});

/** What each role is for (the policies in policies/roles.cedar and zones.cedar give them meaning). */
const ROLE_DESCRIPTIONS: Record<Role, string> = {
  citizen: 'a person using public services (given at registration)',
  company: 'a company account (given at registration)',
  partner: 'a registered partner organisation: extranet services',
  staff: 'a civil servant: extranet and intranet services, with a second factor on the intranet',
  'department-officer': 'issues and changes licences of their department’s types',
  auditor: 'reads, exports and verifies the audit trail; the security console',
  admin: 'manages departments, clients, APIs, licence types and staff accounts',
};

export const StaffInput = z.strictObject({
  loginName: LoginName,
  displayName: DisplayName,
  roles: z
    .array(Role)
    .min(1)
    .refine((r) => r.includes('staff'), 'a staff account has the staff role')
    .refine(
      (r) => !r.includes('citizen') && !r.includes('company'),
      'citizen and company roles are for self-registered accounts',
    ),
  department: z.string().min(1).max(40).optional(),
  email: z.email().optional(),
});

export const StaffChange = z
  .strictObject({
    roles: StaffInput.shape.roles.optional(),
    department: z.string().min(1).max(40).nullable().optional(),
    status: z.enum(['active', 'disabled']).optional(),
    reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
  })
  .refine(
    (c) => c.roles !== undefined || c.department !== undefined || c.status !== undefined,
    'change roles, department or status',
  );

/** What an administrator sees of an account: never its password hash, second factor or passkeys. */
const staffView = (a: Account) => ({
  accountId: a.id,
  loginName: a.loginName,
  displayName: a.displayName,
  kind: a.kind,
  roles: a.roles,
  department: a.department,
  status: a.status,
  secondFactor: Boolean(a.totp) || a.passkeyIds.length > 0,
});

export const SecretRotation = z.strictObject({
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
});

/** Who made a change, and from where: the audit fields of every administrative act. */
export interface Who {
  readonly actor?: string;
  readonly sourceIp?: string;
  readonly correlationId?: string;
}

/**
 * The administrative acts, shared by the admin API and the admin console: each validates,
 * writes, and is audited once with its before and after. A secret or one-time password is
 * returned to the caller once and never written to the trail.
 */
export const adminOperations = (runtime: Runtime) => {
  const { doc, config, audit } = runtime;
  const table = config.tables.identity;
  const departments = new DepartmentStore(doc, table);
  const accounts = new AccountStore(doc, table);
  const registry = new OidcRegistry(doc, table);
  const clientInput = clientInputSchema({ localMode: config.localMode });

  /** The department a path names (404), or a body or query field names (400: the request is wrong). */
  const departmentOf = async (id: string, field?: string) => {
    const department = await departments.get(id);
    if (department) return department;
    if (field)
      throw new ValidationError(`there is no department ${id}`, [
        { name: field, reason: 'unknown department; list them with GET /admin/departments' },
      ]);
    throw new NotFoundError(`there is no department ${id}`);
  };
  const clientOf = async (id: string) => {
    const client = await getClient(doc, table, id);
    if (!client) throw new NotFoundError(`there is no client ${id}`);
    return client;
  };
  const record = (
    who: Who,
    type: string,
    fields: { client?: string; department?: string; resource?: string; reason?: string },
    before: unknown,
    after: unknown,
  ) =>
    audit.append({
      type,
      outcome: 'success',
      zone: config.zone,
      ...who,
      ...fields,
      details: { before: (before ?? null) as never, after: (after ?? null) as never },
    });
  const claimName = async (department: string, name: string, clientId: string) => {
    try {
      await claimClientName(doc, table, department, name, clientId);
    } catch (err: unknown) {
      if (err instanceof ClientNameTakenError) throw new ConflictError(err.message);
      throw err;
    }
  };

  return {
    clientInput,
    departmentOf,
    listDepartments: () => departments.list(),
    async department(id: string) {
      const department = await departmentOf(id);
      return { ...department, clients: await departmentClientIds(doc, table, department.departmentId) };
    },
    async createDepartment(input: DepartmentInput, who: Who) {
      let created: Awaited<ReturnType<typeof departments.create>>;
      try {
        created = await departments.create(input);
      } catch (err: unknown) {
        if (err instanceof DepartmentExistsError) throw new ConflictError(err.message);
        throw err;
      }
      await record(who, 'admin.department.created', { department: created.departmentId }, null, created);
      return created;
    },
    async updateDepartment(id: string, change: DepartmentChange, who: Who) {
      const before = await departmentOf(id);
      let after: Awaited<ReturnType<typeof departments.update>>;
      try {
        after = await departments.update(before, change);
      } catch (err: unknown) {
        if (err instanceof DepartmentChangedError) throw new ConflictError(err.message);
        throw err;
      }
      await record(who, 'admin.department.updated', { department: before.departmentId }, before, after);
      return after;
    },
    async issueRegistrationToken(id: string, request: z.infer<typeof RegistrationTokenRequest>, who: Who) {
      const department = await departmentOf(id);
      if (department.status !== 'active')
        throw new ConflictError(`the ${department.departmentId} department is suspended`);
      const zones = request.zones ?? department.zones;
      const outside = zones.filter((z) => !department.zones.includes(z));
      if (outside.length)
        throw new ValidationError(
          `the ${department.departmentId} department may not use the ${outside.join(', ')} zone(s)`,
          [{ name: 'zones', reason: `choose from ${department.zones.join(', ')}` }],
        );
      const { token, expiresAt } = await createRegistrationToken(
        doc,
        table,
        { department: department.departmentId, zones, createdBy: who.actor },
        request.expiresInDays * 86_400,
      );
      const expires = new Date(expiresAt * 1000).toISOString();
      await record(who, 'admin.registration_token.issued', { department: department.departmentId }, null, {
        zones,
        expiresAt: expires,
      });
      return {
        initial_access_token: token,
        department: department.departmentId,
        zones,
        expires_at: expires,
        registration_endpoints: Object.fromEntries(zones.map((z) => [z, `<${z} issuer>/reg`])),
      };
    },
    async listClients(departmentId: string) {
      const department = await departmentOf(departmentId, 'department');
      const ids = await departmentClientIds(doc, table, department.departmentId);
      const clients = await Promise.all(ids.map((c) => getClient(doc, table, c)));
      return clients.filter((c) => c !== undefined).map(visible);
    },
    client: async (id: string) => visible(await clientOf(id)),
    async registerClient(input: ClientInput, who: Who) {
      const department = await departmentOf(input.department, 'department');
      if (!department.zones.includes(input.zone))
        throw new ValidationError(
          `the ${department.departmentId} department may not register clients in the ${input.zone} zone`,
          [{ name: 'zone', reason: `choose from ${department.zones.join(', ')}` }],
        );
      const clientId = `${department.departmentId}-${randomBytes(6).toString('hex')}`;
      await claimName(department.departmentId, input.client_name, clientId);
      const secret =
        input.token_endpoint_auth_method === 'client_secret_basic' ? newClientSecret() : undefined;
      const metadata = clientMetadataOf(input, { clientId, secret });
      await putClient(doc, table, metadata);
      await record(
        who,
        'admin.client.created',
        { client: clientId, department: department.departmentId },
        null,
        visible(metadata),
      );
      return { ...visible(metadata), ...(secret ? { client_secret: secret } : {}) };
    },
    async replaceClient(id: string, input: ClientInput, who: Who) {
      const before = await clientOf(id);
      if (input.department !== before.yitong_department || input.zone !== before.yitong_zone)
        throw new ValidationError('a client keeps its department and zone; register a new client instead', [
          { name: 'department', reason: `must stay ${String(before.yitong_department)}` },
          { name: 'zone', reason: `must stay ${String(before.yitong_zone)}` },
        ]);
      if (input.client_name !== before.client_name) {
        await claimName(input.department, input.client_name, before.client_id);
        await releaseClientName(doc, table, input.department, String(before.client_name));
      }
      // The stored secret is a hash: kept as it is. A client that starts using a secret gets a
      // new one, shown once in this answer.
      const kept = typeof before.client_secret === 'string' ? before.client_secret : undefined;
      const made =
        input.token_endpoint_auth_method === 'client_secret_basic' && !kept ? newClientSecret() : undefined;
      const secret = input.token_endpoint_auth_method === 'client_secret_basic' ? (kept ?? made) : undefined;
      const after: ClientMetadata = {
        ...clientMetadataOf(input, { clientId: before.client_id, secret }),
        yitong_disabled: before.yitong_disabled === true,
      };
      await putClient(doc, table, after);
      await record(
        who,
        'admin.client.updated',
        { client: before.client_id, department: input.department },
        visible(before),
        visible(after),
      );
      return { ...visible(after), ...(made ? { client_secret: made } : {}) };
    },
    async setClientStatus(id: string, change: z.infer<typeof ClientStatusChange>, who: Who) {
      const before = await clientOf(id);
      const after: ClientMetadata = { ...before, yitong_disabled: change.disabled };
      await putClient(doc, table, after);
      await record(
        who,
        'admin.client.updated',
        {
          client: before.client_id,
          department: typeof before.yitong_department === 'string' ? before.yitong_department : undefined,
          reason: change.reason,
        },
        { yitong_disabled: before.yitong_disabled === true },
        { yitong_disabled: change.disabled },
      );
      return visible(after);
    },
    async rotateSecret(id: string, reason: string, who: Who) {
      const before = await clientOf(id);
      if (before.token_endpoint_auth_method && before.token_endpoint_auth_method !== 'client_secret_basic')
        throw new ConflictError(
          `this client authenticates with ${String(before.token_endpoint_auth_method)}, not a secret`,
        );
      const secret = newClientSecret();
      await putClient(doc, table, { ...before, client_secret: secret });
      await record(
        who,
        'admin.client.secret_rotated',
        { client: before.client_id, department: String(before.yitong_department), reason },
        null,
        null,
      );
      return { client_id: before.client_id, client_secret: secret };
    },
    listResourceServers: () => registry.listResourceServers(),
    async putResourceServer(server: ResourceServer, who: Who) {
      await departmentOf(server.department, 'department');
      const before = await registry.findResourceServer(server.audience);
      await registry.putResourceServer(server);
      await record(
        who,
        'admin.resource_server.updated',
        { department: server.department, resource: server.audience.slice(0, 256) },
        before,
        server,
      );
      return { server, created: !before };
    },
    roles: () => Role.options.map((role) => ({ role, description: ROLE_DESCRIPTIONS[role] })),
    async createStaff(input: z.infer<typeof StaffInput>, who: Who) {
      if (input.department) await departmentOf(input.department, 'department');
      const password = randomBytes(12).toString('base64url');
      let account: Account;
      try {
        account = await accounts.create({ ...input, kind: 'staff', password, identityAssurance: 'verified' });
      } catch (err: unknown) {
        if (err instanceof LoginNameTakenError) throw new ConflictError(err.message);
        throw err;
      }
      await record(who, 'admin.account.created', { department: input.department }, null, staffView(account));
      return { ...staffView(account), one_time_password: password };
    },
    async updateStaff(id: string, update: z.infer<typeof StaffChange>, who: Who) {
      if (id === who.actor)
        throw new ConflictError(
          'administrators cannot change their own roles or status; ask another administrator',
        );
      const before = await accounts.findById(id);
      if (before?.kind !== 'staff') throw new NotFoundError(`there is no staff account ${id}`);
      if (update.department) await departmentOf(update.department, 'department');
      let after: Account;
      try {
        after = await accounts.update(before, {
          ...(update.roles ? { roles: update.roles } : {}),
          ...(update.department !== undefined ? { department: update.department ?? undefined } : {}),
          ...(update.status ? { status: update.status } : {}),
        });
      } catch (err: unknown) {
        if (err instanceof AccountConflictError)
          throw new ConflictError(`${err.message}; read it again and retry`);
        throw err;
      }
      await record(
        who,
        'admin.account.updated',
        { department: after.department, reason: update.reason },
        staffView(before),
        staffView(after),
      );
      return staffView(after);
    },
  };
};

export type AdminOperations = ReturnType<typeof adminOperations>;
