import type { ProofingCodeSent } from '../../libs/identity/index.ts';
import {
  type ProofingFailurePageKind,
  type ProofingFormValues,
  proofingCodeSection,
  proofingFailurePage,
  proofingFormSection,
  pw,
} from '../../libs/proofing-pages/index.ts';
import {
  errorSummary,
  type FieldError,
  field,
  type Html,
  hidden,
  html,
  type Lang,
  t,
} from '../../libs/web/index.ts';
import { describeScope, OWN_SCOPE_WORDS } from './provider-views.ts';
import { sw } from './words.ts';

export { describeScope, messageBody } from './provider-views.ts';

/** What every sign-in page needs to know about where it is. */
export interface PageContext {
  readonly lang: Lang;
  readonly uid: string;
  readonly csrf: string;
  readonly clientName: string;
}

const cancelForm = (c: PageContext): Html =>
  html`<form method="post" action="interaction/${c.uid}/abort">${hidden('csrf', c.csrf)}
<button type="submit" class="secondary">${t(c.lang, 'cancel')}</button></form>`;

/** The way to reset the password from a sign-in, back to this sign-in afterwards. */
const resetHref = (c: PageContext) => `password/reset?interaction=${c.uid}&lang=${c.lang}`;

export const loginBody = (
  c: PageContext,
  o: {
    username?: string;
    errors?: readonly FieldError[];
    notice?: string;
    passkeys: boolean;
    /** Self-registration is offered (public zone only). */
    register: boolean;
    /** The wait is near or here: the way out, next to the message. */
    resetOffered?: boolean;
  },
): Html => {
  const error = (name: string) => o.errors?.find((e) => e.field === name)?.message;
  return html`${errorSummary(c.lang, o.errors ?? [])}
${o.notice ? html`<div class="notice" role="status">${o.notice}</div>` : ''}
${o.resetOffered ? html`<p id="reset-offer"><a href="${resetHref(c)}">${t(c.lang, 'resetYourPassword')}</a></p>` : ''}
<h1>${t(c.lang, 'signInTitle')}</h1>
<p class="lead">${t(c.lang, 'signInLead')} ${t(c.lang, 'signInTo', { client: c.clientName })}</p>
<form method="post" action="interaction/${c.uid}/login" novalidate>
${hidden('csrf', c.csrf)}${hidden('tz', '')}
${field({ name: 'username', label: t(c.lang, 'username'), autocomplete: 'username', value: o.username, error: error('username'), maxlength: 64, autofocus: !o.errors?.length })}
${field({ name: 'password', label: t(c.lang, 'password'), type: 'password', autocomplete: 'current-password', error: error('password'), maxlength: 256 })}
<button type="submit">${t(c.lang, 'signIn')}</button>
</form>
${
  o.passkeys
    ? html`<div class="js-only" id="passkey-block"><p>${t(c.lang, 'orPasskey')}</p>
<button type="button" class="secondary" id="passkey-login">${t(c.lang, 'passkeySignIn')}</button>
<p class="message" id="passkey-error" role="alert"></p></div>`
    : ''
}
${o.register ? html`<p>${t(c.lang, 'noAccount')} <a href="interaction/${c.uid}/register?lang=${c.lang}">${t(c.lang, 'register')}</a></p>` : ''}
<p><a href="${resetHref(c)}">${t(c.lang, 'forgotPassword')}</a> · <a href="password/change?lang=${c.lang}">${t(c.lang, 'changePassword')}</a></p>
${cancelForm(c)}`;
};

export const otpBody = (c: PageContext, o: { error?: string; stepUp: boolean }): Html =>
  html`${errorSummary(c.lang, o.error ? [{ field: 'otp', message: o.error }] : [])}
<h1>${t(c.lang, 'otpTitle')}</h1>
<p class="lead">${o.stepUp ? t(c.lang, 'stepUpLead', { client: c.clientName }) : t(c.lang, 'otpLead')}</p>
<form method="post" action="interaction/${c.uid}/otp" novalidate>
${hidden('csrf', c.csrf)}${hidden('tz', '')}
${field({ name: 'otp', label: t(c.lang, 'otp'), hint: t(c.lang, 'otpHint'), autocomplete: 'one-time-code', inputmode: 'numeric', error: o.error, maxlength: 16, autofocus: true })}
<button type="submit">${t(c.lang, 'continue')}</button>
</form>
${cancelForm(c)}`;

