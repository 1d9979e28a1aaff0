import { type Account, recipientOf } from './model.ts';
import { type AccountMessage, type MailQueue, type NoticeKind, noticeMessages } from './notifier.ts';

/**
 * Tells the person of a security-relevant change (issue #21) on every channel they have: their
 * email address, and their phone once verified. Every act that notices a person sends through here.
 */
export const sendNotice = async (
  mail: MailQueue,
  account: Pick<Account, 'id' | 'loginName' | 'email' | 'phone' | 'phoneVerifiedAt'>,
  notice: NoticeKind,
  lang: AccountMessage['lang'],
): Promise<void> => {
  for (const message of noticeMessages(recipientOf(account), notice, lang)) await mail.enqueue(message);
};
