import type { APIGatewayProxyEvent } from 'aws-lambda';

/** Where a request to the account portal came from, as its audit events record it. */
export const requestOrigin = (event: APIGatewayProxyEvent) => ({
  sourceIp: event.requestContext?.identity?.sourceIp,
  userAgent: event.headers?.['user-agent']?.slice(0, 512),
  correlationId: event.requestContext?.requestId,
});
