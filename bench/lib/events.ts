import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { requestIdentity } from '../../infra/local/gateway.ts';

/** A REST (v1) proxy event as API Gateway sends it for a request through a stage URL. */
export const restEvent = (options: {
  readonly method?: string;
  readonly path: string;
  /** The API Gateway resource the path matched. @default '/{proxy+}' */
  readonly resource?: string;
  readonly host: string;
  readonly stage?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}): APIGatewayProxyEvent => {
  const headers: Record<string, string> = {
    Host: options.host,
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Port': '443',
    'X-Forwarded-For': '198.51.100.7',
    ...options.headers,
  };
  const stage = options.stage ?? 'prod';
  return {
    resource: options.resource ?? '/{proxy+}',
    path: options.path,
    httpMethod: options.method ?? 'GET',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: options.path.slice(1) },
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '111122223333',
      apiId: options.host.split('.')[0]!,
      authorizer: null,
      domainName: options.host,
      httpMethod: options.method ?? 'GET',
      path: `/${stage}${options.path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'abc123',
      resourcePath: '/{proxy+}',
      stage,
      identity: requestIdentity('198.51.100.7', 'yitong-bench'),
    },
  };
};
