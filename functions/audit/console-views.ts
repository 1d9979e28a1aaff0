/** The pages of the security console: overview, search, one event with its proof, alerts. */
import {
  type AuditFilter,
  type ChainedEvent,
  EVENT_TYPES,
  type EventProof,
  eventTypeEntry,
} from '../../libs/audit/index.ts';
import { ZONES } from '../../libs/config/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import { type Html, html, type Lang, t } from '../../libs/web/index.ts';

/** A page's title and body, framed by `consoleFrame`. */
export interface View {
  readonly title: string;
  readonly body: Html;
}

/** An event type's name in the page's language, from the audit catalogue. */
const typeName = (lang: Lang, type: string) => {
  const entry = eventTypeEntry(type);
  return entry ? (lang === 'en' ? entry.en : entry.zh) : type;
};

/** The console's navigation and sign-out around a page's title and body. */
export const consoleFrame = (lang: Lang, session: PortalSession, view: View): Html =>
  html`<div class="wide"><p><a href="audit/console">${t(lang, 'audit_overview')}</a> · <a href="audit/console/events">${t(lang, 'audit_search')}</a> · <a href="audit/console/alerts">${t(lang, 'audit_alerts')}</a></p>
<form method="post" action="audit/console/logout"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="link-button">${t(lang, 'audit_signOut')}</button></form>
<h1>${view.title}</h1>${view.body}</div>`;

/** An inline SVG bar chart with its numbers as a table for screen readers. */
const barChart = (
  title: string,
  days: readonly string[],
  counts: ReadonlyMap<string, number>,
  capped: boolean,
): Html => {
  const values = days.map((d) => counts.get(d) ?? 0);
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const w = 14;
  return html`<figure class="chart" data-type="${title}"><figcaption><strong>${title}</strong>: ${capped ? '≥' : ''}${total}</figcaption>
<svg role="img" aria-label="${title}: ${total}" width="${days.length * w}" height="64" viewBox="0 0 ${days.length * w} 64">${values.map(
    (v, i) => {
      const h = Math.round((v / max) * 60);
      return html`<rect x="${i * w + 1}" y="${62 - h}" width="${w - 2}" height="${h}" fill="#1d70b8"><title>${days[i]}: ${v}</title></rect>`;
    },
  )}<line x1="0" y1="62.5" x2="${days.length * w}" y2="62.5" stroke="#0b0c0c"/></svg></figure>`;
};

const eventsTable = (lang: Lang, events: readonly ChainedEvent[]): Html =>
  events.length
    ? html`<table class="wide" id="events"><thead><tr><th>${t(lang, 'audit_time')}</th><th>${t(lang, 'audit_type')}</th><th>${t(lang, 'audit_outcome')}</th><th>${t(lang, 'audit_zone')}</th><th>${t(lang, 'audit_actor')}</th><th>${t(lang, 'audit_subject')}</th><th>${t(lang, 'audit_client')}</th><th>${t(lang, 'audit_source')}</th></tr></thead><tbody>${events.map(
        (e) =>
          html`<tr data-event-id="${e.eventId}" data-type="${e.type}"><td><a href="audit/console/events/${e.eventId}">${e.time.replace('T', ' ').slice(0, 19)}</a></td><td title="${typeName(lang, e.type)}">${e.type}</td><td>${e.outcome}</td><td>${e.zone}</td><td>${e.actor ?? ''}</td><td>${e.subject ?? ''}</td><td>${e.client ?? ''}</td><td>${e.sourceIp ?? ''}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t(lang, 'audit_noEvents')}</p>`;

/** The overview: a chart per watched event type, then the latest alerts. */
export const overviewView = (
  lang: Lang,
  o: {
    readonly days: readonly string[];
    readonly charts: readonly {
      readonly type: string;
      readonly counts: ReadonlyMap<string, number>;
      readonly capped: boolean;
    }[];
    readonly alerts: readonly ChainedEvent[];
  },
): View => ({
  title: t(lang, 'audit_console'),
  body: html`<h2>${t(lang, 'audit_lastDays')}</h2><div id="charts">${o.charts.map((c) =>
    barChart(typeName(lang, c.type), o.days, c.counts, c.capped),
  )}</div>
<h2>${t(lang, 'audit_alerts')}</h2>${eventsTable(lang, o.alerts)}`,
});

/** The search form, the export links and a page of matching events. */
export const searchView = (
  lang: Lang,
  o: {
    readonly filter: AuditFilter;
    /** The filters as a query string, for the export and next-page links. */
    readonly keep: URLSearchParams;
    readonly events: readonly ChainedEvent[];
    readonly next: string | undefined;
  },
): View => {
  const { filter: f, keep } = o;
  const select = (name: 'outcome' | 'zone', options: readonly string[]) =>
    html`<select id="${name}" name="${name}"><option value="">${t(lang, 'audit_any')}</option>${options.map(
      (v) => html`<option value="${v}"${f[name] === v ? ' selected' : ''}>${v}</option>`,
    )}</select>`;
  const text = (name: 'actor' | 'subject' | 'client' | 'from' | 'to') =>
    html`<div class="field"><label for="${name}">${t(lang, `audit_${name}`)}</label><input type="text" id="${name}" name="${name}" value="${f[name] ?? ''}"></div>`;
  return {
    title: t(lang, 'audit_search'),
    body: html`<form method="get" action="audit/console/events" id="search"><div class="filters">
