/** The "Your data" page: what the download holds, and closing the account (issue #21). */
import type { PortalSession } from '../../libs/portal/index.ts';
import { errorSummary, formatTime, hidden, html, type Lang } from '../../libs/web/index.ts';
import { dw as aw, type DataWord } from './data-words.ts';
import { nav, type View } from './views.ts';

/** The parts of the download, in its order: the page lists each, the file holds exactly these. */
export const EXPORT_PARTS = [
  'account',
  'signIn',
  'identity',
  'consents',
  'grants',
  'sessions',
  'activity',
  'licences',
  'companies',
] as const;
export type ExportPart = (typeof EXPORT_PARTS)[number];

const DELETED: readonly DataWord[] = [
  'data_deleted_account',
  'data_deleted_sessions',
  'data_deleted_consents',
  'data_deleted_identity',
  'data_deleted_companies',
];

/** A cooling-off in words: days, hours, minutes or seconds, whichever divides it. */
export const periodWords = (lang: Lang, seconds: number): string => {
  const units: ReadonlyArray<readonly [number, string, string]> = [
    [86_400, 'days', '天'],
    [3600, 'hours', '小时'],
    [60, 'minutes', '分钟'],
    [1, 'seconds', '秒'],
  ];
  const [size, en, zh] = units.find(([size]) => seconds % size === 0 && seconds >= size) ?? units[3]!;
  const n = Math.max(1, Math.round(seconds / size));
  return lang === 'en' ? `${n} ${n === 1 ? en.slice(0, -1) : en}` : `${n} ${zh}`;
};

export const dataView = (
  lang: Lang,
  session: PortalSession,
  o: {
    /** Seconds of the cooling-off. */
    readonly period: number;
    /** Epoch seconds when the account is deleted, while it is closing. */
    readonly closesAt?: number;
    /** Whether the sign-in is fresh enough to close the account now. */
    readonly fresh: boolean;
    /** Companies the person is legal representative of. */
    readonly represents: readonly string[];
    readonly cancelled?: boolean;
    readonly confirmError?: boolean;
  },
): View => {
  const closing =
    o.closesAt !== undefined
      ? html`<div class="notice" id="closing" role="status"><h2>${aw(lang, 'data_closingTitle')}</h2><p>${aw(lang, 'data_closingLead', { date: formatTime(lang, o.closesAt, undefined, { seconds: true }) })}</p>
<form method="post" action="account/data/cancel">${hidden('csrf', session.csrf)}<button type="submit">${aw(lang, 'data_cancelButton')}</button></form></div>`
      : '';
  const errors = o.confirmError ? [{ field: 'confirm', message: aw(lang, 'data_confirmError') }] : [];
  const closeForm =
    o.closesAt !== undefined
      ? ''
      : o.fresh
        ? html`<form method="post" action="account/data/close" novalidate>${hidden('csrf', session.csrf)}
<div class="field${o.confirmError ? ' error' : ''}">${o.confirmError ? html`<p class="message" id="confirm-error">${aw(lang, 'data_confirmError')}</p>` : ''}
<div class="checkboxes"><div><input type="checkbox" id="confirm" name="confirm" value="yes"${o.confirmError ? html` aria-invalid="true" aria-describedby="confirm-error"` : ''}><label for="confirm">${aw(lang, 'data_confirm')}</label></div></div></div>
<button type="submit" class="secondary" id="close-account">${aw(lang, 'data_closeButton')}</button></form>`
        : html`<p>${aw(lang, 'data_freshNeeded')}</p><form method="post" action="account/data/close">${hidden('csrf', session.csrf)}<button type="submit" class="secondary" id="confirm-fresh">${aw(lang, 'data_freshLink')}</button></form>`;
  return {
    title: aw(lang, 'data_title'),
    body: html`${errorSummary(lang, errors)}<h1>${aw(lang, 'data_title')}</h1><p class="lead">${aw(lang, 'data_lead')}</p>${nav(lang, session)}
${o.cancelled ? html`<div class="notice" role="status" id="cancelled"><p>${aw(lang, 'data_cancelled')}</p></div>` : ''}${closing}
<h2 id="download">${aw(lang, 'data_fileTitle')}</h2><p>${aw(lang, 'data_fileLead')}</p>
<ul id="parts">${EXPORT_PARTS.map((p) => html`<li data-part="${p}">${aw(lang, `data_part_${p}`)}</li>`)}</ul>
<form method="post" action="account/data/download">${hidden('csrf', session.csrf)}<button type="submit" id="download-data">${aw(lang, 'data_download')}</button></form>
<h2 id="close">${aw(lang, 'data_closeTitle')}</h2><p>${aw(lang, 'data_closeLead', { period: periodWords(lang, o.period) })}</p>
<h3>${aw(lang, 'data_deletedTitle')}</h3><ul id="deleted">${DELETED.map((k) => html`<li>${aw(lang, k)}</li>`)}</ul>
${o.represents.length ? html`<p class="notice" id="represents">${aw(lang, 'data_representative', { companies: o.represents.join(lang === 'en' ? ', ' : '、') })}</p>` : ''}
<h3>${aw(lang, 'data_keptTitle')}</h3><ul id="kept"><li>${aw(lang, 'data_kept_audit')}</li><li>${aw(lang, 'data_kept_licences')}</li></ul>
${closeForm}`,
  };
};

/** After asking to close: signed out everywhere, and how to change one's mind. */
export const closingStartedView = (lang: Lang, closesAt: number): View => ({
  title: aw(lang, 'data_closedTitle'),
  body: html`<h1>${aw(lang, 'data_closedTitle')}</h1><div class="notice" role="status" id="closing-started"><p>${aw(lang, 'data_closedLead', { date: formatTime(lang, closesAt, undefined, { seconds: true }) })}</p></div>
<p><a class="button secondary" href="account/login?returnTo=/account/data">${aw(lang, 'data_signInAgain')}</a></p>`,
});
