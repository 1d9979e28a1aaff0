/** The account centre's connected services and sessions pages (issue #21). */

import type { PortalSession } from '../../libs/portal/index.ts';
import { formatDate, formatTime, hidden, html, type Lang, t } from '../../libs/web/index.ts';
import { deviceOf } from './device-words.ts';
import { nav, type View, ZONE_WORDS } from './views.ts';
import { type AccountWord, aw } from './words.ts';

/** A site the person allowed, as the connected services page shows it. */
export interface ServiceShown {
  readonly clientId: string;
  readonly name: string;
  /** Its department's name in the page's language. */
  readonly department: string;
  /** What it may see and do, in plain words. */
  readonly access: readonly string[];
  /** When the person first allowed it (ISO text or epoch seconds), when known. */
  readonly since?: string | number;
  /** The newest sign-in or token for it in the person's own activity (ISO text). */
  readonly lastUsed?: string;
  /** Browser sessions signed in to it now. */
  readonly sessions: number;
}

/** A session as the sessions page shows it: never its id (the session cookie's value), only its uid. */
export interface SessionShown {
  readonly uid: string;
  readonly current: boolean;
  readonly userAgent?: string;
  readonly zone?: string;
  readonly network?: string;
  readonly loginTs?: number;
  readonly lastSeenAt?: string;
  readonly amr: readonly string[];
  /** The names of the sites signed in to in it. */
  readonly sites: readonly string[];
}

const list = (lang: Lang, items: readonly string[]) => items.join(lang === 'en' ? ', ' : '、');

const notice = (id: string, text: string) =>
  html`<div class="notice" role="status" id="${id}"><p>${text}</p></div>`;

/** Connected services: each site with its department, what it may see, when last used, and withdrawing it. */
export const servicesView = (
  lang: Lang,
  session: PortalSession,
  o: { readonly services: readonly ServiceShown[]; readonly withdrawn?: string },
): View => ({
  title: aw(lang, 'svc_title'),
  body: html`<h1>${aw(lang, 'svc_title')}</h1><p class="lead">${aw(lang, 'svc_lead')}</p>${nav(lang, session)}${
    o.withdrawn ? notice('withdrawn-notice', aw(lang, 'svc_withdrawn', { name: o.withdrawn })) : ''
  }${
    o.services.length
      ? html`<p>${aw(lang, 'svc_count', { count: o.services.length })}</p><ul class="cards" id="services">${o.services.map(
          (s) => html`<li data-client="${s.clientId}"><h2 class="wrap">${s.name}</h2><dl>
<dt>${aw(lang, 'svc_department')}</dt><dd class="department">${s.department}</dd>
<dt>${aw(lang, 'svc_maySee')}</dt><dd><ul class="access">${s.access.map((a) => html`<li>${a}</li>`)}</ul></dd>
${s.since !== undefined ? html`<dt>${aw(lang, 'svc_since')}</dt><dd>${formatDate(lang, s.since)}</dd>` : ''}
<dt>${aw(lang, 'svc_lastUsed')}</dt><dd class="last-used">${s.lastUsed ? formatTime(lang, s.lastUsed) : aw(lang, 'svc_notUsed')}</dd>
${s.sessions ? html`<dt>${t(lang, 'status')}</dt><dd>${aw(lang, 'svc_signedInNow', { count: s.sessions })}</dd>` : ''}
</dl>
<form method="post" action="account/services/${encodeURIComponent(s.clientId)}/withdraw">${hidden('csrf', session.csrf)}<button type="submit" class="warning">${aw(lang, 'svc_withdraw')}<span class="visually-hidden">: ${s.name}</span></button></form></li>`,
        )}</ul>
<p class="hint" id="withdraw-hint">${aw(lang, 'svc_withdrawHint')}</p>
<p class="hint">${aw(lang, 'svc_lastUsedHint')}</p>`
      : html`<p id="services">${aw(lang, 'svc_none')}</p>`
  }`,
});

const AMR_WORDS: Readonly<Record<string, AccountWord>> = {
  pwd: 'sess_amr_pwd',
  otp: 'sess_amr_otp',
  hwk: 'sess_amr_hwk',
};

