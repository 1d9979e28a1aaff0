import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { ConflictError, NotFoundError, parseJsonBody, ValidationError } from '../../libs/http/index.ts';
import { LicenceTypeConflictError, LicenceTypeInput, LicenceTypeStore } from '../../libs/licences/types.ts';
import { type ClientMetadata, getClient, putClient } from '../../libs/oidc/registry.ts';
import { type Allowed, json, ownApiHandler } from '../../libs/policy/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

const ClientStatusChange = z.strictObject({
  disabled: z.boolean(),
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
});

/** What an administrator sees of a client: everything but its secret. */
const visible = ({ client_secret: _secret, ...metadata }: ClientMetadata) => ({
  ...metadata,
  yitong_disabled: metadata.yitong_disabled === true,
});

/**
 * The admin API (intranet, administrators at level 2): for now, reading a client and
 * suspending or restoring it, and the licence type registry. Every change is audited with
 * its before and after.
 */
export const makeHandler = async (runtime: Runtime) => {
  const { doc, config, audit } = runtime;
  const table = config.tables.identity;
  // Types are registered under the public base URL, where their vct metadata is served.
  const licenceTypes = new LicenceTypeStore(
    doc,
    config.tables.licences,
    config.licenceIssuer ?? config.issuer,
  );
  const clientOf = async (event: APIGatewayProxyEvent) => {
    const id = event.pathParameters?.clientId ?? '';
    const client = await getClient(doc, table, id);
    if (!client) throw new NotFoundError(`there is no client ${id}`);
    return client;
  };
  return ownApiHandler(runtime, 'admin', ['intranet'], {
    'GET /admin/clients/{clientId}': {
      privileged: true,
      handle: async (event) => json(200, visible(await clientOf(event))),
    },
    'GET /admin/licence-types': {
      privileged: true,
      handle: async () => json(200, { types: await licenceTypes.list() }),
    },
    'PUT /admin/licence-types/{typeId}': {
      privileged: true,
      handle: async (event, access: Allowed) => {
        const input = parseJsonBody(event, LicenceTypeInput);
        if (input.typeId !== event.pathParameters?.typeId) {
          throw new ValidationError('the body names another type than the path', [
            { name: 'typeId', reason: `must be ${event.pathParameters?.typeId}` },
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
            actor: access.principal.kind === 'user' ? access.principal.id : undefined,
            department: result.type.department,
            resource: result.type.vct.slice(0, 256),
            sourceIp: event.requestContext?.identity?.sourceIp,
            correlationId: event.requestContext?.requestId,
            details: {
              before: before ? { version: before.version, vct: before.vct } : null,
              after: { version: result.type.version, vct: result.type.vct },
            },
          });
        }
        return json(result.created ? 201 : 200, result.type);
      },
    },
    'PATCH /admin/clients/{clientId}': {
      privileged: true,
      handle: async (event, access: Allowed) => {
        const change = parseJsonBody(event, ClientStatusChange);
        const before = await clientOf(event);
        const after: ClientMetadata = { ...before, yitong_disabled: change.disabled };
        await putClient(doc, table, after);
        await audit.append({
          type: 'admin.client.updated',
          outcome: 'success',
          zone: config.zone,
          actor: access.principal.kind === 'user' ? access.principal.id : undefined,
          client: before.client_id,
          department: typeof before.yitong_department === 'string' ? before.yitong_department : undefined,
          sourceIp: event.requestContext?.identity?.sourceIp,
          correlationId: event.requestContext?.requestId,
          reason: change.reason,
          details: {
            before: { yitong_disabled: before.yitong_disabled === true },
            after: { yitong_disabled: change.disabled },
          },
        });
        return json(200, visible(after));
      },
    },
  });
};
