import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import {
  type Account,
  AccountConflictError,
  conflictingRoles,
  DisplayName,
  grantsPrivilegedRole,
  LoginName,
  LoginNameTakenError,
  PRIVILEGED_ROLES,
  Role,
  type StaffRequest,
  StaffRequestStore,
} from '../../libs/accounts/index.ts';
import { AuditEventInput } from '../../libs/audit/index.ts';
import { Zone } from '../../libs/config/index.ts';
import {
  type DepartmentChange,
  DepartmentChangedError,
  DepartmentExistsError,
  type DepartmentInput,
  DepartmentStore,
  isUscc,
  UsccTakenError,
} from '../../libs/departments/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../libs/http/index.ts';
import { companyRef, identityOf } from '../../libs/identity/index.ts';
import {
  LicenceTypeConflictError,
  type LicenceTypeInput,
  LicenceTypeStore,
} from '../../libs/licences/index.ts';
import {
  type ClientInput,
  type ClientMetadata,
  ClientNameTakenError,
  claimClientName,
  clientInputSchema,
  clientMetadataOf,
  createRegistrationToken,
  departmentClientIds,
  departmentRegistrationTokens,
  FIRST_PARTY_CLIENT_IDS,
  getClient,
  grantedResources,
  newClientSecret,
  OidcRegistry,
  putClient,
  REGISTRATION_TOKEN_MAX_USES,
  type RegistrationToken,
  RegistrationTokenNotFoundError,
  RegistrationTokenRevokedError,
  type ResourceServer,
  releaseClientName,
  revokeRegistrationToken,
  usesClientSecret,
} from '../../libs/oidc/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

export const ClientStatusChange = z.strictObject({
  disabled: z.boolean(),
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
});

/** What an administrator sees of a client: everything but its secret. */
export const visible = ({ client_secret: _secret, ...metadata }: ClientMetadata): ClientMetadata => ({
  ...metadata,
  yitong_disabled: metadata.yitong_disabled === true,
  yitong_accepts_companies: metadata.yitong_accepts_companies === true,
});

export const RegistrationTokenRequest = z.strictObject({
  /** Zones the department may register clients in with this token. @default the department's zones */
  zones: z.array(Zone).min(1).max(3).optional(),
  expiresInDays: z.number().int().min(1, 'at least 1 day').max(90, 'at most 90 days').default(7),
  /** How many clients it may register. @default 1 */
  uses: z
    .number()
    .int()
    .min(1, 'at least 1 registration')
    .max(REGISTRATION_TOKEN_MAX_USES, `at most ${REGISTRATION_TOKEN_MAX_USES} registrations`)
    .default(1),
});

export const RegistrationTokenRevocation = z.strictObject({
  revoked: z.literal(true, 'only revoking is possible: send "revoked": true'),
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
});

/** What an administrator sees of an initial access token: its id and state, never the token. */
const tokenView = (t: RegistrationToken) => ({
  token_id: t.tokenId,
  department: t.department,
  zones: t.zones,
  uses: t.uses,
  used: t.used,
  status: t.status,
  created_at: t.createdAt,
  ...(t.createdBy ? { created_by: t.createdBy } : {}),
  expires_at: new Date(t.expiresAt * 1000).toISOString(),
  ...(t.revokedAt ? { revoked_at: t.revokedAt, revoked_by: t.revokedBy, reason: t.revokeReason } : {}),
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
  'identity-officer': 'verifies people’s identities in person at a service counter (IAL 3)',
  support:
    'the help desk: finds people, unlocks, disables and re-enables accounts, resets a lost second factor after a counter re-check; never with admin',
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
    )
    // Separation of duties: the help desk grants no roles (policies/roles.cedar refuses it too).
    .refine((r) => !conflictingRoles(r), 'support and admin are never held together: choose one'),
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
  ...(a.department ? { department: a.department } : {}),
  status: a.status,
  secondFactor: Boolean(a.totp) || a.passkeyIds.length > 0,
  /** The first sign-in (new password, second factor) is still to come. */
  setupPending: a.mustChangePassword || a.mustEnrolSecondFactor,
});