export const enrolBody = (
  c: PageContext,
  o: { qrSvgDataUrl: string; secret: string; error?: string; chosen: boolean },
): Html =>
  html`${errorSummary(c.lang, o.error ? [{ field: 'otp', message: o.error }] : [])}
<h1>${t(c.lang, 'enrolTitle')}</h1>
<p class="lead">${o.chosen ? t(c.lang, 'enrolLeadChosen') : t(c.lang, 'enrolLead', { client: c.clientName })}</p>
<p><img src="${o.qrSvgDataUrl}" width="200" height="200" alt="${t(c.lang, 'enrolTitle')}"></p>
<p>${t(c.lang, 'enrolSecret')} <span class="secret" id="totp-secret">${o.secret}</span></p>
<form method="post" action="interaction/${c.uid}/enrol" novalidate>
${hidden('csrf', c.csrf)}${o.chosen ? hidden('chosen', '1') : ''}
${field({ name: 'otp', label: t(c.lang, 'otp'), autocomplete: 'one-time-code', inputmode: 'numeric', error: o.error, maxlength: 6 })}
<button type="submit">${t(c.lang, 'continue')}</button>
</form>
${cancelForm(c)}`;

/** The first sign-in with a one-time password: a new password before anything else. */
export const firstPasswordBody = (c: PageContext, errors: readonly FieldError[] = []): Html => {
  const error = (name: string) => errors.find((e) => e.field === name)?.message;
  return html`${errorSummary(c.lang, errors)}
<h1>${t(c.lang, 'firstPasswordTitle')}</h1>
<p class="lead">${t(c.lang, 'firstPasswordLead')}</p>
<form method="post" action="interaction/${c.uid}/new-password" novalidate>
${hidden('csrf', c.csrf)}
${field({ name: 'newPassword', label: t(c.lang, 'newPassword'), type: 'password', autocomplete: 'new-password', hint: t(c.lang, 'newPasswordHint'), error: error('newPassword'), maxlength: 256, autofocus: true })}
${field({ name: 'confirmPassword', label: t(c.lang, 'confirmPassword'), type: 'password', autocomplete: 'new-password', error: error('confirmPassword'), maxlength: 256 })}
<button type="submit">${t(c.lang, 'continue')}</button>
</form>
${cancelForm(c)}`;
};

/**
 * The recovery codes, shown once: to download as a text file (a data: link, so it works
 * without JavaScript and nothing is sent anywhere), print or copy (the page script).
 */
export const recoveryBody = (c: PageContext, codes: readonly string[], loginName: string): Html => {
  const file = [t(c.lang, 'recoveryFileTitle', { name: loginName }), '', ...codes, ''].join('\r\n');
  return html`<h1>${t(c.lang, 'recoveryTitle')}</h1>
<p class="lead">${t(c.lang, 'recoveryLead')}</p>
<ul class="codes" id="recovery-codes">${codes.map((code) => html`<li>${code}</li>`)}</ul>
<p><a class="button secondary" id="recovery-download" download="yitong-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(file)}">${t(c.lang, 'recoveryDownload')}</a></p>
<p class="js-only" id="recovery-tools"><button type="button" class="secondary" id="recovery-print">${t(c.lang, 'recoveryPrint')}</button>
<button type="button" class="secondary" id="recovery-copy" data-copied="${t(c.lang, 'recoveryCopied')}">${t(c.lang, 'recoveryCopy')}</button>
<span id="recovery-copied" role="status"></span></p>
<form method="post" action="interaction/${c.uid}/finish">${hidden('csrf', c.csrf)}
<button type="submit">${t(c.lang, 'recoverySaved')}</button></form>`;
};

