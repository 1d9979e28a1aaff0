/** The pages of the account portal: the licence wallet, shares, checks and activity. */

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type Account, ialOf } from '../../libs/accounts/index.ts';
import { type ChainedEvent, eventTypeEntry } from '../../libs/audit/index.ts';
import type { Licence, LicenceType, Receipt, Share } from '../../libs/licences/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import {
  ialWords,
  type ProofingFailurePageKind,
  type ProofingFormValues,
  proofingCodeSection,
  proofingFailurePage,
  proofingFormSection,
  pw,
} from '../../libs/proofing-pages/index.ts';
import {
  claimLabel,
  claimValue,
  errorSummary,
  type FieldError,
  field,
  formatDate,
  formatTime,
  type Html,
  hidden,
  html,
  type Lang,
  type MessageKey,
  t,
} from '../../libs/web/index.ts';
import { aw, ww } from './words.ts';

/** A page's title and body, framed by the page response, with the page's own script if any. */
export interface View {
  readonly title: string;
  readonly body: Html;
  readonly script?: string;
}

/** Frames a view as the portal's page response, with its status and path. */
export type ShowView = (
  event: APIGatewayProxyEvent,
  lang: Lang,
  status: number,
  view: View,
  path: string,
) => APIGatewayProxyResult;

/** A page of a signed-in person (with their account, read afresh). */
export type AccountPage = (
  event: APIGatewayProxyEvent,
  session: PortalSession,
  lang: Lang,
  account: Account,
) => Promise<APIGatewayProxyResult>;

/**
 * The portal's own styles: licences and events as cards that reflow down to 320 px (WCAG 1.4.10),
 * long numbers and links that wrap, and a definition list that stacks on a narrow screen.
 */
export const ACCOUNT_STYLES = `
.cards{list-style:none;padding:0;margin:0 0 24px}
.cards>li{border:1px solid #b1b4b6;border-left:5px solid #1d70b8;padding:12px 16px;margin:0 0 16px;background:#fff}
.cards>li.inactive{border-left-color:#b1b4b6}
.cards h2,.cards h3{margin:0 0 8px;font-size:1.1875rem}
.cards dl{margin:0}
.wrap,code{overflow-wrap:anywhere;word-break:break-word}
.checkboxes div{margin:0 0 8px}.checkboxes label{display:inline;font-weight:400}
.checkboxes input{width:1.25em;height:1.25em;vertical-align:middle;margin:0 8px 0 0}
.tag{display:inline-block;padding:0 8px;font-weight:700;background:#cce2d8;color:#005a30}
.tag.off{background:#f4cdc6;color:#942514}
nav.account{margin:0 0 16px}nav.account ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:4px 16px}
button.warning{background:#d4351c;box-shadow:0 2px 0 #55150b}
.cards>li.current{border-left-color:#00703c}.cards ul.access{margin:0;padding-left:20px}
.share-url{font-size:1.125rem}
select{max-width:100%}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:0;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:40em){main .card{padding:16px}dl{grid-template-columns:minmax(0,1fr);gap:0}dd{margin:0 0 8px}}
`;

/** How long a share link may live, in hours: an hour, a day, a week. */
export const SHARE_HOURS = [1, 24, 168] as const;

/** What the share form was sent with, to show it again with its errors. */
export interface ShareInput {
  readonly fields: readonly string[];
  readonly purpose: string;
  readonly hours: number;
}

/** The portal's pages, and signing out. */
export const nav = (lang: Lang, session: PortalSession) =>
  html`<nav class="account" aria-label="${t(lang, 'walletTitle')}"><ul><li><a href="account/licences">${t(lang, 'walletTitle')}</a></li><li><a href="account/identity">${aw(lang, 'id_nav')}</a></li><li><a href="account/verifications">${t(lang, 'verifications')}</a></li><li><a href="account/activity">${t(lang, 'activity')}</a></li><li><a href="account/companies">${aw(lang, 'company_nav')}</a></li><li><a href="account/services">${aw(lang, 'nav_services')}</a></li><li><a href="account/sessions">${aw(lang, 'nav_sessions')}</a></li><li><a href="account/security">${aw(lang, 'nav_security')}</a></li><li><a href="account/contact">${aw(lang, 'nav_contact')}</a></li><li><a href="account/data">${aw(lang, 'nav_data')}</a></li></ul></nav>
<form method="post" action="account/logout">${hidden('csrf', session.csrf)}<button type="submit" class="link-button">${t(lang, 'signOut')}</button></form>`;

