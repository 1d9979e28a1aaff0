import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DepartmentChange, DepartmentInput } from '../../libs/departments/index.ts';
import {
  openApiDocument,
  openApiPath,
  openApiResponse,
  parseJsonBody,
  Router,
  ValidationError,
} from '../../libs/http/index.ts';
import { LicenceTypeInput } from '../../libs/licences/index.ts';
import { ResourceServer } from '../../libs/oidc/index.ts';
import type { Allowed } from '../../libs/policy/index.ts';
import { json, type OwnRoute, ownApiHandler, type Runtime } from '../../libs/runtime/index.ts';
import { adminApi, ClientListQuery } from './api.ts';
import { adminConsole } from './console.ts';
import {
  adminOperations,
  ClientStatusChange,
  RegistrationTokenRequest,
  RegistrationTokenRevocation,
  ResourceGrantChange,
  SecretRotation,
  StaffChange,
  StaffInput,
  type StaffOutcome,
  StaffRequestDecision,
  type Who,
} from './operations.ts';

/** A staff change done (with its status) or waiting for a second administrator (202). */
const staffAnswer = <T>(outcome: StaffOutcome<T>, done: number, extra: Record<string, unknown> = {}) =>
  outcome.done ? json(done, { ...outcome.result, ...extra }) : json(202, outcome.request);

const FIRST_SIGN_IN =
  'give the password through a separate channel; at the first sign-in they must choose a new password and enrol a second factor before anything else';

/**
 * The routes of the admin API (intranet, administrators at level 2) and the admin console:
 * departments, their registration tokens for dynamic client registration, clients (register,
 * read, list, update, suspend, rotate the secret), resource servers, staff accounts and roles,
 * and the licence type registry. Every change is audited once with its before and after.
 * Building them touches nothing, so the route table's test reads them without a stack.
 */