export const StaffRequestDecision = z.strictObject({
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500).optional(),
});

/** What administrators see of a request waiting for a second administrator. */
const requestView = (r: StaffRequest) => ({
  requestId: r.requestId,
  kind: r.kind,
  ...(r.accountId ? { accountId: r.accountId } : {}),
  ...(r.rolesBefore ? { rolesBefore: r.rolesBefore } : {}),
  change: r.change,
  requestedBy: r.requestedBy,
  requestedAt: r.requestedAt,
  expiresAt: new Date(r.expiresAt * 1000).toISOString(),
  status: r.status,
});

/** A staff change as the operation answers it: done (with the account), or waiting for approval. */
export type StaffOutcome<T> =
  | { readonly done: true; readonly result: T }
  | { readonly done: false; readonly request: ReturnType<typeof requestView> & { next: string } };

/** Values as JSON keeps them (no undefined): what an audit event's details may hold. */
const jsonSafe = (value: unknown): unknown =>
  value === undefined ? null : JSON.parse(JSON.stringify(value));

/** yitong's own APIs a client may be granted, and the zones whose clients may have each. */
const OWN_API_ZONES: Readonly<Record<string, readonly Zone[]>> = {
  admin: ['intranet'],
  audit: ['intranet'],
  licences: ['extranet', 'intranet'],
};

const apiName = z.string().trim().min(1).max(256);
/** Grants or withdraws a client's access to APIs: own API names or resource server audiences. */
export const ResourceGrantChange = z
  .strictObject({
    grant: z.array(apiName).max(20).default([]),
    revoke: z.array(apiName).max(20).default([]),
    reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
  })
  .refine((c) => c.grant.length + c.revoke.length > 0, 'grant or revoke at least one API');

export const SecretRotation = z.strictObject({
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
});

/**
 * A 409 that names the field in conflict (`invalid-params`, as a 400 does), so a caller — the
 * admin console among them — can show it beside that field.
 */
