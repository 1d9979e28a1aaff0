import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { type AccountMessage, messageTextOf, type Notifier } from '../accounts/index.ts';
import { traced } from '../observability/index.ts';

/** Where SMS come from on AWS End User Messaging (docs/operations.md, "SMS"). */
export interface SmsSettings {
  /** The origination identity: the ARN of a phone number, sender ID or pool. */
  readonly originationIdentity: string;
  /** A configuration set (event destinations, country rules). @default none */
  readonly configurationSet?: string;
  /** The most one message may cost, in US dollars (SendTextMessage `MaxPrice`). @default none: the account's spend limit only */
  readonly maxPrice?: string;
}

/** An SMS is short: the body alone, signed, as Chinese carriers expect (【签名】). */
export const smsText = async (m: AccountMessage): Promise<string> => {
  const { body } = await messageTextOf(m);
  return m.lang === 'en' ? `[yitong] ${body}` : `【一通】${body}`;
};

/**
 * AWS: SMS through End User Messaging (SendTextMessage, transactional) to the message's number:
 * the verified phone of a notice or reset, or the number a code is proving. Any message kind:
 * contact codes of the account centre and of identity proofing alike. The client is built on
 * first use and kept; the zone's oidc function loads this lib only when it first sends an SMS,
 * so neither it nor the SDK is on any cold start.
 */
export class SmsNotifier implements Notifier {
  private client: PinpointSMSVoiceV2Client | undefined;

  constructor(private readonly settings: SmsSettings) {}

  async send(message: AccountMessage): Promise<void> {
    const to = message.channel === 'sms' ? message.to.phone : undefined;
    if (!to) return;
    this.client ??= traced(new PinpointSMSVoiceV2Client({}));
    const { originationIdentity, configurationSet, maxPrice } = this.settings;
    await this.client.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: to,
        OriginationIdentity: originationIdentity,
        MessageBody: await smsText(message),
        MessageType: 'TRANSACTIONAL',
        // A code is worthless once expired: a carrier must not deliver it late.
        ...(message.kind === 'notice'
          ? {}
          : { TimeToLive: Math.max(5, Math.floor((Date.parse(message.expiresAt) - Date.now()) / 1000)) }),
        ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
        ...(maxPrice ? { MaxPrice: maxPrice } : {}),
        // What it was, never the code: shows in the configuration set's delivery events.
        Context: {
          kind: message.kind,
          ...(message.kind === 'contact-code' ? { purpose: message.purpose } : {}),
        },
      }),
    );
  }
}
