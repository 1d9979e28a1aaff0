import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import {
  type Account,
  ContactDetails,
  type ContactKind,
  normaliseEmail,
  parsePhone,
} from '../../libs/accounts/index.ts';
import type { FirstPartyPortal, PortalSession } from '../../libs/portal/index.ts';
import { mailQueueOf, type Runtime } from '../../libs/runtime/index.ts';
import type { FieldError, Lang } from '../../libs/web/index.ts';
import type { CompanyPagesDeps } from './companies.ts';
import { CONTACT_DONE, type ContactDone, contactLimitedView, contactView } from './contact-views.ts';
import { requestOrigin } from './origin.ts';
import type { AccountPage } from './views.ts';
import { aw } from './words.ts';

/** What the contact details pages need: the runtime, the portal and how pages are shown. */
export interface ContactPagesDeps {
  readonly runtime: Runtime;
  readonly portal: FirstPartyPortal;
  readonly client: string;
  /** How a page is shown: the same as for the company pages. */
  readonly show: CompanyPagesDeps['show'];
}

type Page = AccountPage;

const PATH = '/account/contact';
const Email = z.email().max(254);

/**
 * The account centre's contact details (issue #21): change the email address and add, change
 * or remove a mobile phone, each only with the code sent to the new address or number, after a
 * fresh sign-in; each change audited once and the person told on the channels they had.
 */
export const contactPages = (deps: ContactPagesDeps) => {
  const { runtime, portal, show } = deps;
  const { config } = runtime;
  let details: Promise<ContactDetails> | undefined;
  // The code key is read on first use: most requests of the portal never make a code.
  const contactDetails = () => {
    details ??= runtime.secrets.versions('contact-code-key').then(
      (codeKeys) =>
        new ContactDetails({
          doc: runtime.doc,
          table: config.tables.identity,
          accounts: runtime.accounts,
          mail: mailQueueOf(runtime),
          codeKeys,
        }),
    );
    details.catch(() => {
      details = undefined;
    });
    return details;
  };
  /** SMS can reach people: End User Messaging is configured, or the local outbox stands in. */
  const smsOffered = runtime.outbox !== undefined || config.localMode || config.sms !== undefined;

  const audit = (
    event: APIGatewayProxyEvent,
    account: Account,
    type: string,
    outcome: 'success' | 'failure' | 'denied',
    details: Record<string, string>,
    reason?: string,
  ) =>
    runtime.audit.append({
      type,
      outcome,
      zone: config.zone,
      client: deps.client,
      actor: account.id,
      subject: account.id,
      ...requestOrigin(event),
      reason,
      details,
    });

  const page = async (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    lang: Lang,
    account: Account,
    status = 200,
    extra: { done?: ContactDone; values?: { email?: string; phone?: string }; errors?: FieldError[] } = {},
  ) => {
    const fresh = portal.isFresh(session, account);
    const contact = fresh ? await contactDetails() : undefined;
    const [email, phone] = contact
      ? await Promise.all([contact.pending(account, 'email'), contact.pending(account, 'phone')])
      : [];
    return show(
      event,
      lang,
      status,
      contactView(lang, session, {
        account,
        fresh,
        freshHref: portal.freshSignIn(account, PATH).headers?.location as string,
        smsOffered,
        pending: { email, phone },
        ...extra,
      }),
      PATH,
    );
  };

  /** A change: the form is read (CSRF) and refused without a fresh sign-in, which it starts instead. */
  const change =
    (act: (form: URLSearchParams, ...args: Parameters<Page>) => Promise<APIGatewayProxyResult>): Page =>
    async (event, session, lang, account) => {
      const form = portal.readForm(event, session);
      if (!portal.isFresh(session, account)) return portal.freshSignIn(account, PATH);
      return act(form, event, session, lang, account);
    };

  const sendCode = (kind: ContactKind) =>
    change(async (form, event, session, lang, account) => {
      const typed = (form.get(kind) ?? '').trim().slice(0, 254);
      const again = (field: string, word: Parameters<typeof aw>[1]) =>
        page(event, session, lang, account, 400, {
          values: { [kind]: typed },
          errors: [{ field, message: aw(lang, word) }],
        });
      let target: string;
      if (kind === 'email') {
        if (!Email.safeParse(typed).success) return again('email', 'contact_errEmail');
        target = normaliseEmail(typed);
        if (account.emailVerifiedAt && account.email && normaliseEmail(account.email) === target)
          return again('email', 'contact_errSameEmail');
      } else {
        if (!smsOffered) return again('phone', 'contact_phoneNotOffered');
        const parsed = parsePhone(typed);
        if (!parsed.ok)
          return again('phone', parsed.problem === 'mobile' ? 'contact_errMobile' : 'contact_errPhone');
        target = parsed.phone;
        if (account.phoneVerifiedAt && account.phone === target)
          return again('phone', 'contact_errSamePhone');
      }
      const started = await (await contactDetails()).start(account, kind, target, lang);
      const channel = kind === 'email' ? 'email' : 'sms';
      if (started.outcome === 'limited') {
        await audit(
          event,
          account,
          'contact.code_sent',
          'denied',
          { channel, purpose: kind, limit: `${started.scope}-${started.window}` },
          `code limit reached (${started.scope}, per ${started.window})`,
        );
        return show(event, lang, 429, contactLimitedView(lang, session, started.window), PATH);
      }
      await audit(event, account, 'contact.code_sent', 'success', { channel, purpose: kind });
      return portal.redirect(`${portal.basePath}${PATH}#${kind}-code-form`);
    });

  const confirmCode = (kind: ContactKind) =>
    change(async (form, event, session, lang, account) => {
      const code = (form.get(`${kind}-otp`) ?? '').trim().slice(0, 32);
      const type = kind === 'email' ? 'contact.email_verified' : 'contact.phone_verified';
      const result = await (await contactDetails()).confirm(account, kind, code, lang);
      if (result.outcome === 'refused') {
        await audit(
          event,
          account,
          type,
          'failure',
          { channel: kind === 'email' ? 'email' : 'sms' },
          'wrong, expired or used code',
        );
        return page(event, session, lang, account, 400, {
          errors: [{ field: `${kind}-otp`, message: aw(lang, 'contact_errCode') }],
        });
      }
      await audit(event, result.account, type, 'success', {
        channel: kind === 'email' ? 'email' : 'sms',
        changed: result.notice ? 'yes' : 'no',
      });
      // "We told your old address" only when there was one to tell (outside attack).
      const done: ContactDone =
        kind === 'phone' ? 'phone' : result.notice && result.previous ? 'email' : 'email-confirmed';
      return portal.redirect(`${portal.basePath}${PATH}?done=${done}`);
    });

  const removePhone = change(async (_form, event, _session, lang, account) => {
    if (!account.phone) return portal.redirect(`${portal.basePath}${PATH}`);
    const next = await (await contactDetails()).removePhone(account, lang);
    await audit(event, next, 'contact.phone_removed', 'success', { channel: 'sms' });
    return portal.redirect(`${portal.basePath}${PATH}?done=phone-removed`);
  });

  const view: Page = async (event, session, lang, account) => {
    const done = CONTACT_DONE.find((d) => d === event.queryStringParameters?.done);
    return page(event, session, lang, account, 200, done ? { done } : {});
  };

  return {
    view,
    sendEmailCode: sendCode('email'),
    confirmEmail: confirmCode('email'),
    sendPhoneCode: sendCode('phone'),
    confirmPhone: confirmCode('phone'),
    removePhone,
  };
};