${text('actor')}${text('subject')}${text('client')}
<div class="field"><label for="type">${t(lang, 'audit_type')}</label><select id="type" name="type"><option value="">${t(lang, 'audit_any')}</option>${Object.keys(
      EVENT_TYPES,
    ).map(
      (type) => html`<option value="${type}"${f.type === type ? ' selected' : ''}>${type}</option>`,
    )}</select></div>
<div class="field"><label for="outcome">${t(lang, 'audit_outcome')}</label>${select('outcome', ['success', 'failure', 'denied'])}</div>
<div class="field"><label for="zone">${t(lang, 'audit_zone')}</label>${select('zone', ZONES)}</div>
${text('from')}${text('to')}</div><button type="submit">${t(lang, 'audit_find')}</button></form>
<p><a href="audit/console/events?${keep}&format=csv" download>${t(lang, 'audit_exportCsv')}</a> · <a href="audit/console/events?${keep}&format=jsonl" download>${t(lang, 'audit_exportJsonl')}</a></p>
${eventsTable(lang, o.events)}
${o.next ? html`<p><a id="next" href="audit/console/events?${keep}&cursor=${o.next}">${t(lang, 'audit_next')}</a></p>` : ''}`,
  };
};

/** One event, every field of it, and the proof of its place in the chain. */
export const eventView = (lang: Lang, event: ChainedEvent, proof: EventProof): View => {
  const rows = Object.entries(event).filter(([k]) => k !== 'details');
  return {
    title: typeName(lang, event.type),
    body: html`<dl id="event">${rows.map(([k, v]) => html`<dt>${k}</dt><dd><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></dd>`)}
${event.details ? html`<dt>details</dt><dd><pre>${JSON.stringify(event.details, null, 2)}</pre></dd>` : ''}</dl>
<h2>${t(lang, 'audit_proof')}</h2>
<p id="proof" class="${proof.ok ? 'ok' : 'bad'}">${proof.ok ? t(lang, 'audit_intact') : t(lang, 'audit_broken')}: ${proof.message}</p>
${proof.checkpoint ? html`<p>${t(lang, 'audit_checkpoint')} <code>${proof.checkpoint.checkpointId}</code> (${proof.checkpoint.createdAt}), ${t(lang, 'audit_key')} <code>${proof.checkpoint.kid ?? ''}</code></p>` : ''}
<details><summary>${t(lang, 'audit_links', { count: proof.links.length })}</summary><ol>${proof.links.map((k) => html`<li value="${k.seq}"><code>${k.hash}</code></li>`)}</ol></details>`,
  };
};

/** The alerts the detection rules raised, newest first. */
export const alertsView = (lang: Lang, alerts: readonly ChainedEvent[]): View => ({
  title: t(lang, 'audit_alerts'),
  body: alerts.length
    ? html`<table class="wide" id="alerts"><thead><tr><th>${t(lang, 'audit_time')}</th><th>${t(lang, 'audit_rule')}</th><th>${t(lang, 'audit_reason')}</th><th>${t(lang, 'audit_subject')}</th><th>${t(lang, 'audit_source')}</th><th>${t(lang, 'audit_triggeredBy')}</th></tr></thead><tbody>${alerts.map(
        (a) =>
          html`<tr data-rule="${String(a.details?.rule ?? '')}"><td><a href="audit/console/events/${a.eventId}">${a.time.replace('T', ' ').slice(0, 19)}</a></td><td>${String(a.details?.rule ?? '')}</td><td>${a.reason ?? ''}</td><td>${a.subject ?? ''}</td><td>${a.sourceIp ?? ''}</td><td><a href="audit/console/events/${String(a.details?.triggeredBy ?? '')}">${String(a.details?.triggeredByType ?? '')}</a></td></tr>`,
      )}</tbody></table>`
    : html`<p>${t(lang, 'audit_noEvents')}</p>`,
});

/** The page of a refusal: the policies' explanation and the deciding policies, for the help desk. */
export const refusedView = (
  lang: Lang,
  decision: { readonly explanation: string; readonly policyIds: readonly string[] },
): View => ({
  title: t(lang, 'audit_refused'),
  body: html`<p id="refusal">${decision.explanation}</p><p>${t(lang, 'audit_reference')}: <code>${decision.policyIds.join(', ') || 'default-deny'}</code></p>`,
});
