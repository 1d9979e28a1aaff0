import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SourceThrottle } from './lockout.ts';
import { type Account, normaliseEmail, recipientOf } from './model.ts';
import { type AccountMessage, type MailQueue, type NoticeKind, noticeMessages } from './notifier.ts';
import type { CodePolicy, OneTimeCodes } from './one-time-code.ts';
import type { AccountStore } from './store.ts';

/** The two contact details a person proves they hold. */
export type ContactKind = 'email' | 'phone';

/**
 * How many codes may be sent, per account and per address or number (whoever's it is), per hour
 * and per day: a stolen session cannot turn yitong into a mail or SMS cannon, nor run up the
 * SMS bill.
 */
export interface ContactLimits {
  /** @default 5 */
  readonly accountPerHour: number;
  /** @default 10 */
  readonly accountPerDay: number;
  /** @default 3 */
  readonly destinationPerHour: number;
  /** @default 5 */
  readonly destinationPerDay: number;
}

export const DEFAULT_CONTACT_LIMITS: ContactLimits = {
  accountPerHour: 5,
  accountPerDay: 10,
  destinationPerHour: 3,
  destinationPerDay: 5,
};

/**
 * A contact code: 6 digits (typed from a phone), 10 minutes, 5 tries per hour per account and
 * kind whatever the number of codes asked for. The send limits above are the tighter ones.
 */
const CODE_POLICY: CodePolicy = {
  maxRequests: 10,
  maxAttempts: 5,
  windowSeconds: 3600,
  codeSeconds: 600,
  digits: 6,
};

export type ContactStart =
  | { readonly outcome: 'sent'; readonly expiresAt: string }
  /** Which budget is spent: the account's or the address's/number's, for the hour or the day. */
  | {
      readonly outcome: 'limited';
      readonly scope: 'account' | 'destination';
      readonly window: 'hour' | 'day';
    };

export type ContactConfirm =
  | {
      readonly outcome: 'verified';
      readonly account: Account;
      /** The address or number it replaced, if any (the same one when an address was only confirmed). */
      readonly previous?: string;
      /** The notices queued (to the old address and the verified phone): none for a confirmation. */
      readonly notice?: NoticeKind;
    }
  | { readonly outcome: 'refused' };

/** What the person asked to verify and until when its code works. */
export interface PendingContact {
  readonly target: string;
  readonly expiresAt: string;
}

export interface ContactDetailsDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly accounts: AccountStore;
  readonly mail: MailQueue;
  /** Versions of the `contact-code-key` secret, newest first (keyed hashes, as reset codes). */
  readonly codeKeys: readonly string[];
  readonly limits?: ContactLimits;
}

const codeKey = (accountId: string, kind: ContactKind) => ({ pk: `contact#${accountId}`, sk: kind });
/** A budget key that names no address: the throttle items outlive the codes and hold no personal data. */
const destinationOf = (target: string) =>
  createHash('sha256').update(target).digest('base64url').slice(0, 32);

/**
 * A person's email address and phone number, each counting only once a code sent to it comes
 * back: a new address or number waits as pending (with the hash of its code, OneTimeCodes) and
 * replaces the old one when confirmed, and the old one is told. Sending is limited per account
 * and per address or number, per hour and per day.
 */
export class ContactDetails {
  private readonly codes: Promise<OneTimeCodes>;
  private readonly budgets: ReadonlyArray<{
    readonly scope: 'account' | 'destination';
    readonly window: 'hour' | 'day';
    readonly throttle: SourceThrottle;
  }>;

  constructor(private readonly deps: ContactDetailsDeps) {
    this.codes = import('./one-time-code.ts').then(
      ({ OneTimeCodes }) => new OneTimeCodes(deps.doc, deps.table, deps.codeKeys, CODE_POLICY),
    );
    const limits = deps.limits ?? DEFAULT_CONTACT_LIMITS;
    const throttle = (limit: number, seconds: number) =>
      new SourceThrottle(deps.doc, deps.table, limit, seconds);
    this.budgets = [
      { scope: 'account', window: 'hour', throttle: throttle(limits.accountPerHour, 3600) },
      { scope: 'account', window: 'day', throttle: throttle(limits.accountPerDay, 86_400) },
      { scope: 'destination', window: 'hour', throttle: throttle(limits.destinationPerHour, 3600) },
      { scope: 'destination', window: 'day', throttle: throttle(limits.destinationPerDay, 86_400) },
    ];
  }

