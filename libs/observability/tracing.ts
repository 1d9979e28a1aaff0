import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';

/**
 * Whether X-Ray tracing is on: on Lambda (AWS_EXECUTION_ENV set, not SAM local) unless
 * POWERTOOLS_TRACE_ENABLED=false. The same test Powertools Tracer applies, read without loading it.
 */
export const tracingWanted = (env: NodeJS.ProcessEnv = process.env): boolean =>
  (env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false' &&
  (env.AWS_EXECUTION_ENV ?? '') !== '' &&
  env.AWS_EXECUTION_ENV !== 'AWS_Lambda_amplify-mock' &&
  (env.AWS_SAM_LOCAL ?? '').toLowerCase() !== 'true';

interface Tracing {
  readonly tracer: Tracer;
  readonly handler: MiddlewareObj;
}

let tracing: Tracing | undefined;
let starting: Promise<Tracing | undefined> | undefined;

/**
 * Loads Powertools Tracer (and the X-Ray SDK under it, about 128 KiB) from a chunk of its own, only
 * where tracing is on: the tests, the local stack and the CLI never load it, and every bundle's
 * cold start stays within its budget. Call it before building clients (createRuntime does).
 */
export const startTracing = (env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> => {
  if (!tracingWanted(env)) return Promise.resolve(undefined);
  starting ??= Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]).then(([{ Tracer }, { captureLambdaHandler }]) => {
    const tracer = new Tracer({ serviceName: 'yitong' });
    // Responses carry tokens, cookies and personal data: never copied into a trace.
    tracing = { tracer, handler: captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj };
    return tracing;
  });
  return starting;
};

/**
 * The AWS SDK v3 client, traced once tracing has started: each call (a DynamoDB GetItem, a KMS
 * Sign…) becomes an X-Ray subsegment named after the service, with the operation, table and
 * request id. Without tracing the client is returned untouched.
 */
export const traced = <T extends object>(client: T): T =>
  tracing ? tracing.tracer.captureAWSv3Client(client) : client;

/**
 * Middy middleware: the invocation as a `## <handler>` subsegment annotated with ColdStart and
 * the service, so the SDK calls it makes nest under it. Does nothing where tracing is off.
 */
// biome-ignore lint/suspicious/noExplicitAny: any middy request; the tracer's middleware reads none of its types.
export const lambdaTracing = (): MiddlewareObj<any, any, any, any> => ({
  before: (request) => tracing?.handler.before?.(request),
  after: (request) => tracing?.handler.after?.(request),
  onError: (request) => tracing?.handler.onError?.(request),
});
