import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Zone } from '../../libs/config/index.ts';
import { LogMessage, logger } from '../../libs/observability/index.ts';
import { isBinaryMediaType, type ProxyHandler, type RouteDefinition } from '../routes.ts';
import { RouteMatcher } from './route-match.ts';

/** API Gateway's own payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const LAMBDA_TIMEOUT_MS = 29_000;

export interface GatewayTarget {
  readonly functionName: string;
  readonly handler: ProxyHandler;
}

const clientIp = (req: IncomingMessage): string =>
  (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

/** The caller identity API Gateway puts on a proxy event: only the source address and user agent are set. */
export const requestIdentity = (
  sourceIp: string,
  userAgent: string | null,
): APIGatewayProxyEvent['requestContext']['identity'] => ({
  accessKey: null,
  accountId: null,
  apiKey: null,
  apiKeyId: null,
  caller: null,
  clientCert: null,
  cognitoAuthenticationProvider: null,
  cognitoAuthenticationType: null,
  cognitoIdentityId: null,
  cognitoIdentityPoolId: null,
  principalOrgId: null,
  sourceIp,
  user: null,
  userAgent,
  userArn: null,
});

/**
 * Turns a Node request into the API Gateway REST (v1) proxy event a deployed function gets.
 * Like API Gateway, it sets X-Forwarded-For/-Proto/-Port itself; the client's values for
 * those are not trusted. The stage is `local` and, as with a custom domain, not in the path.
 */
export const toProxyEvent = (
  req: IncomingMessage,
  body: Buffer,
  route: RouteDefinition,
  pathParameters: Record<string, string> | null,
  url: URL,
  requestId: string,
): APIGatewayProxyEvent => {
  // Without a prototype: a header or parameter may be called `constructor` or `__proto__`.
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (/^x-forwarded-(for|proto|port)$/i.test(name)) continue;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), req.rawHeaders[i + 1]!];
  }
  const sourceIp = clientIp(req);
  multiValueHeaders['X-Forwarded-For'] = [sourceIp];
  multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  multiValueHeaders['X-Forwarded-Port'] = [url.port || '80'];
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([k, v]) => [k, v.at(-1)!]));

  const multiValueQueryStringParameters: Record<string, string[]> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    multiValueQueryStringParameters[key] = [...(multiValueQueryStringParameters[key] ?? []), value];
  }
  const hasQuery = Object.keys(multiValueQueryStringParameters).length > 0;

  const contentType = req.headers['content-type'] ?? '';
  const binary = body.length > 0 && isBinaryMediaType(contentType);
  const now = Date.now();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(multiValueQueryStringParameters).map(([k, v]) => [k, v.at(-1)!]))
      : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters,
    stageVariables: null,
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      domainName: url.host,
      domainPrefix: url.hostname,
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: route.path,
      stage: 'local',
      identity: requestIdentity(sourceIp, req.headers['user-agent'] ?? null),
    },
  };
};

/** Writes a proxy result back: multi-value headers (every Set-Cookie) win over single ones. */
export const writeProxyResult = (result: APIGatewayProxyResult, res: ServerResponse): void => {
  const headers = new Map<string, string | string[]>();
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers.set(name.toLowerCase(), String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers.set(name.toLowerCase(), values.map(String));
  }
  const body = result.body
    ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  res.statusCode = result.statusCode;
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader('content-length', body.length);
  res.end(body);
};

const lambdaContext = (functionName: string, requestId: string): Context => {
  const deadline = Date.now() + LAMBDA_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

const readBody = (req: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const sendJson = (res: ServerResponse, status: number, message: string): void => {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ message }));
};

/**
 * The local twin of one zone's REST API: routes from the route table, the same handlers
 * the stack deploys, and API Gateway's answers for what never reaches a function.
 */
export const createZoneGateway = (
  zone: Zone,
  routes: ReadonlyArray<{ readonly target: Promise<GatewayTarget>; readonly route: RouteDefinition }>,
) => {
  const matcher = new RouteMatcher(routes);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const match = matcher.match(req.method ?? 'GET', url.pathname);
      if (match === undefined || match === 'method') {
        // API Gateway answers unknown resources and methods this way, before any function runs.
        sendJson(res, 403, 'Missing Authentication Token');
        return;
      }
      const body = await readBody(req);
      if (!body) {
        sendJson(res, 413, 'Request Too Long');
        return;
      }
      const target = await match.target;
      const event = toProxyEvent(req, body, match.route, match.pathParameters, url, requestId);
      const result = await target.handler(event, lambdaContext(target.functionName, requestId));
      writeProxyResult(result, res);
    } catch (err: unknown) {
      logger.error(LogMessage.localGatewayError, {
        zone,
        requestId,
        error: err instanceof Error ? err : String(err),
      });
      if (!res.headersSent) sendJson(res, 502, 'Internal server error');
      else res.destroy();
    }
  };
};
