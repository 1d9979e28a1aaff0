import * as z from 'zod';
import { Zone } from '../../libs/config/index.ts';
import { DepartmentChange, DepartmentInput } from '../../libs/departments/index.ts';
import type { ApiDescription, ApiOperation } from '../../libs/http/index.ts';
import { LicenceTypeInput } from '../../libs/licences/index.ts';
import { CLIENT_AUTH_METHODS, ResourceServer } from '../../libs/oidc/index.ts';
import {
  ClientStatusChange,
  RegistrationTokenRequest,
  RegistrationTokenRevocation,
  ResourceGrantChange,
  SecretRotation,
  StaffChange,
  StaffInput,
  StaffRequestDecision,
} from './operations.ts';

/** `GET /admin/clients?department=…`: the department whose clients to list. */
export const ClientListQuery = z.object({
  department: z.string().min(1).max(40).describe('the department whose clients to list, e.g. tax'),
});

export const DepartmentView = z.strictObject({
  departmentId: z.string(),
  name: z.string(),
  nameEn: z.string().optional(),
  uscc: z.string(),
  zones: z.array(Zone),
  status: z.enum(['active', 'suspended']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const DepartmentList = z.strictObject({ departments: z.array(DepartmentView) });
export const DepartmentDetail = DepartmentView.extend({
  clients: z.array(z.string()).describe('the ids of its clients'),
});

/** A client as administrators see it: its registration, never its secret. */
export const ClientView = z.looseObject({
  client_id: z.string(),
  client_name: z.string(),
  yitong_department: z.string(),
  yitong_zone: Zone,
  yitong_disabled: z.boolean(),
  redirect_uris: z.array(z.string()),
  grant_types: z.array(z.string()),
  token_endpoint_auth_method: z.enum(CLIENT_AUTH_METHODS),
  client_secret: z.never().optional().describe('never shown after it was made'),
});
export const ClientList = z.strictObject({ clients: z.array(ClientView) });
/** A client just registered (or moved to a secret): its secret, shown in this answer only. */
export const RegisteredClient = ClientView.extend({
  client_secret: z
    .string()
    .optional()
    .describe('made by yitong for client_secret_basic and client_secret_post; shown once'),
});
export const NewSecret = z.strictObject({ client_id: z.string(), client_secret: z.string() });

const Masked = z.string().nullable().describe('the first and last four characters of the resident ID number');
/** Who represents a company, as staff may look it up (never edit): `GET /admin/companies/{uscc}`. */
export const CompanyRepresentatives = z.strictObject({
  uscc: z.string(),
  name: z.string(),
  status: z.enum(['active', 'closed']),
  registeredAt: z.string(),
  legalRepresentative: z.strictObject({ accountId: z.string(), name: z.string(), residentIdMasked: Masked }),
  agents: z.array(
    z.strictObject({
      accountId: z.string(),
      name: z.string(),
      residentIdMasked: Masked,
      scope: z.strictObject({ clients: z.array(z.string()), licenceTypes: z.array(z.string()) }),
      until: z.string(),
      status: z.enum(['active', 'expired', 'revoked']),
      grantedAt: z.string(),
      grantedBy: z.string(),
      revokedAt: z.string().optional(),
      revokedBy: z.string().optional(),
    }),
  ),
});

const INTRANET = ['intranet'] as const;

/**
 * The admin API (intranet, administrators at level 2). `clientInput` is the schema the
 * operations parse a client with (it knows whether the stack is in local mode).
 */
export const adminApi = (clientInput: z.ZodType): ApiDescription => {
  const op = (operation: Omit<ApiOperation, 'zones'>): ApiOperation => ({ ...operation, zones: INTRANET });
  const changed = (description: string) => ({ 200: { description } });
  return {
    title: 'yitong admin API',
    version: '1.0.0',
    description:
      'Departments, their registration tokens, clients, resource servers, staff accounts and licence types (docs/departments.md). Every change is audited with its before and after.',
    schemas: {
      DepartmentInput,
      DepartmentChange,
      DepartmentView,
      DepartmentList,
      DepartmentDetail,
      RegistrationTokenRequest,
      RegistrationTokenRevocation,
      ClientInput: clientInput,
      ClientStatusChange,
      ResourceGrantChange,
      SecretRotation,
      ClientView,
      ClientList,
      RegisteredClient,
      NewSecret,
      ResourceServer,
      StaffInput,
      StaffChange,
      StaffRequestDecision,
      LicenceTypeInput,
      CompanyRepresentatives,
    },
    operations: [
      op({
        method: 'GET',
        path: '/admin/departments',
        operationId: 'listDepartments',
        summary: 'Every department',
        answers: { 200: { description: 'the departments', schema: DepartmentList } },
      }),
      op({
        method: 'POST',
        path: '/admin/departments',
        operationId: 'createDepartment',
        summary: 'Register a department (its unified social credit code is checked)',
        body: DepartmentInput,
        answers: { 201: { description: 'registered', schema: DepartmentView } },
      }),
      op({
        method: 'GET',
        path: '/admin/departments/{departmentId}',
        operationId: 'getDepartment',
        summary: 'One department and its clients',
        answers: { 200: { description: 'the department', schema: DepartmentDetail } },
      }),
      op({
        method: 'PATCH',
        path: '/admin/departments/{departmentId}',
        operationId: 'updateDepartment',
        summary: 'Rename, rezone, suspend or restore a department',
        body: DepartmentChange,
        answers: { 200: { description: 'the department now', schema: DepartmentView } },
      }),
      op({
        method: 'POST',
        path: '/admin/departments/{departmentId}/registration-tokens',
        operationId: 'issueRegistrationToken',
        summary: 'An initial access token for dynamic client registration (shown once)',
        body: RegistrationTokenRequest,
        answers: { 201: { description: 'the token, shown in this answer only' } },
      }),
      op({
        method: 'GET',
        path: '/admin/departments/{departmentId}/registration-tokens',
        operationId: 'listRegistrationTokens',
        summary: 'A department’s registration tokens (ids and state, never the tokens)',
        answers: changed('the tokens'),
      }),
      op({
        method: 'PATCH',
        path: '/admin/departments/{departmentId}/registration-tokens/{tokenId}',
        operationId: 'revokeRegistrationToken',
        summary: 'Revoke a registration token',
        body: RegistrationTokenRevocation,
        answers: changed('the token, revoked'),
      }),
      op({
        method: 'GET',
        path: '/admin/clients',
        operationId: 'listClients',
        summary: 'A department’s clients',
        query: ClientListQuery,
        answers: { 200: { description: 'the clients', schema: ClientList } },
      }),
      op({
        method: 'POST',
        path: '/admin/clients',
        operationId: 'registerClient',
        summary: 'Register a client; a secret-based one gets its secret in this answer only',
        body: clientInput,
        answers: { 201: { description: 'registered', schema: RegisteredClient } },
      }),
      op({
        method: 'GET',
        path: '/admin/clients/{clientId}',
        operationId: 'getClient',
        summary: 'One client',
        answers: { 200: { description: 'the client', schema: ClientView } },
      }),
      op({
        method: 'PUT',
        path: '/admin/clients/{clientId}',
        operationId: 'replaceClient',
        summary: 'Replace a client’s registration (it keeps its department, zone and secret)',
        body: clientInput,
        answers: { 200: { description: 'the client now', schema: RegisteredClient } },
      }),
      op({
        method: 'PATCH',
        path: '/admin/clients/{clientId}',
        operationId: 'setClientStatus',
        summary: 'Suspend or restore a client',
        body: ClientStatusChange,
        answers: { 200: { description: 'the client now', schema: ClientView } },
      }),
      op({
        method: 'POST',
        path: '/admin/clients/{clientId}/resources',
        operationId: 'changeClientResources',
        summary: 'Grant or withdraw the APIs a client may obtain tokens for',
        body: ResourceGrantChange,
        answers: changed('the client’s grants now'),
      }),
      op({
        method: 'POST',
        path: '/admin/clients/{clientId}/secret',
        operationId: 'rotateClientSecret',
        summary: 'A new secret for a client_secret_basic or client_secret_post client (shown once)',
        body: SecretRotation,
        answers: { 200: { description: 'the new secret', schema: NewSecret } },
      }),
      op({
        method: 'GET',
        path: '/admin/resource-servers',
        operationId: 'listResourceServers',
        summary: 'Registered resource servers (department APIs)',
        answers: changed('the resource servers'),
      }),
      op({
        method: 'PUT',
        path: '/admin/resource-servers',
        operationId: 'putResourceServer',
        summary: 'Register or change a resource server',
        body: ResourceServer,
        answers: { 200: { description: 'changed' }, 201: { description: 'registered' } },
      }),
      op({
        method: 'GET',
        path: '/admin/roles',
        operationId: 'listRoles',
        summary: 'The roles and what each is for',
        answers: changed('the roles'),
      }),
      op({
        method: 'POST',
        path: '/admin/staff',
        operationId: 'createStaff',
        summary: 'Create a staff account (privileged roles wait for a second administrator: 202)',
        body: StaffInput,
        answers: {
          201: { description: 'created' },
          202: { description: 'waiting for a second administrator' },
        },
      }),
      op({
        method: 'PATCH',
        path: '/admin/staff/{accountId}',
        operationId: 'updateStaff',
        summary: 'Change a staff account’s roles, department or status',
        body: StaffChange,
        answers: {
          200: { description: 'changed' },
          202: { description: 'waiting for a second administrator' },
        },
      }),
      op({
        method: 'GET',
        path: '/admin/staff-requests',
        operationId: 'listStaffRequests',
        summary: 'Staff changes waiting for a second administrator',
        answers: changed('the requests'),
      }),
      op({
        method: 'POST',
        path: '/admin/staff-requests/{requestId}/approve',
        operationId: 'approveStaffRequest',
        summary: 'Approve another administrator’s request',
        answers: { 200: { description: 'done' }, 201: { description: 'account created' } },
      }),
      op({
        method: 'POST',
        path: '/admin/staff-requests/{requestId}/reject',
        operationId: 'rejectStaffRequest',
        summary: 'Reject another administrator’s request',
        body: StaffRequestDecision,
        answers: changed('rejected'),
      }),
      op({
        method: 'GET',
        path: '/admin/companies/{uscc}',
        operationId: 'lookUpCompany',
        summary:
          'Who represents a company: its legal representative and agents (read-only; every look-up audited)',
        answers: {
          200: { description: 'the company and its representatives', schema: CompanyRepresentatives },
        },
      }),
      op({
        method: 'GET',
        path: '/admin/licence-types',
        operationId: 'listLicenceTypes',
        summary: 'Every licence type and version',
        answers: changed('the licence types'),
      }),
      op({
        method: 'PUT',
        path: '/admin/licence-types/{typeId}',
        operationId: 'putLicenceType',
        summary: 'Register a licence type or a new version of one',
        body: LicenceTypeInput,
        answers: { 200: { description: 'unchanged or changed' }, 201: { description: 'registered' } },
      }),
    ],
  };
};
