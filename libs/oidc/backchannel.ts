import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type Provider from 'oidc-provider';
import * as z from 'zod';

/**
 * Back-channel logout that survives a relying party's outage: on AWS the provider enqueues
 * one job per client to notify, and the zone's oidc function delivers them from the queue —
 * a failure goes back to the queue (retried after the visibility timeout) and, after the last
 * attempt, to a dead-letter queue that raises an alarm. Locally delivery stays in-request.
 */
export const BackchannelJob = z.strictObject({
  clientId: z.string().min(1),
  sub: z.string().min(1),
  sid: z.string().min(1),
});
export type BackchannelJob = z.infer<typeof BackchannelJob>;

export interface BackchannelQueue {
  enqueue(job: BackchannelJob): Promise<void>;
}

/** The queue client, given at once or made on first use (the SQS client is a chunk of its own). */
export type SqsSource = SQSClient | (() => Promise<SQSClient>);

const sqsOf = async (source: SqsSource) => {
  const [client, { SendMessageCommand }] = await Promise.all([
    typeof source === 'function' ? source() : source,
    import('@aws-sdk/client-sqs'),
  ]);
  return { client, SendMessageCommand };
};

export class SqsBackchannelQueue implements BackchannelQueue {
  constructor(
    private readonly sqs: SqsSource,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: BackchannelJob): Promise<void> {
    const { client, SendMessageCommand } = await sqsOf(this.sqs);
    await client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}

type Deliver = (this: unknown, sub: string, sid: string) => Promise<void>;

/** oidc-provider's own delivery, kept when the provider is made to enqueue instead. */
const originals = new WeakMap<Provider, Deliver>();

export const rememberDelivery = (provider: Provider, deliver: Deliver): void => {
  originals.set(provider, deliver);
};

export const isSqsEvent = (event: unknown): event is SQSEvent =>
  Array.isArray((event as SQSEvent | undefined)?.Records) &&
  (event as SQSEvent).Records.every((r) => r.eventSource === 'aws:sqs');

/**
 * Delivers queued jobs with the provider's own logout tokens. Failed records are reported
 * (partial batch response) so SQS retries only them; a job for a client that no longer exists
 * or cannot be read is dropped, as no retry could succeed.
 */
export const deliverBackchannelJobs = async (
  provider: Provider,
  event: SQSEvent,
  onFailure: (job: BackchannelJob, err: unknown) => void = () => undefined,
): Promise<SQSBatchResponse> => {
  const deliver = originals.get(provider);
  if (!deliver) throw new Error('this provider delivers back-channel logout in-request, not from a queue');
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let job: BackchannelJob;
    try {
      job = BackchannelJob.parse(JSON.parse(record.body));
    } catch {
      continue;
    }
    const client = await provider.Client.find(job.clientId);
    if (!client?.backchannelLogoutUri) continue;
    try {
      await deliver.call(client, job.sub, job.sid);
    } catch (err: unknown) {
      onFailure(job, err);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};

/**
 * Signs and delivers one job now (the local stack's in-process queue calls this): the
 * provider's own delivery, whether the provider enqueues or delivers in-request. A site
 * without a back-channel logout address is not told.
 */
export const deliverBackchannelJob = async (provider: Provider, job: BackchannelJob): Promise<void> => {
  const client = await provider.Client.find(job.clientId);
  if (!client?.backchannelLogoutUri) return;
  const deliver =
    originals.get(provider) ?? (client as unknown as { backchannelLogout: Deliver }).backchannelLogout;
  await deliver.call(client, job.sub, job.sid);
};

/**
 * Local mode's queue: enqueueing delivers at once, through the zone's oidc function, which
 * registers its delivery when it starts (`deliverWith`). Functions other than oidc share it
 * through the runtime, as on AWS they share the zone's SQS queue.
 */
export class InProcessBackchannelQueue implements BackchannelQueue {
  private deliver: ((job: BackchannelJob) => Promise<void>) | undefined;

  deliverWith(deliver: (job: BackchannelJob) => Promise<void>): void {
    this.deliver = deliver;
  }

  async enqueue(job: BackchannelJob): Promise<void> {
    if (!this.deliver) throw new Error('no oidc function delivers back-channel logout in this zone');
    await this.deliver(BackchannelJob.parse(job));
  }
}