export const conflictOn = (field: string, message: string, extra: Record<string, string> = {}) =>
  new ConflictError(message, { 'invalid-params': [{ name: field, reason: message }], ...extra });

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
  const { doc, config, audit, accounts } = runtime;
  const table = config.tables.identity;
  const departments = new DepartmentStore(doc, table);
  const registry = new OidcRegistry(doc, table);
  const clientInput = clientInputSchema({ localMode: config.localMode });
  // Types are registered under the public base URL, where their vct metadata is served.
  const licenceTypes = new LicenceTypeStore(
    doc,
    config.tables.licences,
    config.licenceIssuer ?? config.issuer,
  );

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
  type AuditFields = {
    client?: string;
    department?: string;
    resource?: string;
    reason?: string;
    subject?: string;
  };
  /**
   * An audit event checked before the change it records is written: if the event would be
   * refused, the change is refused first and nothing is written. Returns the writer of the
   * event, given the before and after (and the subject, when the change creates it).
   */
  const audited = (who: Who, type: string, fields: AuditFields, extra: Record<string, unknown> = {}) => {
    const base = AuditEventInput.parse({ type, outcome: 'success', zone: config.zone, ...who, ...fields });
    return (before: unknown, after: unknown, subject?: string) =>
      audit.append({
        ...base,
        ...(subject ? { subject } : {}),
        details: jsonSafe({ ...extra, before: before ?? null, after: after ?? null }) as Record<
          string,
          never
        >,
      });
  };
  const record = (who: Who, type: string, fields: AuditFields, before: unknown, after: unknown) =>
    audited(who, type, fields)(before, after);
  /**
   * An administrator's attempt to raise or approve their own access, refused: audited once as
   * denied before the refusal is answered, so a probe of the two-administrator rule is on record.
   */
  const refusedSelfChange = async <E extends Error>(
    who: Who,
    fields: AuditFields,
    refusal: E,
  ): Promise<E> => {
    await audit.append(
      AuditEventInput.parse({
        type: 'admin.self_change.denied',
        outcome: 'denied',
        zone: config.zone,
        ...who,
        ...fields,
        reason: refusal.message,
      }),
    );
    return refusal;
  };
  const staffRequests = new StaffRequestStore(doc, table);
  const person = (who: Who): string => {
    if (!who.actor) throw new ForbiddenError('only a signed-in administrator may change staff accounts');
    return who.actor;
  };
  const nameFree = async (loginName: string) => {
    if (await accounts.findByLoginName(loginName))
      throw conflictOn('loginName', `the login name “${loginName}” is already registered; choose another`);
  };
  /** Files a privileged change for a second administrator; audited once as requested. */
  const requestApproval = async (
    who: Who,
    request: Pick<StaffRequest, 'kind' | 'accountId' | 'rolesBefore' | 'change'>,
    department: string | undefined,
  ): Promise<StaffOutcome<never>> => {
    const write = audited(who, 'admin.role_request.created', { department, subject: request.accountId });
    const stored = await staffRequests.create({ ...request, requestedBy: person(who) });
    await write(null, requestView(stored));
    return {
      done: false,
      request: {
        ...requestView(stored),
        next: `${PRIVILEGED_ROLES.join(' and ')} take two administrators: another administrator approves with POST /admin/staff-requests/${stored.requestId}/approve before it expires`,
      },
    };
  };
  /** Creates a staff account with a one-time password (its first sign-in changes it). */
  const createAccount = async (input: z.infer<typeof StaffInput>) => {
    const password = randomBytes(12).toString('base64url');
    try {
      const account = await accounts.create({
        ...input,
        kind: 'staff',
        password,
        identityAssurance: 'verified',
        oneTimePassword: true,
      });
      return { account, password };
    } catch (err: unknown) {
      if (err instanceof LoginNameTakenError) throw new ConflictError(err.message);
      throw err;
    }
  };
  /** Applies a staff change to the account as read at `before`; a concurrent change is a 409. */
  const applyChange = async (before: Account, update: z.infer<typeof StaffChange>) => {
    try {
      return await accounts.update(before, {
        ...(update.roles ? { roles: update.roles } : {}),
        ...(update.department !== undefined ? { department: update.department ?? undefined } : {}),
        ...(update.status ? { status: update.status } : {}),
      });
    } catch (err: unknown) {
      if (err instanceof AccountConflictError)
        throw new ConflictError(`${err.message}; read it again and retry`);
      throw err;
    }
  };
  const staffOf = async (id: string) => {
    const account = await accounts.findById(id);
    if (account?.kind !== 'staff') throw new NotFoundError(`there is no staff account ${id}`);
    return account;
  };
  /** A change that gives someone admin or auditor powers they do not have now. */
  const isPrivileged = (before: Account, update: z.infer<typeof StaffChange>) => {
    const roles = update.roles ?? before.roles;
    const reenabled =
      update.status === 'active' &&
      before.status !== 'active' &&
      roles.some((r) => PRIVILEGED_ROLES.includes(r));
    return grantsPrivilegedRole(before.roles, roles) || reenabled;
  };
  /** The department a staff change ends with: the new one, none (null), or the current one. */
  const departmentAfter = (before: Account, update: z.infer<typeof StaffChange>) =>
    update.department === undefined ? before.department : (update.department ?? undefined);
  /** The pending request an administrator decides, refusing one they asked for or that is about them. */
  const decidable = async (requestId: string, who: Who) => {
    const request = await staffRequests.get(requestId);
    if (!request) throw new NotFoundError(`there is no staff request ${requestId}, or it has expired`);
    if (request.status !== 'pending')
      throw new ConflictError(`staff request ${requestId} was already ${request.status}`);
    const me = person(who);
    return { request, me };
  };
  const claimName = async (department: string, name: string, clientId: string) => {
    try {
      await claimClientName(doc, table, department, name, clientId);
    } catch (err: unknown) {
      if (err instanceof ClientNameTakenError) throw conflictOn('client_name', err.message);
      throw err;
    }
  };

  return {
    clientInput,
    departmentOf,
    /**
     * Who represents a company: its legal representative and every agent it authorised (names,
     * masked ID numbers, scopes, until when, live or not). Read-only; every look-up, found or
     * not, is audited once with who looked.
     */
    async lookUpCompany(uscc: string, who: Who) {
      if (!isUscc(uscc))
        throw new ValidationError('not a unified social credit code', [
          { name: 'uscc', reason: '18 characters with a correct check character (GB 32100)' },
        ]);
      const { companies } = identityOf(runtime);
      const company = await companies.get(uscc);
      const grants = company ? await companies.grantsOf(uscc) : [];
      await audit.append(
        AuditEventInput.parse({
          type: 'company.representatives_viewed',
          outcome: company ? 'success' : 'failure',
          zone: config.zone,
          ...who,
          resource: companyRef(uscc),
          ...(company ? {} : { reason: 'not-registered' }),
          details: { agents: grants.length },
        }),
      );
      if (!company) throw new NotFoundError(`no company ${uscc} is registered at yitong`);
      const maskedOf = async (accountId: string) =>
        (await accounts.findById(accountId))?.identity?.residentIdMasked ?? null;
      const now = Date.now();
      return {
        uscc: company.uscc,
        name: company.name,
        status: company.status,
        registeredAt: company.registeredAt,
        legalRepresentative: {
          accountId: company.legalRepresentative.accountId,
          name: company.legalRepresentative.name,
          residentIdMasked: await maskedOf(company.legalRepresentative.accountId),
        },
        agents: await Promise.all(
          grants.map(async (g) => ({
            accountId: g.accountId,
            name: g.name,
            residentIdMasked: await maskedOf(g.accountId),
            scope: g.scope,
            until: g.until,
            status: g.revokedAt ? 'revoked' : Date.parse(g.until) <= now ? 'expired' : 'active',
            grantedAt: g.grantedAt,
            grantedBy: g.grantedBy,
            ...(g.revokedAt ? { revokedAt: g.revokedAt, revokedBy: g.revokedBy } : {}),
          })),
        ),
      };
    },
    listDepartments: () => departments.list(),
    listLicenceTypes: () => licenceTypes.list(),
    /**
     * Registers a licence type or a new version of one (the path names it); audited once when
     * something was written, with the version and vct before and after.
     */
    async putLicenceType(pathTypeId: string | undefined, input: LicenceTypeInput, who: Who) {
      if (input.typeId !== pathTypeId) {
        throw new ValidationError('the body names another type than the path', [
          { name: 'typeId', reason: `must be ${pathTypeId}` },
        ]);
      }
      const before = await licenceTypes.get(input.typeId);
      let result: Awaited<ReturnType<typeof licenceTypes.put>>;
      try {
        result = await licenceTypes.put(input);
      } catch (err: unknown) {
        if (err instanceof LicenceTypeConflictError) throw new ConflictError(err.message);
        throw err;
      }
      if (result.created) {
        await audit.append({
          type: 'admin.licence_type.updated',
          outcome: 'success',
          zone: config.zone,
          ...who,
          department: result.type.department,
          resource: result.type.vct.slice(0, 256),
          details: {
            before: before ? { version: before.version, vct: before.vct } : null,
            after: { version: result.type.version, vct: result.type.vct },
          },
        });
      }
      return result;
    },
    async department(id: string) {
      const department = await departmentOf(id);
      return { ...department, clients: await departmentClientIds(doc, table, department.departmentId) };
    },
    async createDepartment(input: DepartmentInput, who: Who) {
      let created: Awaited<ReturnType<typeof departments.create>>;
      try {
        created = await departments.create(input);
      } catch (err: unknown) {
        if (err instanceof DepartmentExistsError) throw conflictOn('departmentId', err.message);
        if (err instanceof UsccTakenError) throw conflictOn('uscc', err.message, { holder: err.holder });
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
      const { token, tokenId, expiresAt } = await createRegistrationToken(
        doc,
        table,
        { department: department.departmentId, zones, createdBy: who.actor },
        { ttlSeconds: request.expiresInDays * 86_400, uses: request.uses },
      );
      const expires = new Date(expiresAt * 1000).toISOString();
      await record(
        who,
        'admin.registration_token.issued',
        { department: department.departmentId, resource: tokenId },
        null,
        { tokenId, zones, uses: request.uses, expiresAt: expires },
      );
      return {
        initial_access_token: token,
        token_id: tokenId,
        department: department.departmentId,
        zones,
        uses: request.uses,
        expires_at: expires,
        registration_endpoints: Object.fromEntries(zones.map((z) => [z, `<${z} issuer>/reg`])),
      };
    },
    async listRegistrationTokens(id: string) {
      const department = await departmentOf(id);
      return (await departmentRegistrationTokens(doc, table, department.departmentId)).map(tokenView);
    },
    async revokeRegistrationToken(id: string, tokenId: string, reason: string, who: Who) {
      const department = await departmentOf(id);
      let revoked: RegistrationToken;
      try {
        revoked = await revokeRegistrationToken(doc, table, department.departmentId, tokenId, {
          actor: who.actor,
          reason,
        });
      } catch (err: unknown) {
        if (err instanceof RegistrationTokenNotFoundError) throw new NotFoundError(err.message);
        if (err instanceof RegistrationTokenRevokedError) throw new ConflictError(err.message);
        throw err;
      }
      await record(
        who,
        'admin.registration_token.revoked',
        { department: department.departmentId, resource: tokenId, reason },
        { status: 'active', used: revoked.used, uses: revoked.uses },
        { status: 'revoked', used: revoked.used, uses: revoked.uses },
      );
      return tokenView(revoked);
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
      const secret = usesClientSecret(input.token_endpoint_auth_method) ? newClientSecret() : undefined;
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
      const secretBased = usesClientSecret(input.token_endpoint_auth_method);
      const made = secretBased && !kept ? newClientSecret() : undefined;
      const secret = secretBased ? (kept ?? made) : undefined;
      const granted = grantedResources(before);
      const after: ClientMetadata = {
        ...clientMetadataOf(input, { clientId: before.client_id, secret }),
        yitong_disabled: before.yitong_disabled === true,
        // Grants are changed only through changeResources, each audited on its own.
        ...(granted.length ? { yitong_resources: granted } : {}),
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
      if (before.token_endpoint_auth_method && !usesClientSecret(before.token_endpoint_auth_method))
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
    /**
     * Grants a client tokens for APIs beyond its own department's, or withdraws them: yitong's
     * own APIs by name (admin and audit for intranet clients, licences for extranet and
     * intranet ones), another department's API by its audience, at that department's request.
     * Each change is audited once; a refresh token stops working for a withdrawn API at once.
     */
    async changeResources(id: string, change: z.infer<typeof ResourceGrantChange>, who: Who) {
      const before = await clientOf(id);
      if (FIRST_PARTY_CLIENT_IDS.has(before.client_id))
        throw new ConflictError(
          `${before.client_id} is one of yitong's own clients: the APIs it may use are fixed in its code`,
        );
      const zone = String(before.yitong_zone);
      const department = typeof before.yitong_department === 'string' ? before.yitong_department : undefined;
      const owners = new Map<string, string>();
      const problems: Array<{ name: string; reason: string }> = [];
      for (const [i, api] of change.grant.entries()) {
        const zones = OWN_API_ZONES[api];
        if (zones) {
          if (zones.includes(zone as Zone)) owners.set(api, 'yitong');
          else
            problems.push({
              name: `grant.${i}`,
              reason: `yitong's ${api} API is for ${zones.join(' and ')} clients; this one is ${zone}`,
            });
          continue;
        }
        const server = await registry.findResourceServer(api);
        if (!server)
          problems.push({
            name: `grant.${i}`,
            reason: `${api} is neither admin, audit, licences nor a registered API (GET /admin/resource-servers)`,
          });
        else if (server.department === department)
          problems.push({
            name: `grant.${i}`,
            reason: `${server.name} belongs to ${department}: its clients need no grant`,
          });
        else owners.set(api, server.department);
      }
      if (problems.length) throw new ValidationError('these APIs cannot be granted to this client', problems);
      const current = grantedResources(before);
      const granted = change.grant.filter((api) => !current.includes(api));
      const revoked = change.revoke.filter((api) => current.includes(api));
      const resources = [...current.filter((api) => !revoked.includes(api)), ...granted];
      const after: ClientMetadata = { ...before, yitong_resources: resources };
      if (granted.length || revoked.length) await putClient(doc, table, after);
      // The by-API view, repaired by a repeat of the same request.
      const at = new Date().toISOString();
      for (const api of change.grant.filter((a) => resources.includes(a)))
        await registry.recordGrant(api, {
          clientId: before.client_id,
          department,
          reason: change.reason,
          at,
        });
      for (const api of change.revoke.filter((a) => !resources.includes(a)))
        await registry.forgetGrant(api, before.client_id);
      for (const [type, apis] of [
        ['admin.client.resource_granted', granted],
        ['admin.client.resource_revoked', revoked],
      ] as const) {
        for (const api of apis) {
          const owner =
            owners.get(api) ??
            (OWN_API_ZONES[api] ? 'yitong' : (await registry.findResourceServer(api))?.department);
          await record(
            who,
            type,
            { client: before.client_id, department: owner, resource: api, reason: change.reason },
            { yitong_resources: current },
            { yitong_resources: resources },
          );
        }
      }
      // What changed, and what the client now holds (the path names the client).
      return { granted, revoked, yitong_resources: resources };
    },
    /** Every department API, with the other departments' clients granted it. */
    async listResourceServers() {
      const servers = await registry.listResourceServers();
      return Promise.all(
        servers.map(async (server) => ({ ...server, grantedTo: await registry.grantsOf(server.audience) })),
      );
    },
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
    /**
     * A new staff account. With a privileged role (admin, auditor) it is only requested: a
     * second administrator approves it (approveStaffRequest), and nothing exists until then.
     */
    async createStaff(
      input: z.infer<typeof StaffInput>,
      who: Who,
    ): Promise<StaffOutcome<ReturnType<typeof staffView> & { one_time_password: string }>> {
      if (input.department) await departmentOf(input.department, 'department');
      await nameFree(input.loginName);
      if (grantsPrivilegedRole([], input.roles))
        return requestApproval(who, { kind: 'create', change: input }, input.department);
      const write = audited(who, 'admin.account.created', { department: input.department });
      const { account, password } = await createAccount(input);
      await write(null, staffView(account), account.id);
      return { done: true, result: { ...staffView(account), one_time_password: password } };
    },
    /**
     * Changes a staff account's roles, department or status. A change that grants admin or
     * auditor (or re-enables an account holding one) is only requested, like createStaff.
     */
    async updateStaff(
      id: string,
      update: z.infer<typeof StaffChange>,
      who: Who,
    ): Promise<StaffOutcome<ReturnType<typeof staffView>>> {
      if (id === who.actor)
        throw await refusedSelfChange(
          who,
          { subject: id },
          new ConflictError(
            'administrators cannot change their own roles or status; ask another administrator',
          ),
        );
      const before = await staffOf(id);
      if (update.department) await departmentOf(update.department, 'department');
      if (isPrivileged(before, update))
        return requestApproval(
          who,
          { kind: 'update', accountId: id, rolesBefore: before.roles, change: update },
          departmentAfter(before, update),
        );
      const write = audited(who, 'admin.account.updated', {
        department: departmentAfter(before, update),
        reason: update.reason,
        subject: id,
      });
      const after = await applyChange(before, update);
      await write(staffView(before), staffView(after));
      return { done: true, result: staffView(after) };
    },
    /** Requests for privileged staff changes still waiting for a second administrator. */
    listStaffRequests: async () => (await staffRequests.listPending()).map(requestView),
    /**
     * A second administrator approves a privileged staff change: never the one who asked, nor
     * the person it is about. The change is validated again and applied as of now; the
     * approval and the change are each audited once.
     */
    async approveStaffRequest(requestId: string, who: Who) {
      const { request, me } = await decidable(requestId, who);
      const self = { subject: request.accountId, resource: requestId };
      if (request.requestedBy === me)
        throw await refusedSelfChange(
          who,
          self,
          new ForbiddenError('you asked for this change; another administrator must approve it'),
        );
      if (request.accountId === me)
        throw await refusedSelfChange(
          who,
          self,
          new ForbiddenError('this change is to your own account; another administrator must approve it'),
        );
      const approval = { requestId, requestedBy: request.requestedBy };
      if (request.kind === 'create') {
        const input = StaffInput.parse(request.change);
        if (input.department) await departmentOf(input.department, 'department');
        await nameFree(input.loginName);
        const approved = audited(who, 'admin.role_request.approved', { department: input.department });
        const write = audited(who, 'admin.account.created', { department: input.department }, approval);
        if (!(await staffRequests.decide(requestId, 'approved', me)))
          throw new ConflictError(`staff request ${requestId} was decided meanwhile`);
        let created: Awaited<ReturnType<typeof createAccount>>;
        try {
          created = await createAccount(input);
        } catch (err: unknown) {
          await staffRequests.reopen(requestId, me);
          throw err;
        }
        await approved(requestView(request), { status: 'approved' }, created.account.id);
        await write(null, staffView(created.account), created.account.id);
        return { ...staffView(created.account), one_time_password: created.password, requestId };
      }
      const update = StaffChange.parse(request.change);
      const before = await staffOf(request.accountId ?? '');
      if (JSON.stringify(before.roles) !== JSON.stringify(request.rolesBefore))
        throw new ConflictError(
          `the roles of ${before.id} changed since this request was made; reject it and ask again`,
        );
      if (update.department) await departmentOf(update.department, 'department');
      const fields = { department: departmentAfter(before, update), subject: before.id };
      const approved = audited(who, 'admin.role_request.approved', fields);
      const write = audited(who, 'admin.account.updated', { ...fields, reason: update.reason }, approval);
      if (!(await staffRequests.decide(requestId, 'approved', me)))
        throw new ConflictError(`staff request ${requestId} was decided meanwhile`);
      let after: Account;
      try {
        after = await applyChange(before, update);
      } catch (err: unknown) {
        await staffRequests.reopen(requestId, me);
        throw err;
      }
      await approved(requestView(request), { status: 'approved' });
      await write(staffView(before), staffView(after));
      return { ...staffView(after), requestId };
    },
    /** Turns a request down (its requester may withdraw it too); audited once. */
    async rejectStaffRequest(requestId: string, decision: z.infer<typeof StaffRequestDecision>, who: Who) {
      const { request, me } = await decidable(requestId, who);
      const write = audited(who, 'admin.role_request.rejected', {
        subject: request.accountId,
        reason: decision.reason,
      });
      if (!(await staffRequests.decide(requestId, 'rejected', me)))
        throw new ConflictError(`staff request ${requestId} was decided meanwhile`);
      await write(requestView(request), { status: 'rejected' });
      return { ...requestView(request), status: 'rejected' as const };
    },
  };
};

export type AdminOperations = ReturnType<typeof adminOperations>;