const typeName = (lang: Lang, licence: Licence, type: LicenceType | undefined) =>
  type?.name[lang] ?? licence.vct;

/** Whether a licence is in force now, and the short word for its state. */
const standing = (lang: Lang, licence: Licence, now: number): { inForce: boolean; word: string } => {
  if (licence.status === 'revoked') return { inForce: false, word: t(lang, 'revokedShort') };
  if (licence.status === 'suspended') return { inForce: false, word: t(lang, 'suspendedShort') };
  if (licence.exp <= now) return { inForce: false, word: t(lang, 'expiredShort') };
  if (licence.nbf > now) return { inForce: false, word: t(lang, 'not_yet_valid') };
  return { inForce: true, word: t(lang, 'active') };
};

const tag = (s: { inForce: boolean; word: string }) =>
  html`<strong class="tag${s.inForce ? '' : ' off'}">${s.word}</strong>`;

/** Licences as cards: type, issuer, number, validity and status, each linking to its page. */
const licenceCards = (
  lang: Lang,
  o: {
    readonly licences: readonly Licence[];
    readonly types: ReadonlyMap<string, LicenceType>;
    readonly issuers: ReadonlyMap<string, string>;
    readonly now: number;
  },
) =>
  o.licences.map((l) => {
    const s = standing(lang, l, o.now);
    return html`<li class="${s.inForce ? '' : 'inactive'}" data-licence="${l.licenceId}">
<h2><a href="account/licences/${encodeURIComponent(l.licenceId)}">${typeName(lang, l, o.types.get(l.vct))}</a></h2>
<dl>
<dt>${t(lang, 'issuer')}</dt><dd class="issuer">${o.issuers.get(l.department) ?? l.department}</dd>
<dt>${t(lang, 'number')}</dt><dd><code class="licence-number">${l.licenceId}</code></dd>
<dt>${t(lang, 'validity')}</dt><dd>${t(lang, 'dateRange', { from: formatDate(lang, l.nbf), until: formatDate(lang, l.exp) })}</dd>
<dt>${t(lang, 'status')}</dt><dd>${tag(s)}</dd>
</dl></li>`;
  });

/** A company the person acts for, as the wallet lists it. */
export interface CompanyShown {
  readonly uscc: string;
  readonly name: string;
  readonly role: 'legal-representative' | 'agent';
}

const roleWord = (lang: Lang, role: CompanyShown['role']) =>
  ww(lang, role === 'agent' ? 'roleAgent' : 'roleLegalRepresentative');

/**
 * The wallet: every licence issued to the signed-in person's proved identity, each a card, and
 * the companies they act for. Before the person has proved an identity there is nothing to
 * show: licences are issued to ID numbers, so the page says so and links to proving one.
 */
export const walletView = (
  lang: Lang,
  session: PortalSession,
  o: {
    /** Undefined when the account has not proved an identity (IAL 1). */
    readonly licences: readonly Licence[] | undefined;
    readonly types: ReadonlyMap<string, LicenceType>;
    /** Issuing departments' names in the page's language, by department id. */
    readonly issuers: ReadonlyMap<string, string>;
    readonly companies: readonly CompanyShown[];
    readonly now: number;
  },
): View => {
  const { licences, companies } = o;
  const own =
    licences === undefined
      ? html`<div class="notice" id="prove-identity"><h2>${ww(lang, 'walletNeedsIdentityTitle')}</h2><p>${ww(lang, 'walletNeedsIdentity')}</p>
<p><a class="button" href="account/identity">${ww(lang, 'walletProveIdentity')}</a></p></div>`
      : licences.length
        ? html`<p>${t(lang, 'licenceCount', { count: licences.length })}</p><ul class="cards" id="licences">${licenceCards(lang, { ...o, licences })}</ul>`
        : html`<p>${t(lang, 'noLicences')}</p>`;
  const theirs = companies.length
    ? html`<h2 id="companies">${ww(lang, 'companiesActFor')}</h2><p>${ww(lang, 'companiesActForLead')}</p>
<ul class="cards" id="company-wallets">${companies.map(
        (c) =>
          html`<li data-company="${c.uscc}"><h3><a href="account/companies/${c.uscc}/licences">${c.name}</a></h3><p>${ww(lang, 'companyRole', { role: roleWord(lang, c.role) })}</p></li>`,
      )}</ul>`
    : '';
  return {
    title: t(lang, 'walletTitle'),
    body: html`<h1>${t(lang, 'walletTitle')}</h1><p class="lead">${t(lang, 'walletLead')}</p>${nav(lang, session)}${own}${theirs}`,
  };
};

