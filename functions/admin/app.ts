import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { NotFoundError, parseJsonBody } from '../../libs/http/index.ts';
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
 * suspending or restoring it. Every change is audited with its before and after.
 */
export const makeHandler = async (runtime: Runtime) => {
  const { doc, config, audit } = runtime;
  const table = config.tables.identity;
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
