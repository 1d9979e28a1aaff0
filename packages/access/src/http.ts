import type { AccessTokenError } from './access-token.ts';

/**
 * The parts of an API Gateway REST (v1) proxy or REQUEST-authorizer event the checks read:
 * `APIGatewayProxyEvent` and `APIGatewayRequestAuthorizerEvent` (`@types/aws-lambda`) are both one.
 */
export interface ApiGatewayRequest {
  readonly httpMethod: string;
  readonly path: string;
  readonly resource?: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly requestContext?: {
    readonly domainName?: string;
    readonly path?: string;
    readonly requestId?: string;
    readonly identity?: { readonly sourceIp?: string };
    readonly authorizer?: Readonly<Record<string, unknown>> | null;
  };
}

/** A request header, whatever its case. */
export const headerOf = (event: ApiGatewayRequest, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return found?.[1] ?? undefined;
};

/** The URL the client addressed, as API Gateway saw it (stage included when there is no custom domain). */
export const requestUrlOf = (event: ApiGatewayRequest): string => {
  const proto = headerOf(event, 'x-forwarded-proto') ?? 'https';
  const host = event.requestContext?.domainName ?? headerOf(event, 'host') ?? 'localhost';
  return `${proto}://${host}${event.requestContext?.path ?? event.path}`;
};

/**
 * The `WWW-Authenticate` challenge for a refused token: a proof problem is a DPoP challenge
 * (RFC 9449 §7.1), a token problem a Bearer one (RFC 6750); no token at all offers both.
 */
export const accessChallenge = (error?: AccessTokenError): string => {
  if (!error || error.code === 'invalid_request') return 'Bearer, DPoP algs="ES256 EdDSA"';
  const detail = `error="${error.code}", error_description="${error.message.replaceAll('"', "'")}"`;
  return error.code === 'invalid_dpop_proof'
    ? `DPoP ${detail}, algs="ES256 EdDSA"`
    : `Bearer ${detail}, DPoP algs="ES256 EdDSA"`;
};