/** A company's wallet: its licences the person may see in their role (all, or their agent scope's types). */
export const companyWalletView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly company: CompanyShown;
    readonly licences: readonly Licence[];
    readonly types: ReadonlyMap<string, LicenceType>;
    readonly issuers: ReadonlyMap<string, string>;
    readonly now: number;
  },
): View => {
  const { company, licences } = o;
  const title = ww(lang, 'companyLicencesTitle', { company: company.name });
  return {
    title,
    body: html`<h1>${title}</h1><p class="lead">${ww(lang, 'companyLicencesLead', {
      company: company.name,
      uscc: company.uscc,
      role: roleWord(lang, company.role),
    })}</p>${nav(lang, session)}${
      licences.length
        ? html`<p>${ww(lang, 'companyLicenceCount', { count: licences.length })}</p><ul class="cards" id="licences">${licenceCards(lang, o)}</ul>`
        : html`<p>${ww(lang, 'companyNoLicences')}</p>`
    }
<p><a href="account/companies/${company.uscc}/verifications">${ww(lang, 'companyVerifications')}</a></p>`,
  };
};

/** What the share form says is wrong, one message per field, in the page's language. */
export const shareErrors = (
  input: ShareInput,
  fields: readonly string[],
): { readonly field: string; readonly key: MessageKey }[] => {
  const errors: { field: string; key: MessageKey }[] = [];
  if (!input.fields.length || input.fields.some((f) => !fields.includes(f)))
    errors.push({ field: `field-${fields[0] ?? ''}`, key: 'shareFieldsRequired' });
  const purpose = input.purpose.trim();
  if (!purpose) errors.push({ field: 'purpose', key: 'sharePurposeRequired' });
  else if (purpose.length < 2) errors.push({ field: 'purpose', key: 'sharePurposeShort' });
  else if (purpose.length > 200) errors.push({ field: 'purpose', key: 'sharePurposeLong' });
  if (!(SHARE_HOURS as readonly number[]).includes(input.hours))
    errors.push({ field: 'hours', key: 'shareHoursInvalid' });
  return errors;
};