/** Print and copy for the recovery codes page (its buttons show only where scripts run). */
export const recoveryScript = `(()=>{const list=document.getElementById('recovery-codes');if(!list)return;
const codes=[...list.querySelectorAll('li')].map((l)=>l.textContent).join('\\n');
document.getElementById('recovery-tools').style.display='block';
document.getElementById('recovery-print')?.addEventListener('click',()=>window.print());
const copy=document.getElementById('recovery-copy');const said=document.getElementById('recovery-copied');
copy?.addEventListener('click',async()=>{try{await navigator.clipboard.writeText(codes);said.textContent=copy.dataset.copied;}catch(e){}});})();
`;

/** What a consent page asks for: scopes about the person, and each API with its scopes. */
export interface ConsentView {
  readonly about: readonly string[];
  readonly apis: readonly ConsentApi[];
}

/** One API (resource indicator) asked for: one of yitong's own, or a department's by its registered name. */
export interface ConsentApi {
  readonly resource: string;
  readonly own?: 'admin' | 'audit' | 'licences';
  readonly name?: string;
  readonly owner?: string;
  readonly scopes: readonly string[];
}

/** Every scope and every API asked for, in plain words; `shown` binds the answer to this page. */
export const consentBody = (c: PageContext, view: ConsentView, shown: string): Html => {
  const describe = (scope: string) => describeScope(c.lang, scope);
  const apiName = (api: ConsentApi) =>
    api.own
      ? t(c.lang, `api_${api.own}`)
      : api.owner
        ? t(c.lang, 'consentApiOf', { api: api.name ?? api.resource, owner: api.owner })
        : (api.name ?? api.resource);
  const scopeWords = (scope: string) =>
    OWN_SCOPE_WORDS[scope] ? t(c.lang, OWN_SCOPE_WORDS[scope]) : t(c.lang, 'scope_api', { scope });
  return html`<h1>${t(c.lang, 'consentTitle', { client: c.clientName })}</h1>
<p class="lead">${t(c.lang, 'consentLead', { client: c.clientName })}</p>
<ul class="scopes">${view.about.map((s) => html`<li>${describe(s)}</li>`)}</ul>
${view.apis.map(
  (api) => html`<h2>${t(c.lang, 'consentApi', { api: apiName(api) })}</h2>
<ul class="scopes" data-resource="${api.resource}">${
    api.scopes.length
      ? api.scopes.map((s) => html`<li>${scopeWords(s)}</li>`)
      : html`<li>${t(c.lang, 'consentApiNoScope')}</li>`
  }</ul>`,
)}
<p>${t(c.lang, view.apis.length ? 'consentRememberApis' : 'consentRemember')}</p>
<form method="post" action="interaction/${c.uid}/consent">${hidden('csrf', c.csrf)}${hidden('shown', shown)}
<button type="submit" name="decision" value="allow">${t(c.lang, 'allow')}</button>
<button type="submit" name="decision" value="deny" class="secondary">${t(c.lang, 'deny')}</button></form>`;
};

export type DeniedReason =
  | 'deniedReasonZone'
  | 'deniedReasonInactive'
  | 'deniedReasonClient'
  | 'deniedReasonIdentity'
  | 'deniedReasonRole';

/** A policy refused this sign-in: say why in plain words, and hand the refusal back to the service. */
export const deniedBody = (c: PageContext, reason: DeniedReason, reference: string, returnTo: string): Html =>
  html`<h1>${t(c.lang, 'deniedTitle')}</h1>
<p class="lead">${t(c.lang, 'deniedLead', { client: c.clientName })}</p>
<div class="error-summary" role="alert"><p>${t(c.lang, reason)}</p></div>
<p>${t(c.lang, 'deniedReference', { ref: reference })}</p>
<p><a class="button" href="${returnTo}">${t(c.lang, 'deniedReturn')}</a></p>`;

