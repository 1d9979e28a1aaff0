import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccountMessage,
  ChannelNotifier,
  maskPhone,
  parsePhone,
  SesNotifier,
} from '../../libs/accounts/index.ts';
import { SmsNotifier } from '../../libs/sms/index.ts';

const SENDER = 'arn:aws:sms-voice:ap-east-1:111122223333:phone-number/phone-0123456789abcdef';

const code = (lang: AccountMessage['lang'], channel: 'email' | 'sms' = 'sms'): AccountMessage => ({
  kind: 'contact-code',
  channel,
  purpose: 'phone',
  to: { accountId: 'a1', loginName: 'li.lei', phone: '+8613800138000', email: 'li.lei@example.gov' },
  lang,
  code: '482913',
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
});

describe('the SMS port (AWS End User Messaging)', () => {
  const sms = mockClient(PinpointSMSVoiceV2Client);
  const ses = mockClient(SESv2Client);
  afterEach(() => {
    sms.reset();
    ses.reset();
  });

  it('sends a transactional text from the origination identity to the message’s number, code in the body only', async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    await new SmsNotifier({ originationIdentity: SENDER, configurationSet: 'yitong', maxPrice: '0.10' }).send(
      code('zh-CN'),
    );
    const input = sms.commandCalls(SendTextMessageCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      DestinationPhoneNumber: '+8613800138000',
      OriginationIdentity: SENDER,
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: 'yitong',
      MaxPrice: '0.10',
      Context: { kind: 'contact-code', purpose: 'phone' },
    });
    expect(input.MessageBody).toMatch(/^【一通】您的一通验证码为 482913/);
    // The code lives no longer in the carrier's queue than it works.
    expect(input.TimeToLive).toBeGreaterThan(500);
    expect(input.TimeToLive).toBeLessThanOrEqual(600);
    expect(JSON.stringify(input.Context)).not.toContain('482913');
  });

  it('sends nothing for an email message, or a notice to a person without a verified phone', async () => {
    const notifier = new SmsNotifier({ originationIdentity: SENDER });
    await notifier.send(code('en', 'email'));
    await notifier.send({
      kind: 'notice',
      channel: 'sms',
      notice: 'email-changed',
      to: { accountId: 'a1', loginName: 'li.lei' },
      lang: 'en',
      at: new Date().toISOString(),
    });
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(0);
  });

  it('lets a delivery failure reach the queue, which retries the message', async () => {
    sms.on(SendTextMessageCommand).rejects(new Error('ThrottlingException'));
    await expect(new SmsNotifier({ originationIdentity: SENDER }).send(code('en'))).rejects.toThrow(
      'ThrottlingException',
    );
  });

  it('is chosen by channel next to SES: each message goes out once, on its own channel', async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-2' });
    ses.on(SendEmailCommand).resolves({ MessageId: 'mail-2' });
    const notifier = new ChannelNotifier({
      email: new SesNotifier('no-reply@id.gov.example'),
      sms: new SmsNotifier({ originationIdentity: SENDER }),
    });
    await notifier.send(code('en', 'sms'));
    await notifier.send(code('en', 'email'));
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(1);
    expect(sms.commandCalls(SendTextMessageCommand)[0]!.args[0].input.MessageBody).toMatch(/^\[yitong\] /);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Destination?.ToAddresses).toEqual([
      'li.lei@example.gov',
    ]);
  });
});

describe('phone numbers', () => {
  it('are read as E.164, a mainland mobile without its country code included', () => {
    for (const typed of [
      '13800138000',
      '138 0013 8000',
      '+86 138-0013-8000',
      '008613800138000',
      '(+86)13800138000',
    ])
      expect(parsePhone(typed)).toEqual({ ok: true, phone: '+8613800138000' });
    expect(parsePhone('+852 5123 4567')).toEqual({ ok: true, phone: '+85251234567' });
  });

  it('refuse what is not a number, and a mainland number that is not a mobile', () => {
    expect(parsePhone('call me')).toEqual({ ok: false, problem: 'format' });
    expect(parsePhone('12345')).toEqual({ ok: false, problem: 'format' });
    expect(parsePhone('+0 1234 5678')).toEqual({ ok: false, problem: 'format' });
    expect(parsePhone('+86 10 6512 3456')).toEqual({ ok: false, problem: 'mobile' });
    expect(parsePhone('+86 12800138000')).toEqual({ ok: false, problem: 'mobile' });
  });

  it('are shown to their owner with the middle hidden', () => {
    expect(maskPhone('+8613800138000')).toBe('+86 138****8000');
    expect(maskPhone('+85251234567')).toBe('+852****4567');
  });
});
