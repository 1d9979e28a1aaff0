import type { RepresentationSessionDeps } from '../identity/index.ts';
import { type BackchannelQueues, type SessionEndDeps, SqsBackchannelQueue } from '../oidc/index.ts';
import type { Runtime } from './runtime.ts';

/**
 * How a function other than oidc ends sites' sessions (`endClientSessions`): the identity
 * table, and the zones' back-channel logout queues — locally the stack's in-process ones, on
 * AWS its own zone's SQS queue (a function with `endsSessions` in infra/routes.ts), whose jobs
 * the zone's oidc function signs and delivers. The SQS client loads on first use.
 */
export const sessionEndDeps = (runtime: Runtime): SessionEndDeps => {
  const { config } = runtime;
  let queues: BackchannelQueues = runtime.backchannel ?? {};
  if (!runtime.backchannel && config.backchannelQueueUrl) {
    let sqs: Promise<import('@aws-sdk/client-sqs').SQSClient> | undefined;
    const client = () => {
      sqs ??= import('@aws-sdk/client-sqs').then(({ SQSClient }) => new SQSClient({}));
      return sqs;
    };
    queues = { [config.zone]: new SqsBackchannelQueue(client, config.backchannelQueueUrl) };
  }
  return { doc: runtime.doc, table: config.tables.identity, queues };
};

/** What `endRepresentationSessions` needs, from the runtime (called after `revokeAgent`). */
export const representationSessionDeps = (runtime: Runtime): RepresentationSessionDeps => ({
  acting: runtime.identity.acting,
  sessions: sessionEndDeps(runtime),
  audit: runtime.audit,
});
