/** The account centre's sign-in and security pages (issue #21): passkeys, authenticator app, recovery codes, password. */

import type { Passkey } from '../../libs/accounts/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import {
  errorSummary,
  type FieldError,
  field,
  formatDate,
  formatTime,
  hidden,
  html,
  type Lang,
  t,
} from '../../libs/web/index.ts';
import { nav, type View } from './views.ts';
import { type AccountWord, aw } from './words.ts';

/** What a person's factors let them do, as the page shows it. */
export interface FactorsShown {
  readonly passkeys: readonly Passkey[];
  /** When the authenticator app was set up; undefined when there is none. */
  readonly totpSince?: string;
  readonly recoveryLeft: number;
  /** The highest level the account can sign in at now. */
  readonly level: 1 | 2 | 3;
  /** The level left if its last passkey went: what removing it warns of. */
  readonly levelWithoutPasskeys: 1 | 2;
  /** Whether the account may be left without a second factor (staff accounts may not). */
  readonly mayDropSecondFactor: boolean;
}

/** What just happened, said once after a change (post, redirect, get). */
export const DONE = {
  'passkey-renamed': 'sec_done_passkeyRenamed',
  'passkey-removed': 'sec_done_passkeyRemoved',
  'passkey-added': 'sec_done_passkeyAdded',
  'totp-replaced': 'sec_done_totpReplaced',
} as const satisfies Record<string, AccountWord>;
export type Done = keyof typeof DONE;

const passkeyName = (lang: Lang, p: Passkey) => p.name ?? aw(lang, 'sec_passkeyUnnamed');

/** A short, stable id for a passkey's form fields (credential ids are long). */
export const passkeyFieldId = (credentialId: string) => credentialId.replace(/[^\w-]/g, '').slice(0, 16);

/** The passkeys, each with its dates and, while the sign-in is fresh, its rename and remove forms. */
const passkeyCards = (
  lang: Lang,
  session: PortalSession,
  f: FactorsShown,
  fresh: boolean,
  errors: readonly FieldError[],
) => {
  const last = f.passkeys.length === 1;
  return html`<ul class="cards" id="passkeys">${f.passkeys.map((p) => {
    const id = passkeyFieldId(p.credentialId);
    const nameError = errors.find((e) => e.field === `name-${id}`)?.message;
    const removeError = errors.find((e) => e.field === `understood-${id}`)?.message;
    return html`<li data-passkey="${p.credentialId}">
<h3 class="wrap">${passkeyName(lang, p)}</h3>
<dl>
<dt>${aw(lang, 'sec_added')}</dt><dd>${formatTime(lang, p.createdAt)}</dd>
<dt>${aw(lang, 'sec_lastUsed')}</dt><dd>${p.lastUsedAt ? formatTime(lang, p.lastUsedAt) : aw(lang, 'sec_neverUsed')}</dd>
</dl>${
      fresh
        ? html`<form method="post" action="account/security/passkeys/rename" novalidate>${hidden('csrf', session.csrf)}${hidden('passkey', p.credentialId)}
${field({ name: `name-${id}`, label: aw(lang, 'sec_name'), hint: aw(lang, 'sec_nameHint'), value: p.name ?? '', error: nameError, autocomplete: 'off', maxlength: 60 })}
<button type="submit" class="secondary">${aw(lang, 'sec_rename')}<span class="visually-hidden">: ${passkeyName(lang, p)}</span></button></form>
<form method="post" action="account/security/passkeys/remove" novalidate>${hidden('csrf', session.csrf)}${hidden('passkey', p.credentialId)}${
            last && f.level > f.levelWithoutPasskeys
              ? f.mayDropSecondFactor || f.levelWithoutPasskeys >= 2
                ? html`<div class="field${removeError ? ' error' : ''}"><div class="notice" id="last-passkey-${id}"><p>${aw(lang, 'sec_removeLastLead', { level: f.levelWithoutPasskeys })}</p></div>
${removeError ? html`<p class="message" id="understood-${id}-error">${removeError}</p>` : ''}
<div class="checkboxes"><div><input type="checkbox" id="understood-${id}" name="understood" value="yes" aria-describedby="last-passkey-${id}${removeError ? ` understood-${id}-error` : ''}"><label for="understood-${id}">${aw(lang, 'sec_removeUnderstood')}</label></div></div></div>`
                : html`<div class="notice" id="last-passkey-${id}"><p>${aw(lang, 'sec_removeRefused')}</p></div>`
              : ''
          }
<button type="submit" class="secondary">${aw(lang, 'sec_remove')}<span class="visually-hidden">: ${passkeyName(lang, p)}</span></button></form>`
        : ''
    }</li>`;
  })}</ul>`;
};

/**
 * The sign-in and security page: what the account has, and — only while the person's sign-in is
 * fresh at the account's highest level — the forms that change it; before that, one button to
 * confirm it's them.
 */
