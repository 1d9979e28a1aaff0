import type { IncomingMessage } from 'node:http';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import serverless from 'serverless-http';
import { problemErrors, securityHeaders, zoneContext } from '../../libs/http/index.ts';
import { logger } from '../../libs/observability/index.ts';
import { createProvider } from '../../libs/oidc/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

type ProxiedRequest = IncomingMessage & { originalUrl?: string; socket: { encrypted?: boolean } };

/**
 * The zone's OpenID provider as an API Gateway REST (v1) proxy handler. serverless-http
 * marks every request as TLS, which Koa trusts before X-Forwarded-Proto; we clear that so
 * the forwarded protocol decides (https behind API Gateway, http on the local gateway).
 * When the issuer has a path (an API stage such as /prod), it is the mount path.
 */
export const makeHandler = async (runtime: Runtime) => {
  const { config } = runtime;
  const provider = createProvider({
    zone: config.zone,
    issuer: config.issuer,
    doc: runtime.doc,
    identityTable: config.tables.identity,
    idTokenSigner: await runtime.keyring.signer('id-token'),
    cookieKeys: runtime.cookieKeys,
  });
  const mountPath = new URL(config.issuer).pathname.replace(/\/$/, '');
  const app = serverless(provider.callback(), {
    request: (request: ProxiedRequest) => {
      request.socket.encrypted = false;
      if (mountPath) request.originalUrl = `${mountPath}${request.url ?? ''}`;
    },
  });
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(zoneContext(config.zone))
    .use(problemErrors())
    .use(securityHeaders())
    .handler(async (event, context) => (await app(event, context)) as APIGatewayProxyResult);
};