/** One licence: who issued it, its details, the form to share chosen fields, and its shares. */
export const licenceView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly licence: Licence;
    readonly type: LicenceType | undefined;
    /** The issuing department's name in the page's language. */
    readonly issuer: string;
    readonly claims: Readonly<Record<string, unknown>>;
    readonly fields: readonly string[];
    readonly shares: readonly Share[];
    /** Now, in seconds since the epoch: which shares have expired. */
    readonly now: number;
    /** A share was just withdrawn: say so. */
    readonly withdrawn?: boolean;
    /** The share form as sent, when it had errors. */
    readonly input?: ShareInput;
    readonly errors?: readonly { readonly field: string; readonly key: MessageKey }[];
    /** The company that holds it, when the person sees it acting for one. */
    readonly company?: CompanyShown;
  },
): View => {
  const { licence, type, claims, fields, shares, now, input, errors = [] } = o;
  const id = encodeURIComponent(licence.licenceId);
  const name = typeName(lang, licence, type);
  const messages: FieldError[] = errors.map((e) => ({ field: e.field, message: t(lang, e.key) }));
  const errorOf = (prefix: string) => messages.find((e) => e.field.startsWith(prefix))?.message;
  const fieldsError = errorOf('field-');
  const hoursError = errorOf('hours');
  const chosen = new Set(input?.fields ?? []);
  const hours = input?.hours ?? 24;
  return {
    title: name,
    body: html`${errorSummary(lang, messages)}<h1>${name}</h1>${nav(lang, session)}${
      o.withdrawn
        ? html`<div class="notice" role="status" id="withdrawn-notice"><p>${t(lang, 'shareWithdrawnNotice')}</p></div>`
        : ''
    }
<dl id="licence">
${o.company ? html`<dt>${ww(lang, 'heldBy')}</dt><dd id="licence-holder"><a href="account/companies/${o.company.uscc}/licences">${o.company.name}</a></dd>` : ''}
<dt>${t(lang, 'issuer')}</dt><dd id="licence-issuer">${o.issuer}</dd>
<dt>${t(lang, 'number')}</dt><dd><code class="licence-number">${licence.licenceId}</code></dd>
<dt>${t(lang, 'status')}</dt><dd>${tag(standing(lang, licence, now))}</dd>
<dt>${t(lang, 'validFrom')}</dt><dd>${formatDate(lang, licence.nbf)}</dd>
<dt>${t(lang, 'validUntil')}</dt><dd>${formatDate(lang, licence.exp)}</dd>
${Object.keys(claims)
  .filter((n) => type?.claims.some((f) => f.name === n) || n.startsWith('age_over_'))
  .map(
    (n) =>
      html`<dt>${claimLabel(lang, type, n)}</dt><dd class="wrap" data-claim="${n}">${claimValue(lang, type, n, claims[n])}</dd>`,
  )}
</dl>
<p><a class="button secondary" href="account/licences/${id}/download">${t(lang, 'download')}</a></p>
<h2 id="share">${t(lang, 'share')}</h2>
<p>${t(lang, 'shareLead')}</p>
<form method="post" action="account/licences/${id}/shares" novalidate>
${hidden('csrf', session.csrf)}
<div class="field${fieldsError ? ' error' : ''}"><fieldset class="checkboxes"${fieldsError ? html` aria-describedby="fields-error"` : ''}><legend>${t(lang, 'fields')}</legend>
${fieldsError ? html`<p class="message" id="fields-error">${fieldsError}</p>` : ''}
${fields.map(
  (f) =>
    html`<div><input type="checkbox" id="field-${f}" name="fields" value="${f}"${chosen.has(f) ? html` checked` : ''}><label for="field-${f}">${claimLabel(lang, type, f)}</label></div>`,
)}
</fieldset></div>
${field({
  name: 'purpose',
  label: t(lang, 'purpose'),
  hint: t(lang, 'purposeHint'),
  error: errorOf('purpose'),
  value: input?.purpose ?? '',
  autocomplete: 'off',
  maxlength: 200,
})}
<div class="field${hoursError ? ' error' : ''}"><label for="hours">${t(lang, 'validFor')}</label>${
      hoursError ? html`<p class="message" id="hours-error">${hoursError}</p>` : ''
    }<select id="hours" name="hours"${hoursError ? html` aria-describedby="hours-error" aria-invalid="true"` : ''}>${SHARE_HOURS.map(
      (h) =>
        html`<option value="${h}"${h === hours ? html` selected` : ''}>${h < 48 ? t(lang, 'hours', { count: h }) : t(lang, 'days', { count: h / 24 })}</option>`,
    )}</select></div>
<button type="submit">${t(lang, 'createLink')}</button>
</form>
<h2>${t(lang, 'shares')}</h2>
${
  shares.length
    ? html`<ul class="cards" id="shares">${shares.map((s) => {
        const live = !s.withdrawnAt && s.linkExpiresAt > now;
        return html`<li class="${live ? '' : 'inactive'}" data-share="${s.shareId}">
<h3 class="wrap">${s.purpose}</h3>
<dl>
<dt>${t(lang, 'fields')}</dt><dd>${s.fields.map((f) => claimLabel(lang, type, f)).join(lang === 'en' ? ', ' : '、')}</dd>
<dt>${t(lang, 'expiresAt')}</dt><dd>${formatTime(lang, s.linkExpiresAt)}</dd>
<dt>${t(lang, 'status')}</dt><dd>${
          s.withdrawnAt
            ? tag({ inForce: false, word: t(lang, 'withdrawn') })
            : live
              ? tag({ inForce: true, word: t(lang, 'active') })
              : tag({ inForce: false, word: t(lang, 'expiredShort') })
        }</dd>
</dl>${
          live
            ? html`<form method="post" action="account/shares/${s.shareId}/withdraw">${hidden('csrf', session.csrf)}<button type="submit" class="secondary">${t(lang, 'withdraw')}<span class="visually-hidden">: ${s.purpose}</span></button></form>`
            : ''
        }</li>`;
      })}</ul>`
    : html`<p>${t(lang, 'none')}</p>`
}`,
  };
};

