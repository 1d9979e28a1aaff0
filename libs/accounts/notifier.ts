import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { traced } from '../observability/index.ts';

/** A message to a person about their account; the text is rendered by the notifier in their language. */
export const AccountMessage = z.strictObject({
  kind: z.literal('password-reset'),
  to: z.strictObject({ accountId: z.string(), loginName: z.string(), email: z.string().optional() }),
  lang: z.enum(['zh-CN', 'en']),
  code: z.string(),
  expiresAt: z.string(),
});
export type AccountMessage = z.infer<typeof AccountMessage>;

/** How account messages leave the system: an outbox locally, SES on AWS — the same port. */
export interface Notifier {
  send(message: AccountMessage): Promise<void>;
}

export const messageText = (m: AccountMessage): { subject: string; body: string } =>
  m.lang === 'en'
    ? {
        subject: 'Your yitong password reset code',
        body: `Your code to reset the password of ${m.to.loginName} is ${m.code}. It expires at ${m.expiresAt}. If you did not ask for it, ignore this message.`,
      }
    : {
        subject: '一通密码重置验证码',
        body: `您正在重置账号 ${m.to.loginName} 的密码，验证码为 ${m.code}，有效期至 ${m.expiresAt}。如非本人操作，请忽略本消息。`,
      };

/**
 * Local mode: messages are kept in memory for the outbox page and written to the console,
 * so a developer can complete a reset without any mail system.
 */
export class OutboxNotifier implements Notifier {
  readonly messages: Array<AccountMessage & { readonly sentAt: string }> = [];

  constructor(private readonly log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  async send(message: AccountMessage): Promise<void> {
    this.messages.push({ ...message, sentAt: new Date().toISOString() });
    if (this.messages.length > 100) this.messages.shift();
    const { subject, body } = messageText(message);
    this.log(`[outbox] to ${message.to.email ?? message.to.loginName}: ${subject} — ${body}`);
  }
}

/**
 * The queue client, given at once or made on first use: a function that only may enqueue
 * loads the SQS client (a chunk of its own) when it first does (issue #19).
 */
export type SqsSource = SQSClient | (() => Promise<SQSClient>);

/** The client of a source, and the command to send with it, both loaded on first use. */
export const sqsOf = async (source: SqsSource) => {
  const [client, { SendMessageCommand }] = await Promise.all([
    typeof source === 'function' ? source() : source,
    import('@aws-sdk/client-sqs'),
  ]);
  return { client, SendMessageCommand };
};

/**
 * AWS: email through SES v2. The client is loaded on first use (a chunk of its own), keeping
 * it off the cold start, and kept for the next message.
 */
export class SesNotifier implements Notifier {
  private client:
    | Promise<{ ses: SESv2Client; command: typeof import('@aws-sdk/client-sesv2').SendEmailCommand }>
    | undefined;

  constructor(private readonly from: string) {}

  async send(message: AccountMessage): Promise<void> {
    if (!message.to.email) return;
    if (!this.client) {
      this.client = import('@aws-sdk/client-sesv2').then(({ SESv2Client, SendEmailCommand }) => ({
        ses: traced(new SESv2Client({})),
        command: SendEmailCommand,
      }));
      // A failed load must not stick for the life of the container.
      this.client.catch(() => {
        this.client = undefined;
      });
    }
    const { ses, command: SendEmailCommand } = await this.client;
    const { subject, body } = messageText(message);
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [message.to.email] },
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: 'UTF-8' },
            Body: { Text: { Data: body, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  }
}

/**
 * How a request hands a message over without waiting for its delivery. It is called the same
 * way with no message (a reset for an unknown name), so both answers cost the same.
 */
export interface MailQueue {
  enqueue(message: AccountMessage | undefined): Promise<void>;
}

/** Local mode: delivery starts in the background and the request goes on at once. */
export class BackgroundMail implements MailQueue {
  constructor(
    private readonly notifier: Notifier,
    private readonly onFailure: (err: unknown) => void = () => undefined,
  ) {}

  async enqueue(message: AccountMessage | undefined): Promise<void> {
    // Not even the notifier's first synchronous step runs in the request's time.
    if (message) setImmediate(() => this.notifier.send(message).catch(this.onFailure));
  }
}

const MAIL_JOB = 'account-message';
const MailJob = z.strictObject({ job: z.literal(MAIL_JOB), message: AccountMessage.nullable() });

/**
 * AWS: one message on the zone's queue (KMS-encrypted, retried, dead-lettered) for every
 * request, a decoy (`message: null`) when there is nothing to send; the zone's oidc function
 * delivers them from the queue, so no answer waits for SES or tells by its time.
 */
export class SqsMailQueue implements MailQueue {
  constructor(
    private readonly sqs: SqsSource,
    private readonly queueUrl: string,
  ) {}

  async enqueue(message: AccountMessage | undefined): Promise<void> {
    const { client, SendMessageCommand } = await sqsOf(this.sqs);
    await client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ job: MAIL_JOB, message: message ?? null }),
      }),
    );
  }
}

/** Whether a queued record is an account message (or its decoy) rather than another job. */
export const isMailJob = (record: Pick<SQSRecord, 'body'>): boolean => {
  try {
    return (JSON.parse(record.body) as { job?: unknown })?.job === MAIL_JOB;
  } catch {
    return false;
  }
};

/**
 * Sends queued account messages and drops decoys; the ids of records whose sending failed
 * (SQS retries only them). A record that does not parse is dropped: no retry could help.
 */
export const deliverMailJobs = async (
  notifier: Notifier,
  records: readonly Pick<SQSRecord, 'body' | 'messageId'>[],
  onFailure: (err: unknown) => void = () => undefined,
): Promise<Array<{ itemIdentifier: string }>> => {
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of records) {
    let job: z.infer<typeof MailJob>;
    try {
      job = MailJob.parse(JSON.parse(record.body));
    } catch {
      continue;
    }
    if (!job.message) continue;
    try {
      await notifier.send(job.message);
    } catch (err: unknown) {
      onFailure(err);
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return failures;
};
