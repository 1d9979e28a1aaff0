import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { traced } from '../observability/index.ts';

const Recipient = z.strictObject({
  accountId: z.string(),
  loginName: z.string(),
  email: z.string().optional(),
  /**
   * E.164 (`+8613800138000`): a phone number the person verified — or, for proofing's code
   * (`contact-code`, purpose `proofing`), the number the registry confirmed is theirs.
   */
  phone: z.string().optional(),
});
const Lang = z.enum(['zh-CN', 'en']);
/** How a message travels: email (SES on AWS) or SMS (AWS End User Messaging); the outbox locally. */
export const Channel = z.enum(['email', 'sms']);
export type Channel = z.infer<typeof Channel>;

/**
 * Security-relevant changes a person is told of (issue #21), on every channel they verified, so
 * that a change they did not make does not go unnoticed.
 */
export const NoticeKind = z.enum([
  'passkey-added',
  'passkey-removed',
  'totp-replaced',
  'recovery-codes-regenerated',
  'recovery-code-used',
  'password-changed',
  'email-changed',
  'phone-changed',
  'signed-out-everywhere',
  'consent-withdrawn',
  'account-closing',
  'account-closed',
  'account-closing-cancelled',
  'support-unlocked',
  'support-factor-reset',
  'support-disabled',
  'support-enabled',
  'totp-added',
]);
export type NoticeKind = z.infer<typeof NoticeKind>;

/** A message to a person about their account; the text is rendered by the notifier in their language. */
export const AccountMessage = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('password-reset'),
    channel: Channel.default('email'),
    to: Recipient,
    lang: Lang,
    code: z.string(),
    expiresAt: z.string(),
  }),
  /** A code proving the person holds an address or phone (a new email, a phone, proofing's phone check). */
  z.strictObject({
    kind: z.literal('contact-code'),
    channel: Channel,
    purpose: z.enum(['email', 'phone', 'proofing']),
    to: Recipient,
    lang: Lang,
    code: z.string(),
    expiresAt: z.string(),
  }),
  z.strictObject({
    kind: z.literal('notice'),
    channel: Channel,
    notice: NoticeKind,
    to: Recipient,
    lang: Lang,
    /** When the change happened. */
    at: z.string(),
  }),
]);
export type AccountMessage = z.input<typeof AccountMessage>;
export type Recipient = z.infer<typeof Recipient>;

/** How account messages leave the system: an outbox locally, SES (email) and End User Messaging (SMS) on AWS. */
export interface Notifier {
  send(message: AccountMessage): Promise<void>;
}

/**
 * The subject and body of a message in its language. The words load on first use (a chunk of
 * their own), so that no function carries them on its cold start.
 */
export const messageTextOf = async (m: AccountMessage): Promise<{ subject: string; body: string }> =>
  (await import('./message-text.ts')).messageText(m);

/** Where a message goes: the address or number of its channel; undefined when the person has none. */
export const addressOf = (m: AccountMessage): string | undefined =>
  (m.channel ?? 'email') === 'sms' ? m.to.phone : m.to.email;

/**
 * A notice of a security-relevant change, on every channel the person has: email when the account
 * has an address, SMS when it has a verified phone.
 */
export const noticeMessages = (
  to: Recipient,
  notice: NoticeKind,
  lang: AccountMessage['lang'],
  at: Date = new Date(),
): AccountMessage[] =>
  (['email', 'sms'] as const)
    .filter((channel) => (channel === 'sms' ? to.phone : to.email))
    .map((channel) => ({ kind: 'notice', channel, notice, to, lang, at: at.toISOString() }));

/** Routes each message to its channel's notifier; a channel without one drops its messages. */
export class ChannelNotifier implements Notifier {
  constructor(private readonly byChannel: Partial<Record<Channel, Notifier>>) {}

  async send(message: AccountMessage): Promise<void> {
    await this.byChannel[message.channel ?? 'email']?.send(message);
  }
}

/**
 * Local mode: messages are kept in memory for the outbox page and written to the console,
 * so a developer can complete a reset without any mail system.
 */
export class OutboxNotifier implements Notifier {
  readonly messages: Array<AccountMessage & { readonly sentAt: string }> = [];

  constructor(private readonly log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  async send(message: AccountMessage): Promise<void> {
    this.messages.push({ ...message, sentAt: new Date().toISOString() });
    if (this.messages.length > 500) this.messages.shift();
    const { subject, body } = await messageTextOf(message);
    this.log(
      `[outbox] ${message.channel ?? 'email'} to ${addressOf(message) ?? message.to.loginName}: ${subject} — ${body}`,
    );
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
    if ((message.channel ?? 'email') !== 'email' || !message.to.email) return;
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
    const { subject, body } = await messageTextOf(message);
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
    if (message) AccountMessage.parse(message);
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