  /**
   * Sends a code to `target` (a new or unconfirmed address, an E.164 mobile number) if the
   * account's and the target's budgets allow; the code replaces any earlier one of that kind.
   */
  async start(
    account: Account,
    kind: ContactKind,
    target: string,
    lang: 'zh-CN' | 'en',
  ): Promise<ContactStart> {
    const to = kind === 'email' ? normaliseEmail(target) : target;
    for (const budget of this.budgets) {
      const who = budget.scope === 'account' ? account.id : `${kind}|${destinationOf(to)}`;
      if (!(await budget.throttle.allow(`contact-${budget.window}|${budget.scope}|${who}`)))
        return { outcome: 'limited', scope: budget.scope, window: budget.window };
    }
    const issued = await (await this.codes).issue(codeKey(account.id, kind), { target: to });
    if (!issued) return { outcome: 'limited', scope: 'account', window: 'hour' };
    const expiresAt = new Date(issued.expiresAt * 1000).toISOString();
    const message: AccountMessage = {
      kind: 'contact-code',
      channel: kind === 'email' ? 'email' : 'sms',
      purpose: kind,
      to: {
        accountId: account.id,
        loginName: account.loginName,
        ...(kind === 'email' ? { email: to } : { phone: to }),
      },
      lang,
      code: issued.code,
      expiresAt,
    };
    await this.deps.mail.enqueue(message);
    return { outcome: 'sent', expiresAt };
  }

  /** The address or number waiting for its code, if its code still works. */
  async pending(account: Account, kind: ContactKind): Promise<PendingContact | undefined> {
    const item = await (await this.codes).pending(codeKey(account.id, kind));
    // A code past its time is no longer offered as waiting (outside attack).
    return typeof item?.target === 'string' && Number(item.codeExpiresAt) * 1000 > Date.now()
      ? { target: item.target, expiresAt: new Date(Number(item.codeExpiresAt) * 1000).toISOString() }
      : undefined;
  }

  /** Forgets the pending address or number (its code stops working; the budgets stay spent). */
  async cancel(account: Account, kind: ContactKind): Promise<void> {
    await (await this.codes).withdraw(codeKey(account.id, kind));
  }

  /**
   * Makes the pending address or number the account's if `code` is its code (used once), and
   * tells the person on the channels they had before the change.
   */
  async confirm(
    account: Account,
    kind: ContactKind,
    code: string,
    lang: 'zh-CN' | 'en',
  ): Promise<ContactConfirm> {
    const item = await (await this.codes).redeem(codeKey(account.id, kind), code);
    if (typeof item?.target !== 'string') return { outcome: 'refused' };
    const at = new Date().toISOString();
    const current = (await this.deps.accounts.findById(account.id)) ?? account;
    const previous = kind === 'email' ? current.email : current.phoneVerifiedAt ? current.phone : undefined;
    const changed =
      kind === 'email' ? normaliseEmail(previous ?? '') !== item.target : previous !== item.target;
    const next = await this.deps.accounts.update(
      current,
      kind === 'email'
        ? { email: item.target, emailVerifiedAt: at }
        : { phone: item.target, phoneVerifiedAt: at },
    );
    const notice: NoticeKind | undefined = changed
      ? kind === 'email'
        ? 'email-changed'
        : 'phone-changed'
      : undefined;
    // The old address (or the old number, and the address) learns of the change; the new one
    // has just proved itself.
    if (notice) await this.notify(recipientOf(current), notice, lang);
    return { outcome: 'verified', account: next, previous, notice };
  }

  /** Removes the verified phone: reset codes and notices go by email only, and the old number is told. */
  async removePhone(account: Account, lang: 'zh-CN' | 'en'): Promise<Account> {
    const next = await this.deps.accounts.update(account, { phone: undefined, phoneVerifiedAt: undefined });
    await this.cancel(account, 'phone');
    await this.notify(recipientOf(account), 'phone-changed', lang);
    return next;
  }

  private async notify(to: ReturnType<typeof recipientOf>, notice: NoticeKind, lang: 'zh-CN' | 'en') {
    for (const message of noticeMessages(to, notice, lang)) await this.deps.mail.enqueue(message);
  }
}
