/** The pages of the account portal: the licence wallet, shares, checks and activity. */
import { type ChainedEvent, eventTypeEntry } from '../../libs/audit/index.ts';
import {
  claimLabel,
  type Licence,
  type LicenceType,
  type Receipt,
  type Share,
} from '../../libs/licences/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import {
  formatDate,
  formatTime,
  type Html,
  html,
  type Lang,
  type MessageKey,
  t,
} from '../../libs/web/index.ts';

/** A page's title and body, framed by the page response. */
export interface View {
  readonly title: string;
  readonly body: Html;
}

/** How long a share link may live, in hours: an hour, a day, a week. */
const SHARE_HOURS = [1, 24, 168] as const;

const nav = (lang: Lang, session: PortalSession) =>
  html`<p><a href="account/licences">${t(lang, 'walletTitle')}</a> · <a href="account/verifications">${t(lang, 'verifications')}</a> · <a href="account/activity">${t(lang, 'activity')}</a></p>
<form method="post" action="account/logout"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="link-button">${t(lang, 'signOut')}</button></form>`;

/** The wallet: every licence of the signed-in person. */
export const walletView = (
  lang: Lang,
  session: PortalSession,
  licences: readonly Licence[],
  types: ReadonlyMap<string, LicenceType>,
): View => {
  const rows = licences.map((l) => {
    const type = types.get(l.vct);
    return html`<tr><td>${type?.name[lang] ?? l.vct}</td><td><code>${l.licenceId}</code></td><td>${formatDate(lang, l.exp)}</td><td>${t(lang, l.status)}</td><td><a href="account/licences/${encodeURIComponent(l.licenceId)}">${t(lang, 'view')}</a></td></tr>`;
  });
  return {
    title: t(lang, 'walletTitle'),
    body: html`<h1>${t(lang, 'walletTitle')}</h1><p class="lead">${t(lang, 'walletLead')}</p>${nav(lang, session)}${
      licences.length
        ? html`<table id="licences"><thead><tr><th>${t(lang, 'type')}</th><th>${t(lang, 'number')}</th><th>${t(lang, 'validUntil')}</th><th>${t(lang, 'status')}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
        : html`<p>${t(lang, 'noLicences')}</p>`
    }`,
  };
};

/** One licence: its details, the form to share chosen fields, and its shares. */
export const licenceView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly licence: Licence;
    readonly type: LicenceType | undefined;
    readonly claims: Readonly<Record<string, unknown>>;
    readonly fields: readonly string[];
    readonly shares: readonly Share[];
    /** Now, in seconds since the epoch: which shares have expired. */
    readonly now: number;
  },
): View => {
  const { licence, type, claims, fields, shares, now } = o;
  const id = encodeURIComponent(licence.licenceId);
  return {
    title: type?.name[lang] ?? licence.vct,
    body: html`<h1>${type?.name[lang] ?? licence.vct}</h1>${nav(lang, session)}
<dl id="licence">
<dt>${t(lang, 'number')}</dt><dd><code>${licence.licenceId}</code></dd>
<dt>${t(lang, 'status')}</dt><dd>${t(lang, licence.status)}</dd>
<dt>${t(lang, 'validFrom')}</dt><dd>${formatDate(lang, licence.nbf)}</dd>
<dt>${t(lang, 'validUntil')}</dt><dd>${formatDate(lang, licence.exp)}</dd>
${Object.keys(claims)
  .filter((n) => type?.claims.some((f) => f.name === n) || n.startsWith('age_over_'))
  .map((n) => html`<dt>${claimLabel(lang, type, n)}</dt><dd>${String(claims[n])}</dd>`)}
</dl>
<p><a class="button secondary" href="account/licences/${id}/download">${t(lang, 'download')}</a></p>
<h2>${t(lang, 'share')}</h2>
<p>${t(lang, 'shareLead')}</p>
<form method="post" action="account/licences/${id}/shares" novalidate>
<input type="hidden" name="csrf" value="${session.csrf}">
<fieldset><legend>${t(lang, 'fields')}</legend>
${fields.map((name) => html`<div><input type="checkbox" id="field-${name}" name="fields" value="${name}"> <label for="field-${name}" style="display:inline">${claimLabel(lang, type, name)}</label></div>`)}
</fieldset>
<div class="field"><label for="purpose">${t(lang, 'purpose')}</label><p class="hint">${t(lang, 'purposeHint')}</p><input type="text" id="purpose" name="purpose" maxlength="200" required></div>
<div class="field"><label for="hours">${t(lang, 'validFor')}</label><select id="hours" name="hours">${SHARE_HOURS.map(
      (h) =>
        html`<option value="${h}"${h === 24 ? ' selected' : ''}>${h < 48 ? t(lang, 'hours', { count: h }) : t(lang, 'days', { count: h / 24 })}</option>`,
    )}</select></div>
<button type="submit">${t(lang, 'createLink')}</button>
</form>
<h2>${t(lang, 'shares')}</h2>
${
  shares.length
    ? html`<table id="shares"><thead><tr><th>${t(lang, 'forWhat')}</th><th>${t(lang, 'fields')}</th><th>${t(lang, 'expiresAt')}</th><th></th></tr></thead><tbody>${shares.map(
        (s) =>
          html`<tr><td>${s.purpose}</td><td>${s.fields.map((f) => claimLabel(lang, type, f)).join(', ')}</td><td>${formatTime(lang, s.linkExpiresAt)}</td><td>${
            s.withdrawnAt
              ? t(lang, 'withdrawn')
              : s.linkExpiresAt <= now
                ? t(lang, 'expiredShort')
                : html`<form method="post" action="account/shares/${s.shareId}/withdraw"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="secondary">${t(lang, 'withdraw')}</button></form>`
          }</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t(lang, 'none')}</p>`
}`,
  };
};

