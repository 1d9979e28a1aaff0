import type { AccessTokenClaims } from './access-token.ts';
import type { ApiGatewayRequest } from './http.ts';

/**
 * What yitong's Lambda authorizer hands a department's integration in
 * `event.requestContext.authorizer` (API Gateway passes strings only).
 */
export interface AuthorizerCaller {
  /** Your department's pairwise identifier of the person, or the machine client's id. */
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** The sign-in's acr (empty for a machine client). */
  readonly acr: string;
  /** The department whose API this is. */
  readonly department: string;
  /** The policies that allowed the call. */
  readonly policyIds: readonly string[];
}

/** The authorizer's context for an allowed call (yitong's authorizer builds it with this). */
export const authorizerContext = (
  claims: AccessTokenClaims,
  department: string,
  policyIds: readonly string[],
): Record<string, string> => ({
  sub: claims.sub,
  clientId: claims.clientId,
  scope: claims.scopes.join(' '),
  acr: claims.acr ?? '',
  department,
  policyIds: policyIds.join(' '),
});

/**
 * The caller the authorizer let through, read from the event your Lambda receives behind it;
 * undefined when the event did not pass the authorizer (e.g. a test invoking the Lambda directly).
 */
export const authorizerCaller = (event: ApiGatewayRequest): AuthorizerCaller | undefined => {
  const context = event.requestContext?.authorizer;
  const text = (name: string) =>
    typeof context?.[name] === 'string' ? (context[name] as string) : undefined;
  const sub = text('sub');
  const clientId = text('clientId');
  if (!context || !sub || !clientId) return undefined;
  const words = (value: string | undefined) => (value ?? '').split(' ').filter(Boolean);
  return {
    sub,
    clientId,
    scopes: words(text('scope')),
    acr: text('acr') ?? '',
    department: text('department') ?? '',
    policyIds: words(text('policyIds')),
  };
};
