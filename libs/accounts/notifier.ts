/** A message to a person about their account; the text is rendered by the notifier in their language. */
export interface AccountMessage {
  readonly kind: 'password-reset';
  readonly to: { readonly accountId: string; readonly loginName: string; readonly email?: string };
  readonly lang: 'zh-CN' | 'en';
  readonly code: string;
  readonly expiresAt: string;
}

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

/** AWS: email through SES v2. The client is loaded on first use, keeping it off the cold start. */
export class SesNotifier implements Notifier {
  constructor(private readonly from: string) {}

  async send(message: AccountMessage): Promise<void> {
    if (!message.to.email) return;
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const { subject, body } = messageText(message);
    await new SESv2Client({}).send(
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
