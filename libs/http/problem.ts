import type { APIGatewayProxyResult } from 'aws-lambda';
import { ZodError } from 'zod';
import {
  DomainError,
  invalidParamsOf,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from '../errors/index.ts';
import { LogMessage, logger } from '../observability/index.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Throttling, timeouts, a store's own 500 and a connection that failed are the caller's cue to
 * retry, not a server fault: DynamoDB documents each as retryable, and every write yitong makes
 * is conditional or idempotent, so the retry cannot double anything.
 */
export const isTransient = (err: unknown): boolean =>
  err instanceof Error &&
  (/Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TimeoutError|ServiceUnavailable|InternalServerError/.test(
    err.name,
  ) ||
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(String((err as { code?: unknown }).code ?? '')));

/**
 * The one place errors become HTTP responses: RFC 9457 problem+json. 4xx say what was
 * wrong and how to fix it; 5xx say nothing internal.
 */
export const problemResponse = (err: unknown, instance?: string): APIGatewayProxyResult => {
  let domain: DomainError | undefined;
  if (err instanceof DomainError) domain = err;
  else if (err instanceof ZodError)
    domain = new ValidationError('the request failed validation', invalidParamsOf(err));
  else if (isTransient(err))
    domain = new ServiceUnavailableError('a dependency is throttling; retry after a second');

  const headers: Record<string, string> = {
    'content-type': PROBLEM_CONTENT_TYPE,
    'cache-control': 'no-store',
  };
  if (!domain) {
    logger.error(LogMessage.unhandledError, { error: err instanceof Error ? err : String(err) });
    return {
      statusCode: 500,
      headers,
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Internal error',
        status: 500,
        detail: 'Something went wrong on our side. It has been logged; retrying later may help.',
        instance,
      }),
    };
  }
  if (domain.status === 503) headers['retry-after'] = '1';
  if (domain instanceof UnauthorizedError) headers['www-authenticate'] = domain.wwwAuthenticate;
  return {
    statusCode: domain.status,
    headers,
    body: JSON.stringify({
      type: `urn:yitong:problem:${domain.code.toLowerCase().replaceAll('_', '-')}`,
      title: domain.title,
      status: domain.status,
      detail: domain.message,
      code: domain.code,
      instance,
      ...(domain instanceof ValidationError && domain.invalidParams.length
        ? { 'invalid-params': domain.invalidParams }
        : {}),
      ...(domain.details ?? {}),
    }),
  };
};