export const protectBody = (c: PageContext): Html =>
  html`<h1>${t(c.lang, 'protectTitle')}</h1>
<p class="lead">${t(c.lang, 'protectLead')}</p>
<div class="js-only" id="passkey-block"><button type="button" id="passkey-register">${t(c.lang, 'addPasskey')}</button>
<p class="message" id="passkey-error" role="alert"></p></div>
<form method="post" action="interaction/${c.uid}/protect">${hidden('csrf', c.csrf)}
<button type="submit" name="choice" value="totp" class="secondary">${t(c.lang, 'addTotp')}</button>
<button type="submit" name="choice" value="skip" class="secondary" id="not-now">${t(c.lang, 'notNow')}</button></form>`;

/** Level 3: a passkey, used if the person has one, registered here if not. */
export const passkeyRequiredBody = (c: PageContext, hasPasskey: boolean): Html =>
  html`<h1>${t(c.lang, 'passkeyRequiredTitle')}</h1>
<p class="lead">${t(c.lang, 'passkeyRequiredLead', { client: c.clientName })}</p>
<noscript><p>${t(c.lang, 'passkeyRequiredNoJs')}</p></noscript>
<div class="js-only" id="passkey-block">
<button type="button" id="${hasPasskey ? 'passkey-login' : 'passkey-register'}">${t(c.lang, hasPasskey ? 'passkeySignIn' : 'addPasskey')}</button>
<p class="message" id="passkey-error" role="alert"></p></div>
${cancelForm(c)}`;

/**
 * The registration form: on its own (a double-submit CSRF cookie), or as a step of the
 * interaction of the service that sent the person (the interaction's CSRF token).
 */
export const registerBody = (
  lang: Lang,
  o: {
    csrf?: string;
    interaction?: PageContext;
    values?: Record<string, string>;
    errors?: readonly FieldError[];
  },
): Html => {
  const error = (name: string) => o.errors?.find((e) => e.field === name)?.message;
  const c = o.interaction;
  return html`${errorSummary(lang, o.errors ?? [])}
<h1>${t(lang, 'registerTitle')}</h1>
<p class="lead">${t(lang, 'registerLead')}${c ? html` ${t(lang, 'signInTo', { client: c.clientName })}` : ''}</p>
<form method="post" action="${c ? `interaction/${c.uid}/register` : 'register'}" novalidate>
${hidden('csrf', c?.csrf ?? o.csrf ?? '')}${hidden('lang', lang)}
${field({ name: 'displayName', label: t(lang, 'displayName'), autocomplete: 'name', value: o.values?.displayName, error: error('displayName'), maxlength: 100 })}
${field({ name: 'username', label: t(lang, 'username'), autocomplete: 'username', value: o.values?.username, error: error('username'), maxlength: 64 })}
${field({ name: 'email', label: t(lang, 'email'), type: 'email', autocomplete: 'email', hint: t(lang, 'emailHint'), value: o.values?.email, error: error('email'), maxlength: 254 })}
${field({ name: 'password', label: t(lang, 'newPassword'), type: 'password', autocomplete: 'new-password', hint: t(lang, 'newPasswordHint'), error: error('password'), maxlength: 256 })}
<button type="submit">${t(lang, 'createAccount')}</button>
</form>
${c ? cancelForm(c) : ''}`;
};

export interface SimpleFormOptions {
  readonly csrf: string;
  /** The sign-in that sent the person here, to go back to it afterwards. */
  readonly interaction?: string;
  readonly values?: Record<string, string>;
  readonly errors?: readonly FieldError[];
  readonly notice?: string;
}

const errorOf = (o: SimpleFormOptions, name: string) => o.errors?.find((e) => e.field === name)?.message;
const noticeOf = (o: SimpleFormOptions) =>
  o.notice ? html`<div class="notice" role="status">${o.notice}</div>` : '';

