import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxNotifier, SesNotifier } from '../../libs/accounts/index.ts';
import { messageText } from '../../libs/accounts/message-text.ts';
import type { AccountMessage } from '../../libs/accounts/notifier.ts';

const message = (lang: AccountMessage['lang'], email?: string): AccountMessage => ({
  kind: 'password-reset',
  to: { accountId: 'a1', loginName: 'li.lei', email },
  lang,
  code: '12345678',
  expiresAt: '2026-11-27T12:00:00.000Z',
});

describe('account messages', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());

  it('are emailed through SES from the configured sender, in the person’s language', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm1' });
    await new SesNotifier('no-reply@id.gov.example').send(message('zh-CN', 'li.lei@example.gov'));
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.FromEmailAddress).toBe('no-reply@id.gov.example');
    expect(input.Destination?.ToAddresses).toEqual(['li.lei@example.gov']);
    expect(input.Content?.Simple?.Body?.Text?.Data).toContain('12345678');
    expect(input.Content?.Simple?.Subject?.Data).toBe('一通密码重置验证码');
  });

  it('are not sent by SES to an account without an email address', async () => {
    await new SesNotifier('no-reply@id.gov.example').send(message('en'));
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('land in the local outbox and on the console', async () => {
    const lines: string[] = [];
    const outbox = new OutboxNotifier((line) => lines.push(line));
    await outbox.send(message('en', 'li.lei@example.gov'));
    expect(outbox.messages).toHaveLength(1);
    expect(lines[0]).toContain(messageText(message('en')).subject);
    expect(lines[0]).toContain('12345678');
  });
});