/** Copies the share link where the browser allows it, else selects it for the person to copy. */
const COPY_SCRIPT = `(() => {
  const block = document.getElementById('copy-block');
  const button = document.getElementById('copy-link');
  const link = document.getElementById('share-link');
  const status = document.getElementById('copy-status');
  if (!block || !button || !link || !status) return;
  block.style.display = 'block';
  button.addEventListener('click', async () => {
    const range = document.createRange();
    range.selectNodeContents(link);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try {
      await navigator.clipboard.writeText(link.getAttribute('href'));
      status.textContent = button.dataset.copied;
    } catch {
      status.textContent = button.dataset.selected;
    }
  });
})();`;

/** A new share: its link (with a copy button) and QR code, until when they work. */
export const shareReadyView = (
  lang: Lang,
  session: PortalSession,
  o: { readonly licence: Licence; readonly share: Share; readonly url: string; readonly qr: string },
): View => ({
  title: t(lang, 'linkReady'),
  body: html`<h1>${t(lang, 'linkReady')}</h1>${nav(lang, session)}
<p class="lead">${t(lang, 'linkReadyLead', { time: formatTime(lang, o.share.linkExpiresAt) })}</p>
<p class="share-url"><a id="share-link" class="wrap" href="${o.url}">${o.url}</a></p>
<div class="js-only" id="copy-block"><button type="button" class="secondary" id="copy-link" data-copied="${t(lang, 'linkCopied')}" data-selected="${t(lang, 'linkSelected')}">${t(lang, 'copyLink')}</button>
<p id="copy-status" role="status"></p></div>
<p><img id="share-qr" src="${o.qr}" alt="${t(lang, 'qrOf', { url: o.url })}" width="240" height="240"></p>
<p><a href="account/licences/${encodeURIComponent(o.licence.licenceId)}">${t(lang, 'back')}</a></p>`,
  script: COPY_SCRIPT,
});

/** Who checked my licences: every check, with who, when and the purpose they gave. */
export const verificationsView = (
  lang: Lang,
  session: PortalSession,
  receipts: readonly Receipt[],
  typeNames: (licenceId: string) => string,
  /** A company's page: its own title, instead of "who checked my licences". */
  title = t(lang, 'verifications'),
): View => ({
  title,
  body: html`<h1>${title}</h1><p class="lead">${t(lang, 'verificationsLead')}</p>${nav(lang, session)}${
    receipts.length
      ? html`<ul class="cards" id="receipts">${receipts.map(
          (r) =>
            html`<li><h2>${typeNames(r.licenceId)}</h2><dl>
<dt>${t(lang, 'when')}</dt><dd>${formatTime(lang, r.at)}</dd>
<dt>${t(lang, 'who')}</dt><dd class="wrap">${r.channel === 'link' ? t(lang, 'linkVisitor') : r.verifier}</dd>
<dt>${t(lang, 'forWhat')}</dt><dd class="wrap">${r.purpose}</dd>
<dt>${t(lang, 'result')}</dt><dd>${t(lang, r.verdict as MessageKey)}</dd>
</dl></li>`,
        )}</ul>`
      : html`<p id="receipts">${t(lang, 'noVerifications')}</p>`
  }`,
});