const deviceWords = (lang: Lang, userAgent: string | undefined) => {
  const d = deviceOf(lang, userAgent);
  return aw(lang, 'sess_deviceOn', {
    browser: d.browser ?? aw(lang, 'sess_unknownBrowser'),
    system: d.system ?? aw(lang, 'sess_unknownSystem'),
  });
};

/** Sessions and devices: each session (this one marked), signing out of one, and of everything. */
export const sessionsView = (
  lang: Lang,
  session: PortalSession,
  o: { readonly sessions: readonly SessionShown[]; readonly ended?: boolean },
): View => {
  const zone = (z: string | undefined) => (z && ZONE_WORDS[z] ? t(lang, ZONE_WORDS[z]) : (z ?? ''));
  const how = (amr: readonly string[]) => {
    const words = amr.filter((a) => AMR_WORDS[a]).map((a) => aw(lang, AMR_WORDS[a]!));
    return words.length ? list(lang, words) : aw(lang, 'sess_amrUnknown');
  };
  return {
    title: aw(lang, 'sess_title'),
    body: html`<h1>${aw(lang, 'sess_title')}</h1><p class="lead">${aw(lang, 'sess_lead')}</p>${nav(lang, session)}${
      o.ended ? notice('ended-notice', aw(lang, 'sess_ended')) : ''
    }${
      o.sessions.length
        ? html`<p>${aw(lang, 'sess_count', { count: o.sessions.length })}</p><ul class="cards" id="sessions">${o.sessions.map(
            (s) => {
              const device = deviceWords(lang, s.userAgent);
              return html`<li data-session="${s.uid}"${s.current ? html` class="current"` : ''}><h2>${device}${
                s.current ? html` <strong class="tag">${aw(lang, 'sess_this')}</strong>` : ''
              }</h2><dl>
<dt>${aw(lang, 'sess_zone')}</dt><dd>${zone(s.zone)}</dd>
${s.loginTs !== undefined ? html`<dt>${aw(lang, 'sess_signedIn')}</dt><dd>${formatTime(lang, s.loginTs)}</dd>` : ''}
${s.lastSeenAt ? html`<dt>${aw(lang, 'sess_lastSeen')}</dt><dd>${formatTime(lang, s.lastSeenAt)}</dd>` : ''}
<dt>${aw(lang, 'sess_where')}</dt><dd class="wrap network">${s.network ? aw(lang, 'sess_whereHint', { network: s.network }) : aw(lang, 'sess_whereUnknown')}</dd>
<dt>${aw(lang, 'sess_how')}</dt><dd>${how(s.amr)}</dd>
<dt>${aw(lang, 'sess_sites')}</dt><dd class="wrap sites">${s.sites.length ? list(lang, s.sites) : aw(lang, 'sess_sitesNone')}</dd>
</dl>
<form method="post" action="account/sessions/${encodeURIComponent(s.uid)}/end">${hidden('csrf', session.csrf)}<button type="submit" class="secondary">${
                s.current ? aw(lang, 'sess_endThis') : aw(lang, 'sess_end')
              }<span class="visually-hidden">: ${device}${s.loginTs !== undefined ? `, ${formatTime(lang, s.loginTs)}` : ''}</span></button></form></li>`;
            },
          )}</ul>`
        : html`<p id="sessions">${aw(lang, 'sess_none')}</p>`
    }
<h2 id="everywhere">${aw(lang, 'sess_endAllTitle')}</h2><p>${aw(lang, 'sess_endAllLead')}</p>
<form method="post" action="account/sessions/end-all">${hidden('csrf', session.csrf)}<button type="submit" class="warning">${aw(lang, 'sess_endAll')}</button></form>`,
  };
};

/** After signing out everywhere (or of this very session): nothing more to show, sign in again. */
export const signedOutView = (lang: Lang, everywhere: boolean): View => ({
  title: aw(lang, 'sess_signedOutTitle'),
  body: html`<h1>${aw(lang, 'sess_signedOutTitle')}</h1><p class="lead" id="signed-out">${aw(
    lang,
    everywhere ? 'sess_signedOutLead' : 'sess_signedOutThisLead',
  )}</p>
<p><a class="button" href="account/sessions">${t(lang, 'signIn')}</a></p>`,
});