export const resetRequestBody = (lang: Lang, o: SimpleFormOptions): Html =>
  html`${errorSummary(lang, o.errors ?? [])}${noticeOf(o)}
<h1>${t(lang, 'resetTitle')}</h1>
<p class="lead">${t(lang, 'resetLead')}</p>
<form method="post" action="password/reset" novalidate>${hidden('csrf', o.csrf)}${hidden('lang', lang)}${hidden('interaction', o.interaction ?? '')}
${field({ name: 'username', label: t(lang, 'username'), autocomplete: 'username', value: o.values?.username, error: errorOf(o, 'username'), maxlength: 64 })}
<button type="submit">${t(lang, 'sendCode')}</button></form>
<p><a href="password/reset/confirm?lang=${lang}${o.interaction ? `&interaction=${o.interaction}` : ''}">${t(lang, 'resetConfirmTitle')}</a></p>`;

export const resetConfirmBody = (lang: Lang, o: SimpleFormOptions): Html =>
  html`${errorSummary(lang, o.errors ?? [])}${noticeOf(o)}
<h1>${t(lang, 'resetConfirmTitle')}</h1>
<form method="post" action="password/reset/confirm" novalidate>${hidden('csrf', o.csrf)}${hidden('lang', lang)}${hidden('interaction', o.interaction ?? '')}
${field({ name: 'username', label: t(lang, 'username'), autocomplete: 'username', value: o.values?.username, error: errorOf(o, 'username'), maxlength: 64 })}
${field({ name: 'code', label: t(lang, 'resetCode'), autocomplete: 'one-time-code', inputmode: 'numeric', error: errorOf(o, 'code'), maxlength: 8 })}
${field({ name: 'password', label: t(lang, 'newPassword'), type: 'password', autocomplete: 'new-password', hint: t(lang, 'newPasswordHint'), error: errorOf(o, 'password'), maxlength: 256 })}
<button type="submit">${t(lang, 'continue')}</button></form>`;

export const changePasswordBody = (lang: Lang, o: SimpleFormOptions): Html =>
  html`${errorSummary(lang, o.errors ?? [])}${noticeOf(o)}
<h1>${t(lang, 'changeTitle')}</h1>
<form method="post" action="password/change" novalidate>${hidden('csrf', o.csrf)}${hidden('lang', lang)}${hidden('tz', '')}
${field({ name: 'username', label: t(lang, 'username'), autocomplete: 'username', value: o.values?.username, error: errorOf(o, 'username'), maxlength: 64 })}
${field({ name: 'current', label: t(lang, 'currentPassword'), type: 'password', autocomplete: 'current-password', error: errorOf(o, 'current'), maxlength: 256 })}
${field({ name: 'otp', label: t(lang, 'otp'), hint: t(lang, 'changeOtpHint'), autocomplete: 'one-time-code', inputmode: 'numeric', error: errorOf(o, 'otp'), maxlength: 16 })}
${hidden('passkey', '')}<div class="js-only" id="passkey-block"><p>${t(lang, 'changePasskeyLead')}</p>
<button type="button" class="secondary" id="passkey-confirm">${t(lang, 'changeWithPasskey')}</button>
<p class="message" id="passkey-error" role="alert">${errorOf(o, 'passkey-confirm') ?? ''}</p></div>
${field({ name: 'password', label: t(lang, 'newPassword'), type: 'password', autocomplete: 'new-password', hint: t(lang, 'newPasswordHint'), error: errorOf(o, 'password'), maxlength: 256 })}
<button type="submit">${t(lang, 'continue')}</button></form>`;

/**
 * The service needs a verified identity: the form to prove it online (then signing in goes
 * on), or — for level 3, or where no registry is configured — the way to a service counter
 * and back to the site.
 */