export const securityView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly factors: FactorsShown;
    readonly fresh: boolean;
    readonly done?: Done;
    readonly errors?: readonly FieldError[];
    /** Adding a passkey: the form and its script's options, while fresh. */
    readonly addPasskey?: boolean;
  },
): View => {
  const { factors: f, fresh, errors = [] } = o;
  const title = aw(lang, 'sec_title');
  const addError = errors.find((e) => e.field === 'passkey-name')?.message;
  return {
    title,
    body: html`${errorSummary(lang, errors)}<h1>${title}</h1><p class="lead">${aw(lang, 'sec_lead')}</p>${nav(lang, session)}${
      o.done ? html`<div class="notice" role="status" id="done"><p>${aw(lang, DONE[o.done])}</p></div>` : ''
    }
<p id="level">${aw(lang, 'sec_level', { level: f.level })}</p>${
      fresh
        ? html`<p id="fresh">${aw(lang, 'sec_freshNote')}</p>`
        : html`<div class="notice" id="confirm"><h2>${aw(lang, 'sec_confirmTitle')}</h2><p>${aw(lang, 'sec_confirmLead', { level: f.level })}</p>
<p><a class="button" id="confirm-link" href="account/security/confirm">${aw(lang, 'sec_confirm')}</a></p></div>`
    }
<h2 id="passkeys-title">${aw(lang, 'sec_passkeys')}</h2>
<p>${aw(lang, 'sec_passkeysLead')}</p>
${f.passkeys.length ? passkeyCards(lang, session, f, fresh, errors) : html`<p id="no-passkeys">${aw(lang, 'sec_noPasskeys')}</p>`}
${
  fresh && o.addPasskey
    ? html`<h3>${aw(lang, 'sec_addPasskey')}</h3>
<div id="passkey-block" class="js-only"><p>${aw(lang, 'sec_addPasskeyLead')}</p>
<form method="post" action="account/security/passkeys" novalidate>${hidden('csrf', session.csrf)}${hidden('credential', '')}
${field({ name: 'passkey-name', label: aw(lang, 'sec_name'), hint: aw(lang, 'sec_nameHint'), error: addError, autocomplete: 'off', maxlength: 60 })}
<p id="passkey-error" class="message" role="alert"></p>
<button type="button" id="passkey-add">${aw(lang, 'sec_addPasskey')}</button></form></div>
<noscript><p>${aw(lang, 'sec_addPasskeyNoScript')}</p></noscript>`
    : ''
}
<h2 id="totp-title">${aw(lang, 'sec_totp')}</h2>
<p id="totp-state">${f.totpSince ? aw(lang, 'sec_totpOn', { date: formatDate(lang, f.totpSince) }) : aw(lang, 'sec_totpOff')}</p>
${fresh ? html`<p><a class="button secondary" id="totp-link" href="account/security/totp">${aw(lang, f.totpSince ? 'sec_totpReplace' : 'sec_totpAdd')}</a></p>` : ''}
<h2 id="recovery-title">${aw(lang, 'sec_recovery')}</h2>
<p>${aw(lang, 'sec_recoveryLead')}</p>
${
  f.totpSince
    ? html`<p id="recovery-left">${aw(lang, 'sec_recoveryLeft', { count: f.recoveryLeft })}</p>${
        fresh
          ? html`<form method="post" action="account/security/recovery-codes">${hidden('csrf', session.csrf)}
<p class="hint" id="regenerate-hint">${aw(lang, 'sec_recoveryRegenerateHint')}</p>
<button type="submit" class="secondary" aria-describedby="regenerate-hint">${aw(lang, 'sec_recoveryRegenerate')}</button></form>`
          : ''
      }`
    : html`<p>${aw(lang, 'sec_recoveryNone')}</p>`
}
<h2 id="password-title">${aw(lang, 'sec_password')}</h2>
<p>${aw(lang, 'sec_passwordLead')}</p>
<p><a class="button secondary" id="password-link" href="password/change?lang=${lang}">${aw(lang, 'sec_passwordChange')}</a></p>`,
  };
};

/** A new authenticator app: its QR code and key, and the code that confirms it. */
export const totpView = (
  lang: Lang,
  session: PortalSession,
  o: { readonly qr: string; readonly secret: string; readonly pending: string; readonly error?: string },
): View => {
  const title = aw(lang, 'sec_totpTitle');
  return {
    title,
    body: html`${errorSummary(lang, o.error ? [{ field: 'otp', message: o.error }] : [])}<h1>${title}</h1>${nav(lang, session)}
<p class="lead">${aw(lang, 'sec_totpLead')}</p>
<p><img src="${o.qr}" width="200" height="200" alt="${aw(lang, 'sec_totpQr')}"></p>
<p>${aw(lang, 'sec_totpKey')}: <span class="secret" id="totp-secret">${o.secret}</span></p>
<form method="post" action="account/security/totp" novalidate>${hidden('csrf', session.csrf)}${hidden('pending', o.pending)}
${field({ name: 'otp', label: aw(lang, 'sec_totpCode'), hint: aw(lang, 'sec_totpCodeHint'), autocomplete: 'one-time-code', inputmode: 'numeric', error: o.error, maxlength: 6 })}
<button type="submit">${aw(lang, 'sec_totpConfirm')}</button></form>
<p><a href="account/security">${aw(lang, 'sec_back')}</a></p>`,
  };
};

/** New recovery codes, shown this once (the page is never cached). */
export const recoveryCodesView = (
  lang: Lang,
  session: PortalSession,
  o: { readonly codes: readonly string[]; readonly loginName: string; readonly lead?: string },
): View => {
  const title = aw(lang, 'sec_recoveryTitle');
  const file = [t(lang, 'recoveryFileTitle', { name: o.loginName }), '', ...o.codes, ''].join('\r\n');
  return {
    title,
    body: html`<h1>${title}</h1>${nav(lang, session)}${o.lead ? html`<div class="notice" role="status" id="done"><p>${o.lead}</p></div>` : ''}
<p class="lead">${aw(lang, 'sec_recoveryShownOnce')}</p>
<ul class="codes" id="recovery-codes">${o.codes.map((code) => html`<li>${code}</li>`)}</ul>
<p><a class="button secondary" id="recovery-download" download="yitong-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(file)}">${t(lang, 'recoveryDownload')}</a></p>
<p><a class="button" href="account/security">${aw(lang, 'sec_back')}</a></p>`,
  };
};
