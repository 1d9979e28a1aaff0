import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Account } from '../../libs/accounts/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { ACCOUNT_PORTAL } from '../../libs/oidc/index.ts';

/** Where a request to the account portal came from, as its audit events record it. */
export const requestOrigin = (event: APIGatewayProxyEvent) => ({
  sourceIp: event.requestContext?.identity?.sourceIp,
  userAgent: event.headers?.['user-agent']?.slice(0, 512),
  correlationId: event.requestContext?.requestId,
});

/** The audit event of a person's own act in the account portal (a success, about themselves). */
export const ownAct = (
  zone: Zone,
  event: APIGatewayProxyEvent,
  account: Pick<Account, 'id'>,
  type: string,
  extra: { readonly resource?: string; readonly details?: Record<string, string | number> } = {},
) => ({
  type,
  outcome: 'success' as const,
  zone,
  actor: account.id,
  subject: account.id,
  client: ACCOUNT_PORTAL.clientId,
  ...requestOrigin(event),
  ...(extra.resource ? { resource: extra.resource.slice(0, 256) } : {}),
  ...(extra.details ? { details: extra.details } : {}),
});