/** Each zone's name in words. */
export const ZONE_WORDS: Readonly<Record<string, MessageKey>> = {
  public: 'zone_public',
  extranet: 'zone_extranet',
  intranet: 'zone_intranet',
};

/** My activity: the services I signed in to, and my own events from the audit trail. */
export const activityView = (
  lang: Lang,
  session: PortalSession,
  o: {
    /** Newest first. */
    readonly events: readonly ChainedEvent[];
    /** Each service signed in to (directly or by single sign-on), with its latest sign-in. */
    readonly sites: ReadonlyMap<string, string>;
    /** Client names by client id. */
    readonly names: ReadonlyMap<string, string>;
    /** What each event was about, in words: a service's or a licence's name; undefined when neither. */
    readonly about: (event: ChainedEvent) => string | undefined;
  },
): View => {
  const { events, sites, names, about } = o;
  const describe = (type: string) => {
    const entry = eventTypeEntry(type);
    return entry ? (lang === 'en' ? entry.en : entry.zh) : type;
  };
  const zone = (z: string) => (ZONE_WORDS[z] ? t(lang, ZONE_WORDS[z]) : z);
  return {
    title: t(lang, 'activity'),
    body: html`<h1>${t(lang, 'activity')}</h1><p class="lead">${t(lang, 'activityLead')}</p>${nav(lang, session)}
<h2>${t(lang, 'sitesUsed')}</h2><p class="hint">${t(lang, 'sitesLead')}</p>${
      sites.size
        ? html`<ul class="cards" id="sites">${[...sites].map(
            ([id, time]) =>
              html`<li data-client="${id}"><h3 class="wrap">${names.get(id) ?? id}</h3><dl><dt>${t(lang, 'lastUsed')}</dt><dd>${formatTime(lang, time)}</dd></dl></li>`,
          )}</ul>`
        : html`<p>${t(lang, 'noActivity')}</p>`
    }
<h2>${t(lang, 'what')}</h2>${
      events.length
        ? html`<p>${t(lang, 'eventCount', { count: events.length })}</p><ol class="cards" id="activity">${events.map(
            (e) => {
              const subject = about(e);
              return html`<li data-type="${e.type}"><h3>${describe(e.type)}</h3><dl>
<dt>${t(lang, 'when')}</dt><dd>${formatTime(lang, e.time)}</dd>
${subject ? html`<dt>${t(lang, 'serviceOrLicence')}</dt><dd class="wrap about">${subject}</dd>` : ''}
<dt>${t(lang, 'where')}</dt><dd>${zone(e.zone)}</dd>
${e.sourceIp ? html`<dt>${t(lang, 'fromAddress')}</dt><dd class="wrap">${e.sourceIp}</dd>` : ''}
</dl></li>`;
            },
          )}</ol>`
        : html`<p>${t(lang, 'noActivity')}</p>`
    }`,
  };
};

/** A page that is not there (or not yours): in the person's language, with the way back to the wallet. */
export const notFoundView = (lang: Lang, detail?: string): View => ({
  title: t(lang, 'notFoundTitle'),
  body: html`<h1>${t(lang, 'notFoundTitle')}</h1>${detail ? html`<p class="lead">${detail}</p>` : ''}<p>${t(lang, 'notFoundLead')}</p>
<p><a href="account/licences">${t(lang, 'back')}</a></p>`,
});

/** A form sent after the session ended (or without its token): nothing done, sign in again. */
export const sessionEndedView = (lang: Lang): View => ({
  title: t(lang, 'sessionEndedTitle'),
  body: html`<h1>${t(lang, 'sessionEndedTitle')}</h1><p class="lead">${t(lang, 'sessionEndedLead')}</p>
<p><a class="button" href="account/licences">${t(lang, 'signIn')}</a></p>`,
});

/**
 * The person's identity: their level in plain words, what was verified (masked number, name,
 * when and how), and — below level 2, where a registry is configured — the form to verify online.
 */
