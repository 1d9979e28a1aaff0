import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per process. Never log secrets, tokens, passwords or whole events. */
export const logger = new Logger({
  serviceName: 'yitong',
  // Powertools reads POWERTOOLS_LOG_LEVEL itself; tests stay quiet unless that is set.
  ...(process.env.VITEST && !process.env.POWERTOOLS_LOG_LEVEL ? { logLevel: 'SILENT' as const } : {}),
});

/** The catalogue of log messages: each says one thing, and is searchable as written. */
export const LogMessage = {
  coldStart: 'function initialised',
  unhandledError: 'unhandled error answered with 500',
  oidcServerError: 'oidc-provider reported a server error',
  dependencyBusy: 'a dependency throttled or timed out; answered 503',
  localStackStarted: 'local stack started',
  localGatewayError: 'local gateway failed to invoke a handler',
  backchannelFailed: 'back-channel logout delivery failed; the queue retries it',
  accountMailFailed: 'an account message (password reset code) could not be sent',
} as const;
export { METRICS_NAMESPACE, type MetricsSink, metricNameOf, PowertoolsMetricsSink } from './metrics.ts';
export { lambdaTracing, startTracing, traced, tracingWanted } from './tracing.ts';
