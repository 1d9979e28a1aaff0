/** The contact details page of the account centre: email and phone, each with its code. */

import { type Account, maskPhone, type PendingContact } from '../../libs/accounts/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import {
  errorSummary,
  type FieldError,
  field,
  formatDate,
  formatTime,
  type Html,
  hidden,
  html,
  type Lang,
} from '../../libs/web/index.ts';
import { nav, type View } from './views.ts';
import { aw } from './words.ts';

/** What a finished change says at the top of the page (post, redirect, get). */
export const CONTACT_DONE = ['email', 'email-confirmed', 'phone', 'phone-removed'] as const;
export type ContactDone = (typeof CONTACT_DONE)[number];
const DONE_WORD = {
  email: 'contact_doneEmail',
  'email-confirmed': 'contact_doneEmailConfirmed',
  phone: 'contact_donePhone',
  'phone-removed': 'contact_donePhoneRemoved',
} as const;

export interface ContactPage {
  readonly account: Account;
  /** Signed in fresh enough to change anything; otherwise the page says how. */
  readonly fresh: boolean;
  /** Where a fresh sign-in starts. */
  readonly freshHref: string;
  /** SMS can be sent (AWS End User Messaging configured, or the local outbox). */
  readonly smsOffered: boolean;
  readonly pending: { readonly email?: PendingContact; readonly phone?: PendingContact };
  readonly done?: ContactDone;
  readonly values?: { readonly email?: string; readonly phone?: string };
  readonly errors?: readonly FieldError[];
}

const codeForm = (
  lang: Lang,
  session: PortalSession,
  kind: 'email' | 'phone',
  pending: PendingContact,
  errors: readonly FieldError[],
) => {
  const name = `${kind}-otp`;
  const target = kind === 'phone' ? maskPhone(pending.target) : pending.target;
  return html`<form method="post" action="account/contact/${kind}/confirm" novalidate id="${kind}-code-form">${hidden('csrf', session.csrf)}
<p class="notice" role="status" id="${kind}-code-sent">${aw(lang, 'contact_codeSent', { target, time: formatTime(lang, pending.expiresAt) })}</p>
${field({ name, label: aw(lang, 'contact_code'), hint: aw(lang, 'contact_codeHint'), autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 6, error: errors.find((e) => e.field === name)?.message })}
<button type="submit">${aw(lang, 'contact_confirm')}</button></form>`;
};

const verifiedWord = (lang: Lang, at: string | undefined): Html =>
  at
    ? html`<span class="tag">${aw(lang, 'contact_verified', { date: formatDate(lang, at) })}</span>`
    : html`<span class="tag off">${aw(lang, 'contact_unverified')}</span>`;

/** The page: what is held and verified, pending codes, and the forms when the sign-in is fresh. */
export const contactView = (lang: Lang, session: PortalSession, o: ContactPage): View => {
  const { account } = o;
  const errors = o.errors ?? [];
  const error = (name: string) => errors.find((e) => e.field === name)?.message;
  const fresh = o.fresh
    ? html``
    : html`<div class="notice" id="fresh-needed"><h2>${aw(lang, 'contact_freshTitle')}</h2><p>${aw(lang, 'contact_freshLead')}</p><p><a class="button" id="fresh-link" href="${o.freshHref}">${aw(lang, 'contact_freshLink')}</a></p></div>`;
  const email = html`<section aria-labelledby="email-title"><h2 id="email-title">${aw(lang, 'contact_email')}</h2>
<dl><dt>${aw(lang, 'contact_email')}</dt><dd><span id="current-email" class="wrap">${account.email ?? aw(lang, 'contact_none')}</span> ${account.email ? verifiedWord(lang, account.emailVerifiedAt) : ''}</dd></dl>
${account.email && !account.emailVerifiedAt ? html`<p>${aw(lang, 'contact_unverifiedLead')}</p>` : ''}
${
  o.fresh
    ? html`${o.pending.email ? codeForm(lang, session, 'email', o.pending.email, errors) : ''}
${
  account.email && !account.emailVerifiedAt && !o.pending.email
    ? html`<form method="post" action="account/contact/email" id="confirm-current-form">${hidden('csrf', session.csrf)}${hidden('email', account.email)}<button type="submit" class="secondary">${aw(lang, 'contact_confirmCurrent')}</button></form>`
    : ''
}
<form method="post" action="account/contact/email" novalidate id="email-form">${hidden('csrf', session.csrf)}
${field({ name: 'email', type: 'email', label: aw(lang, 'contact_newEmail'), hint: aw(lang, 'contact_newEmailHint'), autocomplete: 'email', maxlength: 254, value: o.values?.email, error: error('email') })}
<button type="submit">${aw(lang, 'contact_sendCode')}</button></form>`
    : ''
}</section>`;
  const phoneNow = account.phone && account.phoneVerifiedAt ? account.phone : undefined;
  const phone = html`<section aria-labelledby="phone-title"><h2 id="phone-title">${aw(lang, 'contact_phone')}</h2>
<dl><dt>${aw(lang, 'contact_phone')}</dt><dd><span id="current-phone">${phoneNow ? maskPhone(phoneNow) : aw(lang, 'contact_none')}</span> ${phoneNow ? verifiedWord(lang, account.phoneVerifiedAt) : ''}</dd></dl>
<p>${aw(lang, 'contact_phoneUse')}</p>
${
  !o.smsOffered
    ? html`<p id="phone-not-offered">${aw(lang, 'contact_phoneNotOffered')}</p>`
    : o.fresh
      ? html`${o.pending.phone ? codeForm(lang, session, 'phone', o.pending.phone, errors) : ''}
<form method="post" action="account/contact/phone" novalidate id="phone-form">${hidden('csrf', session.csrf)}
${field({ name: 'phone', type: 'tel', label: aw(lang, 'contact_newPhone'), hint: aw(lang, 'contact_newPhoneHint'), autocomplete: 'tel', maxlength: 24, value: o.values?.phone, error: error('phone') })}
<button type="submit">${aw(lang, 'contact_sendCode')}</button></form>
${phoneNow ? html`<form method="post" action="account/contact/phone/remove" id="phone-remove-form">${hidden('csrf', session.csrf)}<button type="submit" class="secondary">${aw(lang, 'contact_removePhone')}</button></form>` : ''}`
      : ''
}</section>`;
  const done = o.done
    ? html`<div class="notice" role="status" id="contact-done"><p>${aw(lang, DONE_WORD[o.done])}</p></div>`
    : '';
  return {
    title: aw(lang, 'contact_title'),
    body: html`${errorSummary(lang, errors)}<h1>${aw(lang, 'contact_title')}</h1>${nav(lang, session)}${done}<p class="lead">${aw(lang, 'contact_lead')}</p>${fresh}${email}${phone}`,
  };
};

/** Too many codes: the page says which limit and when to try again (429). */
export const contactLimitedView = (lang: Lang, session: PortalSession, window: 'hour' | 'day'): View => ({
  title: aw(lang, 'contact_limitedTitle'),
  body: html`<h1>${aw(lang, 'contact_limitedTitle')}</h1>${nav(lang, session)}<p id="contact-limited">${aw(lang, window === 'hour' ? 'contact_limitedHour' : 'contact_limitedDay')}</p><p><a href="account/contact">${aw(lang, 'contact_title')}</a></p>`,
});