export const adminRoutes = (runtime: Runtime): Router<OwnRoute> => {
  const ops = adminOperations(runtime);
  const who = (event: APIGatewayProxyEvent, access: Allowed): Who => ({
    actor: access.principal.kind === 'user' ? access.principal.id : undefined,
    sourceIp: event.requestContext?.identity?.sourceIp,
    correlationId: event.requestContext?.requestId,
  });
  const param = (event: APIGatewayProxyEvent, name: string) => event.pathParameters?.[name] ?? '';
  const privileged = true;
  const { config } = runtime;
  const document = openApiDocument(adminApi(ops.clientInput), {
    zone: config.zone,
    serverUrl: config.issuer,
  });
  // Its description is routed at the intranet entry only (infra/routes.ts), where the API is offered.
  return new Router<OwnRoute>()
    .include(adminConsole(runtime, ops).routes)
    .on('GET', openApiPath('admin'), { public: true, handle: async () => openApiResponse(document) })
    .on('GET', '/admin/departments', {
      privileged,
      handle: async () => json(200, { departments: await ops.listDepartments() }),
    })
    .on('POST', '/admin/departments', {
      privileged,
      handle: async (event, a) =>
        json(201, await ops.createDepartment(parseJsonBody(event, DepartmentInput), who(event, a))),
    })
    .on('GET', '/admin/departments/{departmentId}', {
      privileged,
      handle: async (event) => json(200, await ops.department(param(event, 'departmentId'))),
    })
    .on('PATCH', '/admin/departments/{departmentId}', {
      privileged,
      handle: async (event, a) =>
        json(
          200,
          await ops.updateDepartment(
            param(event, 'departmentId'),
            parseJsonBody(event, DepartmentChange),
            who(event, a),
          ),
        ),
    })
    .on('POST', '/admin/departments/{departmentId}/registration-tokens', {
      privileged,
      handle: async (event, a) =>
        json(
          201,
          await ops.issueRegistrationToken(
            param(event, 'departmentId'),
            parseJsonBody(event, RegistrationTokenRequest),
            who(event, a),
          ),
        ),
    })
    .on('GET', '/admin/departments/{departmentId}/registration-tokens', {
      privileged,
      handle: async (event) =>
        json(200, { tokens: await ops.listRegistrationTokens(param(event, 'departmentId')) }),
    })
    .on('PATCH', '/admin/departments/{departmentId}/registration-tokens/{tokenId}', {
      privileged,
      handle: async (event, a) =>
        json(
          200,
          await ops.revokeRegistrationToken(
            param(event, 'departmentId'),
            param(event, 'tokenId'),
            parseJsonBody(event, RegistrationTokenRevocation).reason,
            who(event, a),
          ),
        ),
    })
    .on('GET', '/admin/clients', {
      privileged,
      handle: async (event) => {
        const query = ClientListQuery.safeParse(event.queryStringParameters ?? {});
        if (!query.success)
          throw new ValidationError('name the department whose clients to list', [
            { name: 'department', reason: 'required, e.g. ?department=tax' },
          ]);
        return json(200, { clients: await ops.listClients(query.data.department) });
      },
    })
    .on('POST', '/admin/clients', {
      privileged,
      handle: async (event, a) =>
        json(201, await ops.registerClient(parseJsonBody(event, ops.clientInput), who(event, a))),
    })
    .on('GET', '/admin/clients/{clientId}', {
      privileged,
      handle: async (event) => json(200, await ops.client(param(event, 'clientId'))),
    })
    .on('PUT', '/admin/clients/{clientId}', {
      privileged,
      handle: async (event, a) =>
        json(
          200,
          await ops.replaceClient(
            param(event, 'clientId'),
            parseJsonBody(event, ops.clientInput),
            who(event, a),
          ),
        ),
    })
    .on('PATCH', '/admin/clients/{clientId}', {
      privileged,
      handle: async (event, a) =>
        json(
          200,
          await ops.setClientStatus(
            param(event, 'clientId'),
            parseJsonBody(event, ClientStatusChange),
            who(event, a),
          ),
        ),
    })
    .on('POST', '/admin/clients/{clientId}/resources', {
      privileged,
      handle: async (event, a) =>
        json(
          200,
          await ops.changeResources(
            param(event, 'clientId'),
            parseJsonBody(event, ResourceGrantChange),
            who(event, a),
          ),
        ),
    })
    .on('POST', '/admin/clients/{clientId}/secret', {
      privileged,
      handle: async (event, a) =>
        json(
          200,
          await ops.rotateSecret(
            param(event, 'clientId'),
            parseJsonBody(event, SecretRotation).reason,
            who(event, a),
          ),
        ),
    })
    .on('GET', '/admin/resource-servers', {
      privileged,
      handle: async () => json(200, { resourceServers: await ops.listResourceServers() }),
    })
    .on('PUT', '/admin/resource-servers', {
      privileged,
      handle: async (event, a) => {
        const { server, created } = await ops.putResourceServer(
          parseJsonBody(event, ResourceServer),
          who(event, a),
        );
        return json(created ? 201 : 200, server);
      },
    })
    .on('GET', '/admin/roles', { privileged, handle: async () => json(200, { roles: ops.roles() }) })
    .on('POST', '/admin/staff', {
      privileged,
      handle: async (event, a) =>
        staffAnswer(await ops.createStaff(parseJsonBody(event, StaffInput), who(event, a)), 201, {
          next: FIRST_SIGN_IN,
        }),
    })
    .on('PATCH', '/admin/staff/{accountId}', {
      privileged,
      handle: async (event, a) =>
        staffAnswer(
          await ops.updateStaff(param(event, 'accountId'), parseJsonBody(event, StaffChange), who(event, a)),
          200,
        ),
    })
    .on('GET', '/admin/staff-requests', {
      privileged,
      handle: async () => json(200, { requests: await ops.listStaffRequests() }),
    })
    .on('POST', '/admin/staff-requests/{requestId}/approve', {
      privileged,
      handle: async (event, a) => {
        const approved = await ops.approveStaffRequest(param(event, 'requestId'), who(event, a));
        return 'one_time_password' in approved
          ? json(201, { ...approved, next: FIRST_SIGN_IN })
          : json(200, approved);
      },
    })
    .on('POST', '/admin/staff-requests/{requestId}/reject', {
      privileged,
      handle: async (event, a) =>
        json(
          200,
          await ops.rejectStaffRequest(
            param(event, 'requestId'),
            parseJsonBody(event, StaffRequestDecision),
            who(event, a),
          ),
        ),
    })
    .on('GET', '/admin/companies/{uscc}', {
      // Not privileged: the look-up writes its own event (company.representatives_viewed), once.
      privileged: false,
      handle: async (event, a) =>
        json(200, await ops.lookUpCompany(param(event, 'uscc').toUpperCase(), who(event, a))),
    })
    .on('GET', '/admin/licence-types', {
      privileged,
      handle: async () => json(200, { types: await ops.listLicenceTypes() }),
    })
    .on('PUT', '/admin/licence-types/{typeId}', {
      privileged,
      handle: async (event, a) => {
        const result = await ops.putLicenceType(
          event.pathParameters?.typeId,
          parseJsonBody(event, LicenceTypeInput),
          who(event, a),
        );
        return json(result.created ? 201 : 200, result.type);
      },
    });
};
/** The admin function: every request meets the zone and role policies first. */
export const makeHandler = (runtime: Runtime) =>
  ownApiHandler(runtime, 'admin', ['intranet'], adminRoutes(runtime));
