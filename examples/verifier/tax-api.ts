/**
 * A department's own API Lambda (the tax department's filings), as its developers would write
 * it with `@yitong/access`: either behind yitong's API Gateway authorizer, reading the caller
 * it passes on, or checking the tokens itself with the `requireAccess` middy middleware.
 */
import middy from '@middy/core';
import {
  type AccessContext,
  type ApiGatewayRequest,
  authorizerCaller,
  type DpopProofLog,
  MemoryDpopProofLog,
  type RouteRule,
  requireAccess,
} from '@yitong/access';
import { createRemoteJWKSet } from 'jose';

/** The routes as the department registered its API with yitong (`PUT /admin/resource-servers`). */
export const ROUTES: Readonly<Record<string, RouteRule>> = {
  'GET /filings': { scope: 'tax:read' },
  'POST /filings': { scope: 'tax:file', minLoa: 2 },
};

interface Response {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export interface TaxApiOptions {
  /** The zone's issuer, e.g. https://id.gov.example. */
  readonly issuer: string;
  /** This API's audience, as registered. */
  readonly audience: string;
  /**
   * Where DPoP proofs are remembered: in memory for one process; behind Lambda,
   * `new DynamoDpopProofLog(doc, table)` from `@yitong/access/dynamodb`.
   */
  readonly dpopProofs?: DpopProofLog;
}

/** The API in a Lambda of its own: requireAccess checks the token and the route's rule. */
export const makeTaxApi = (options: TaxApiOptions) =>
  middy<ApiGatewayRequest, Response>()
    .use(
      requireAccess({
        issuer: options.issuer,
        audience: options.audience,
        keys: createRemoteJWKSet(new URL(`${options.issuer}/jwks`)),
        dpopProofs: options.dpopProofs ?? new MemoryDpopProofLog(),
        route: (event) => ROUTES[`${event.httpMethod} ${event.resource ?? event.path}`],
      }),
    )
    .handler(async (_event, context) => {
      const { kind, id, loa } = (context as unknown as AccessContext).access;
      return { statusCode: 200, body: JSON.stringify({ filings: [], caller: { kind, id, loa } }) };
    });

/** The same API behind yitong's authorizer: API Gateway has checked the token already. */
export const filingsBehindAuthorizer = async (event: ApiGatewayRequest): Promise<Response> => {
  const caller = authorizerCaller(event);
  if (!caller)
    return { statusCode: 401, body: JSON.stringify({ detail: 'not called through the authorizer' }) };
  return {
    statusCode: 200,
    body: JSON.stringify({ filings: [], caller: { id: caller.sub, scopes: caller.scopes, acr: caller.acr } }),
  };
};