export const proofingBody = (
  c: PageContext,
  o: {
    /** Remote proofing can reach the level the service needs. */
    readonly online: boolean;
    readonly values?: ProofingFormValues;
    readonly errors?: readonly FieldError[];
  },
): Html =>
  o.online
    ? html`${errorSummary(c.lang, o.errors ?? [])}
<h1>${sw(c.lang, 'id_askTitle')}</h1>
<p class="lead">${sw(c.lang, 'id_askLead', { client: c.clientName })}</p>
${proofingFormSection({ lang: c.lang, action: `interaction/${c.uid}/identity`, csrf: c.csrf, values: o.values, errors: o.errors })}
${cancelForm(c)}`
    : html`<h1>${sw(c.lang, 'id_counterTitle')}</h1>
<p class="lead" id="counter-needed">${sw(c.lang, 'id_counterLead', { client: c.clientName })}</p>
<form method="post" action="interaction/${c.uid}/abort">${hidden('csrf', c.csrf)}
<button type="submit" class="secondary">${sw(c.lang, 'id_cancelToSite')}</button></form>`;

/**
 * The code sent by SMS to the phone the registry confirmed: the sign-in goes on once it is typed.
 * "Start again" shows the first form (other details, another phone).
 */
export const proofingCodeBody = (
  c: PageContext,
  o: {
    readonly sent: ProofingCodeSent;
    readonly errors?: readonly FieldError[];
    readonly resent?: boolean;
  },
): Html =>
  html`${errorSummary(c.lang, o.errors ?? [])}
<h1>${pw(c.lang, 'id_codeTitle')}</h1>
${proofingCodeSection({ lang: c.lang, action: `interaction/${c.uid}/identity/code`, resendAction: `interaction/${c.uid}/identity/resend`, csrf: c.csrf, sent: o.sent, errors: o.errors, resent: o.resent })}
<p><a href="interaction/${c.uid}?again=1" id="proofing-start-again">${pw(c.lang, 'id_startAgain')}</a></p>
${cancelForm(c)}`;

/** An attempt that changed nothing (paused, registry down, linked elsewhere, a code over): what now, and the way back. */
export const proofingFailedBody = (
  c: PageContext,
  failure: ProofingFailurePageKind,
): { readonly title: string; readonly body: Html } =>
  proofingFailurePage(
    c.lang,
    failure,
    html`${
      failure.kind === 'unavailable'
        ? html`<p><a class="button" href="interaction/${c.uid}">${t(c.lang, 'id_tryAgain')}</a></p>`
        : failure.kind === 'code-expired' || failure.kind === 'code-wrong' || failure.kind === 'code-limit'
          ? html`<p><a class="button" href="interaction/${c.uid}?again=1">${pw(c.lang, 'id_startAgain')}</a></p>`
          : ''
    }
${cancelForm(c)}`,
  );

/** A company the person may act for at this site, as the act-for page shows it. */
export interface ActForOption {
  readonly uscc: string;
  readonly name: string;
  readonly role: 'legal-representative' | 'agent';
}

/**
 * At a site that accepts companies: act for one of the companies the person may represent
 * there, or for themselves. Radios in one fieldset; "for myself" is chosen unless they pick.
 */
export const actForBody = (c: PageContext, options: readonly ActForOption[]): Html =>
  html`<h1>${sw(c.lang, 'actForTitle')}</h1>
<p class="lead">${sw(c.lang, 'actForLead', { client: c.clientName })}</p>
<form method="post" action="interaction/${c.uid}/company">${hidden('csrf', c.csrf)}
<fieldset class="radios"><legend>${sw(c.lang, 'actForLegend')}</legend>
<div><input type="radio" id="act-self" name="actFor" value="self" checked> <label for="act-self">${sw(c.lang, 'actForSelf')}</label></div>
${options.map(
  (o) =>
    html`<div><input type="radio" id="act-${o.uscc}" name="actFor" value="${o.uscc}"> <label for="act-${o.uscc}">${sw(c.lang, 'actForCompany', { company: o.name, uscc: o.uscc, role: sw(c.lang, o.role === 'agent' ? 'actForRoleAgent' : 'actForRoleRepresentative') })}</label></div>`,
)}</fieldset>
<button type="submit">${t(c.lang, 'continue')}</button></form>
${cancelForm(c)}`;