export const identityView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly account: Account;
    /** Remote proofing is offered (an identity source is configured). */
    readonly online: boolean;
    readonly verified?: boolean;
    readonly values?: ProofingFormValues;
    readonly errors?: readonly FieldError[];
    /** A code sent for a proofing still works: the masked phone it went to. */
    readonly codeWaiting?: string;
  },
): View => {
  const { account } = o;
  const ial = ialOf(account);
  const id = account.identity;
  const facts = id
    ? html`<dl id="identity">
<dt>${t(lang, 'id_level')}</dt><dd id="ial" data-ial="${ial}">${ialWords(lang, ial)}</dd>
<dt>${t(lang, 'id_name')}</dt><dd id="identity-name">${id.name}</dd>
<dt>${t(lang, 'id_number')}</dt><dd><code id="identity-number">${id.residentIdMasked}</code></dd>
<dt>${t(lang, 'id_verifiedAt')}</dt><dd>${formatDate(lang, id.verifiedAt)}</dd>
<dt>${aw(lang, 'id_method')}</dt><dd>${aw(lang, id.method === 'counter' ? 'id_methodCounter' : 'id_methodRegistry')}</dd>
</dl>`
    : html`<dl id="identity"><dt>${t(lang, 'id_level')}</dt><dd id="ial" data-ial="1">${ialWords(lang, 1)}</dd></dl>
<p>${aw(lang, 'id_notVerified')}</p>`;
  const next =
    ial >= 3
      ? html``
      : ial === 2
        ? html`<p id="next-level">${aw(lang, 'id_toLevel3')}</p>`
        : o.online
          ? proofingFormSection({
              lang,
              action: 'account/identity',
              csrf: session.csrf,
              values: o.values,
              errors: o.errors,
            })
          : html`<p id="next-level">${aw(lang, 'id_noSource')}</p>`;
  return {
    title: aw(lang, 'id_title'),
    body: html`${errorSummary(lang, o.errors ?? [])}<h1>${aw(lang, 'id_title')}</h1>${nav(lang, session)}${
      o.verified
        ? html`<div class="notice" role="status" id="verified-notice"><h2>${aw(lang, 'id_verifiedTitle')}</h2><p>${aw(lang, 'id_verifiedLead', { level: ial })}</p></div>`
        : ''
    }<p class="lead">${aw(lang, 'id_lead')}</p>${facts}${
      o.codeWaiting && ial < 2
        ? html`<p class="notice" id="code-waiting"><a href="account/identity/code">${pw(lang, 'id_codeWaiting', { phone: o.codeWaiting })}</a></p>`
        : ''
    }${next}`,
  };
};

/**
 * Remote proofing's second half: the registry matched, and the code sent by SMS to the phone it
 * confirmed must be typed here before anything is recorded.
 */
export const identityCodeView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly sent: Parameters<typeof proofingCodeSection>[0]['sent'];
    readonly errors?: readonly FieldError[];
    readonly resent?: boolean;
  },
): View => ({
  title: pw(lang, 'id_codeTitle'),
  body: html`${errorSummary(lang, o.errors ?? [])}<h1>${pw(lang, 'id_codeTitle')}</h1>${nav(lang, session)}
${proofingCodeSection({ lang, action: 'account/identity/code', resendAction: 'account/identity/code/resend', csrf: session.csrf, sent: o.sent, errors: o.errors, resent: o.resent })}
<p><a href="account/identity">${aw(lang, 'id_back')}</a></p>`,
});

/** An attempt that changed nothing (paused, registry down, identity linked elsewhere, a code over). */
export const identityFailureView = (
  lang: Lang,
  session: PortalSession,
  failure: ProofingFailurePageKind,
): View => {
  const again =
    failure.kind === 'unavailable'
      ? html`<p><a class="button" href="account/identity">${t(lang, 'id_tryAgain')}</a></p>`
      : failure.kind === 'code-expired' || failure.kind === 'code-wrong' || failure.kind === 'code-limit'
        ? html`<p><a class="button" href="account/identity">${pw(lang, 'id_startAgain')}</a></p>`
        : html`<p><a href="account/identity">${aw(lang, 'id_back')}</a></p>`;
  const page = proofingFailurePage(lang, failure, again);
  return { title: page.title, body: html`${page.body}${nav(lang, session)}` };
};