/** A new share: its link and QR code, until when they work. */
export const shareReadyView = (
  lang: Lang,
  session: PortalSession,
  o: { readonly licence: Licence; readonly share: Share; readonly url: string; readonly qr: string },
): View => ({
  title: t(lang, 'linkReady'),
  body: html`<h1>${t(lang, 'linkReady')}</h1>${nav(lang, session)}
<p class="lead">${t(lang, 'linkReadyLead', { time: formatTime(lang, o.share.linkExpiresAt) })}</p>
<p><a id="share-link" href="${o.url}">${o.url}</a></p>
<p><img id="share-qr" src="${o.qr}" alt="QR code: ${o.url}" width="240" height="240"></p>
<p><a href="account/licences/${encodeURIComponent(o.licence.licenceId)}">${t(lang, 'back')}</a></p>`,
});

const receiptsTable = (
  lang: Lang,
  receipts: readonly Receipt[],
  typeNames: (licenceId: string) => string,
): Html =>
  receipts.length
    ? html`<table id="receipts"><thead><tr><th>${t(lang, 'when')}</th><th>${t(lang, 'type')}</th><th>${t(lang, 'who')}</th><th>${t(lang, 'forWhat')}</th><th>${t(lang, 'result')}</th></tr></thead><tbody>${receipts.map(
        (r) =>
          html`<tr><td>${formatTime(lang, r.at)}</td><td>${typeNames(r.licenceId)}</td><td>${r.channel === 'link' ? t(lang, 'linkVisitor') : r.verifier}</td><td>${r.purpose}</td><td>${t(lang, r.verdict as MessageKey)}</td></tr>`,
      )}</tbody></table>`
    : html`<p id="receipts">${t(lang, 'noVerifications')}</p>`;

/** Who checked my licences: every check, with who, when and the purpose they gave. */
export const verificationsView = (
  lang: Lang,
  session: PortalSession,
  receipts: readonly Receipt[],
  typeNames: (licenceId: string) => string,
): View => ({
  title: t(lang, 'verifications'),
  body: html`<h1>${t(lang, 'verifications')}</h1><p class="lead">${t(lang, 'verificationsLead')}</p>${nav(lang, session)}${receiptsTable(lang, receipts, typeNames)}`,
});

/** My activity: the services I signed in to, and my own events from the audit trail. */
export const activityView = (
  lang: Lang,
  session: PortalSession,
  o: {
    /** Newest first. */
    readonly events: readonly ChainedEvent[];
    /** Each service signed in to, with its latest sign-in. */
    readonly sites: ReadonlyMap<string, string>;
    /** Client names by client id. */
    readonly names: ReadonlyMap<string, string>;
  },
): View => {
  const { events, sites, names } = o;
  const describe = (type: string) => {
    const entry = eventTypeEntry(type);
    return entry ? (lang === 'en' ? entry.en : entry.zh) : type;
  };
  return {
    title: t(lang, 'activity'),
    body: html`<h1>${t(lang, 'activity')}</h1><p class="lead">${t(lang, 'activityLead')}</p>${nav(lang, session)}
<h2>${t(lang, 'sitesUsed')}</h2>${
      sites.size
        ? html`<table id="sites"><thead><tr><th>${t(lang, 'activityService')}</th><th>${t(lang, 'lastUsed')}</th></tr></thead><tbody>${[
            ...sites,
          ].map(
            ([id, time]) =>
              html`<tr><td>${names.get(id) ?? id}</td><td>${formatTime(lang, Date.parse(time) / 1000)}</td></tr>`,
          )}</tbody></table>`
        : html`<p>${t(lang, 'noActivity')}</p>`
    }
<h2>${t(lang, 'what')}</h2>${
      events.length
        ? html`<table id="activity"><thead><tr><th>${t(lang, 'when')}</th><th>${t(lang, 'what')}</th><th>${t(lang, 'activityService')}</th><th>${t(lang, 'where')}</th><th>${t(lang, 'fromAddress')}</th></tr></thead><tbody>${events.map(
            (e) =>
              html`<tr data-type="${e.type}"><td>${formatTime(lang, Date.parse(e.time) / 1000)}</td><td>${describe(e.type)}</td><td>${e.client ? (names.get(e.client) ?? e.client) : (e.resource ?? '')}</td><td>${e.zone}</td><td>${e.sourceIp ?? ''}</td></tr>`,
          )}</tbody></table>`
        : html`<p>${t(lang, 'noActivity')}</p>`
    }`,
  };
};
