/**
 * The pages of the security console: overview, search, one event with its proof, alerts.
 * Written for a compliance officer, not an engineer: people by name, event types and
 * outcomes in words, every time in Beijing time with the zone named.
 */
import { type ChainedEvent, EVENT_TYPES, type EventProof, eventTypeEntry } from '../../libs/audit/index.ts';
import { ZONES } from '../../libs/config/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import {
  errorSummary,
  type FieldError,
  field,
  formatTime,
  type Html,
  html,
  type Lang,
  type MessageKey,
  t,
} from '../../libs/web/index.ts';

/** A page's title and body, framed by `consoleFrame`; `errors` shows the error summary first. */
export interface View {
  readonly title: string;
  readonly body: Html;
  readonly errors?: readonly FieldError[];
}

/** The console's zone: a government intranet console, read in Beijing. */
export const CONSOLE_TIME_ZONE = 'Asia/Shanghai';
/** China Standard Time is UTC+8 all year (no daylight saving). */
export const CONSOLE_UTC_OFFSET_MINUTES = 8 * 60;

/**
 * A moment in Beijing time, to the second, written as every page writes times (libs/web dates):
 * "28 November 2026 at 2:30:05pm (Beijing time, UTC+8)", "2026年11月28日 14:30:05（北京时间）".
 */
export const consoleTime = (lang: Lang, iso: string): string =>
  Number.isNaN(Date.parse(iso)) ? iso : formatTime(lang, iso, CONSOLE_TIME_ZONE, { seconds: true });

const timeOf = (lang: Lang, iso: string): Html =>
  html`<time datetime="${iso}">${consoleTime(lang, iso)}</time>`;

/** A day (YYYY-MM-DD) as the page's language writes it ("28 Nov", "11月28日"). */
const dayLabel = (lang: Lang, day: string, withYear = false): string =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
  });

/** An event type's name in the page's language, from the audit catalogue. */
export const typeName = (lang: Lang, type: string): string => {
  const entry = eventTypeEntry(type);
  return entry ? (lang === 'en' ? entry.en : entry.zh) : type;
};

const outcomeName = (lang: Lang, outcome: string): string =>
  ['success', 'failure', 'denied'].includes(outcome)
    ? t(lang, `audit_outcome_${outcome}` as MessageKey)
    : outcome;

const zoneName = (lang: Lang, zone: string): string =>
  (ZONES as readonly string[]).includes(zone) ? t(lang, `audit_zone_${zone}` as MessageKey) : zone;

/** The areas the event-type list is grouped by: the first part of each type's code. */
const AREAS: readonly (readonly [MessageKey, readonly string[]])[] = [
  ['audit_area_signIn', ['login', 'mfa', 'session']],
  ['audit_area_accounts', ['account', 'password']],
  ['audit_area_tokens', ['consent', 'token']],
  ['audit_area_access', ['policy']],
  ['audit_area_licences', ['licence']],
  ['audit_area_admin', ['admin']],
  ['audit_area_clients', ['client']],
  ['audit_area_alerts', ['alert', 'audit']],
];

/** Every catalogued type, under its area; a type of an area not listed falls into the last group. */
const typesByArea = (): readonly (readonly [MessageKey, readonly string[]])[] => {
  const types = Object.keys(EVENT_TYPES);
  const placed = new Set<string>();
  const groups = AREAS.map(([key, prefixes]) => {
    const members = types.filter((type) => prefixes.includes(type.split('.')[0]!));
    for (const m of members) placed.add(m);
    return [key, members] as const;
  });
  const rest = types.filter((type) => !placed.has(type));
  return groups.map(([key, members], i) =>
    i === groups.length - 1 ? ([key, [...members, ...rest]] as const) : ([key, members] as const),
  );
};

const RULES: Readonly<Record<string, MessageKey>> = {
  'brute-force': 'audit_rule_bruteForce',
  'password-spraying': 'audit_rule_passwordSpraying',
  'verification-burst': 'audit_rule_verificationBurst',
  'admin-after-hours': 'audit_rule_adminAfterHours',
};
const ruleName = (lang: Lang, rule: string): string => (RULES[rule] ? t(lang, RULES[rule]) : rule);

/** How the console names accounts and clients: "Zhang San (zhang.san)", a service's name. */
export interface Names {
  person(id: string | undefined): string;
  client(id: string | undefined): string;
}

/**
 * The console's own few rules on top of the kit's layout: the charts and the type list fit a
 * phone, and the result tables become one card per row below 40em (WCAG 1.4.10 reflow).
 */
export const CONSOLE_STYLES = `
.console select{max-width:100%}
.console nav ul{list-style:none;padding:0;margin:0 0 8px;display:flex;flex-wrap:wrap;gap:4px 16px}
.console #charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,400px),1fr));gap:0 32px}
.console .chart{display:block;margin:0 0 24px;min-width:0}
.console .chart svg{display:block;width:100%;height:auto;max-width:480px}
.console .chart svg a:focus rect{fill:#0b0c0c}
.console pre{white-space:pre-wrap;word-break:break-all;font-size:.875rem}
.console code{word-break:break-all}
@media (max-width:40em){
.console table.cards thead{position:absolute;left:-9999px}
.console table.cards tr{display:block;border-bottom:1px solid #b1b4b6;padding:8px 0}
.console table.cards td{display:block;border:0;padding:2px 0}
.console table.cards td[data-label]::before{content:attr(data-label) ": ";font-weight:700}
}`;

/** The console's navigation and sign-out around a page's title and body. */
export const consoleFrame = (lang: Lang, session: PortalSession, view: View): Html =>
  html`<div class="wide console"><nav aria-label="${t(lang, 'audit_console')}"><ul><li><a href="audit/console">${t(lang, 'audit_overview')}</a></li><li><a href="audit/console/events">${t(lang, 'audit_search')}</a></li><li><a href="audit/console/alerts">${t(lang, 'audit_alerts')}</a></li></ul></nav>
<form method="post" action="audit/console/logout"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="link-button">${t(lang, 'audit_signOut')}</button></form>
${errorSummary(lang, view.errors ?? [])}<h1>${view.title}</h1>${view.body}</div>`;

/** A link to the search filtered to one type over one day (China's day). */
const dayFilter = (type: string, day: string) =>
  `audit/console/events?${new URLSearchParams({ type, from: day, to: day })}`;

/** The highest value an axis shows: a round number at or above every count. */
const axisTop = (max: number): number => {
  if (max <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s * 4 >= max)!;
  return step * 4;
};

export interface ChartSeries {
  readonly type: string;
  readonly counts: ReadonlyMap<string, number>;
  readonly capped: boolean;
}

/**
 * One chart: bars per day on the scale every chart shares (`top`), a value axis with its
 * ticks, the days under the bars; each bar links to that day's events. Its numbers follow as
 * a table, each count linking to the same search.
 */
const barChart = (lang: Lang, series: ChartSeries, days: readonly string[], top: number): Html => {
  const name = typeName(lang, series.type);
  const values = days.map((d) => series.counts.get(d) ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  // Small units, so the text stays legible when the chart shrinks to a phone's width.
  const left = 36;
  const bottom = 28;
  const plot = 140;
  const slot = 20;
  const head = 24;
  const width = left + days.length * slot + 16;
  const height = head + plot + bottom;
  const y = (v: number) => head + plot - (v / top) * plot;
  const ticks = [0, top / 4, top / 2, (3 * top) / 4, top];
  const id = `chart-${series.type.replace(/\W/g, '-')}`;
  return html`<figure class="chart" data-type="${series.type}" aria-labelledby="${id}"><figcaption id="${id}"><strong>${name}</strong>: ${series.capped ? '≥' : ''}${total}</figcaption>
<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="group" aria-label="${name}, ${t(lang, 'audit_chartAxis')}">
<text x="2" y="11" font-size="12" fill="#505a5f">${t(lang, 'audit_chartAxis')}</text>
${ticks.map(
  (v) =>
    html`<line x1="${left}" x2="${width - 4}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 0 ? '#0b0c0c' : '#b1b4b6'}" stroke-width="1"/><text x="${left - 5}" y="${y(v) + 4}" font-size="13" text-anchor="end" fill="#0b0c0c">${String(v)}</text>`,
)}
<line x1="${left}" x2="${left}" y1="${head}" y2="${head + plot}" stroke="#0b0c0c" stroke-width="1"/>
${values.map((v, i) => {
  const x = left + i * slot + 3;
  const label = `${name}, ${dayLabel(lang, days[i]!, true)}: ${v}`;
  const bar = html`<rect x="${x}" y="${y(v)}" width="${slot - 6}" height="${head + plot - y(v)}" fill="#1d70b8"><title>${label}</title></rect>`;
  return v > 0 ? html`<a href="${dayFilter(series.type, days[i]!)}" aria-label="${label}">${bar}</a>` : bar;
})}
${days.map((d, i) =>
  (days.length - 1 - i) % 3
    ? ''
    : html`<text x="${left + i * slot + slot / 2}" y="${head + plot + 18}" font-size="13" text-anchor="middle" fill="#0b0c0c">${dayLabel(lang, d)}</text>`,
)}
</svg>
<details><summary>${t(lang, 'audit_chartTable')}: ${name}</summary>
<table class="counts"><caption class="skip">${name}</caption><thead><tr><th scope="col">${t(lang, 'audit_day')}</th><th scope="col">${t(lang, 'audit_count')}</th></tr></thead><tbody>${days.map(
    (d, i) =>
      html`<tr data-day="${d}"><td>${dayLabel(lang, d, true)}</td><td><a href="${dayFilter(series.type, d)}" aria-label="${name}, ${dayLabel(lang, d, true)}: ${values[i]!}">${String(values[i]!)}</a></td></tr>`,
  )}</tbody></table></details></figure>`;
};

/** The search results: one row an event, a card a row on a phone. */
const eventsTable = (lang: Lang, events: readonly ChainedEvent[], names: Names, id = 'events'): Html => {
  const heads: readonly MessageKey[] = [
    'audit_time',
    'audit_type',
    'audit_outcome',
    'audit_actor',
    'audit_subject',
    'audit_zone',
    'audit_source',
  ];
  const label = (k: MessageKey) => t(lang, k);
  return html`<table class="wide cards" id="${id}"><thead><tr>${heads.map((k) => html`<th scope="col">${label(k)}</th>`)}</tr></thead><tbody>${events.map(
    (e) =>
      html`<tr data-event-id="${e.eventId}" data-type="${e.type}"><td data-label="${label('audit_time')}"><a href="audit/console/events/${e.eventId}">${timeOf(lang, e.time)}</a></td><td data-label="${label('audit_type')}">${typeName(lang, e.type)}</td><td data-label="${label('audit_outcome')}">${outcomeName(lang, e.outcome)}</td><td data-label="${label('audit_actor')}">${e.actor ? names.person(e.actor) : ''}</td><td data-label="${label('audit_subject')}">${e.subject ? names.person(e.subject) : ''}</td><td data-label="${label('audit_zone')}">${zoneName(lang, e.zone)}</td><td data-label="${label('audit_source')}">${e.sourceIp ?? ''}</td></tr>`,
  )}</tbody></table>`;
};

/** The alerts table: what raised each, about whom, and the event that triggered it. */
const alertsTable = (lang: Lang, alerts: readonly ChainedEvent[], names: Names): Html => {
  const label = (k: MessageKey) => t(lang, k);
  const heads: readonly MessageKey[] = [
    'audit_time',
    'audit_rule',
    'audit_reason',
    'audit_subject',
    'audit_source',
    'audit_triggeredBy',
  ];
  return html`<table class="wide cards" id="alerts"><thead><tr>${heads.map((k) => html`<th scope="col">${label(k)}</th>`)}</tr></thead><tbody>${alerts.map(
    (a) =>
      html`<tr data-rule="${String(a.details?.rule ?? '')}"><td data-label="${label('audit_time')}"><a href="audit/console/events/${a.eventId}">${timeOf(lang, a.time)}</a></td><td data-label="${label('audit_rule')}">${ruleName(lang, String(a.details?.rule ?? ''))}</td><td data-label="${label('audit_reason')}">${a.reason ?? ''}</td><td data-label="${label('audit_subject')}">${a.subject ? names.person(a.subject) : ''}</td><td data-label="${label('audit_source')}">${a.sourceIp ?? ''}</td><td data-label="${label('audit_triggeredBy')}"><a href="audit/console/events/${String(a.details?.triggeredBy ?? '')}">${typeName(lang, String(a.details?.triggeredByType ?? ''))}</a></td></tr>`,
  )}</tbody></table>`;
};

/** The empty state of the alerts: a statement of fact for the period, and what was watched. */
const noAlerts = (lang: Lang, days: number): Html =>
  html`<div id="no-alerts" class="notice"><p><strong>${t(lang, 'audit_noAlerts', { count: days })}</strong></p><p>${t(lang, 'audit_noAlertsLead')}</p></div>`;

/** The overview: a chart per watched event type on one scale, then the latest alerts. */
export const overviewView = (
  lang: Lang,
  o: {
    readonly days: readonly string[];
    readonly charts: readonly ChartSeries[];
    readonly alerts: readonly ChainedEvent[];
    readonly alertDays: number;
    readonly names: Names;
  },
): View => {
  const max = Math.max(0, ...o.charts.flatMap((c) => o.days.map((d) => c.counts.get(d) ?? 0)));
  const top = axisTop(max);
  return {
    title: t(lang, 'audit_console'),
    body: html`<p>${t(lang, 'audit_timesNote')}</p><h2>${t(lang, 'audit_lastDays', { count: o.days.length })}</h2>
<p>${t(lang, 'audit_chartNote')}</p><div id="charts">${o.charts.map((c) => barChart(lang, c, o.days, top))}</div>
<h2>${t(lang, 'audit_alerts')}</h2>${o.alerts.length ? alertsTable(lang, o.alerts, o.names) : noAlerts(lang, o.alertDays)}`,
  };
};

/** What the search form shows: the values as typed, whatever became of them. */
export interface SearchForm {
  readonly actor?: string;
  readonly subject?: string;
  readonly client?: string;
  readonly type?: string;
  readonly outcome?: string;
  readonly zone?: string;
  readonly from?: string;
  readonly to?: string;
}

/** The search form (errors on it, input kept), the export links and a page of matching events. */
export const searchView = (
  lang: Lang,
  o: {
    readonly form: SearchForm;
    readonly errors: readonly FieldError[];
    /** The form as a query string, for the export and next-page links. */
    readonly keep: URLSearchParams;
    /** Undefined when the search was not run (the form has errors). */
    readonly events: readonly ChainedEvent[] | undefined;
    readonly next: string | undefined;
    readonly names: Names;
  },
): View => {
  const { form: f, errors } = o;
  const errorOf = (name: string) => errors.find((e) => e.field === name)?.message;
  const text = (name: 'actor' | 'subject' | 'client' | 'from' | 'to', hint?: MessageKey) =>
    field({
      name,
      label: t(lang, `audit_${name}`),
      autocomplete: 'off',
      maxlength: 256,
      value: f[name] ?? '',
      hint: hint ? t(lang, hint) : undefined,
      error: errorOf(name),
    });
  const select = (name: 'outcome' | 'zone', options: readonly string[], word: (v: string) => string) =>
    html`<div class="field"><label for="${name}">${t(lang, `audit_${name}`)}</label><select id="${name}" name="${name}"><option value="">${t(lang, 'audit_any')}</option>${options.map(
      (v) => html`<option value="${v}"${f[name] === v ? ' selected' : ''}>${word(v)}</option>`,
    )}</select></div>`;
  const typeSelect = html`<div class="field"><label for="type">${t(lang, 'audit_type')}</label><select id="type" name="type"><option value="">${t(lang, 'audit_any')}</option>${typesByArea().map(
    ([area, types]) =>
      html`<optgroup label="${t(lang, area)}">${types.map(
        (type) =>
          html`<option value="${type}"${f.type === type ? ' selected' : ''}>${typeName(lang, type)}</option>`,
      )}</optgroup>`,
  )}</select></div>`;
  const keep = o.keep.toString();
  return {
    title: t(lang, 'audit_search'),
    errors,
    body: html`<p>${t(lang, 'audit_timesNote')}</p><form method="get" action="audit/console/events" id="search" novalidate><div class="filters">
${text('actor', 'audit_personHint')}${text('subject', 'audit_personHint')}${text('client')}
${typeSelect}
${select('outcome', ['success', 'failure', 'denied'], (v) => outcomeName(lang, v))}
${select('zone', ZONES, (v) => zoneName(lang, v))}
${text('from', 'audit_dateHint')}${text('to', 'audit_dateHint')}</div><button type="submit">${t(lang, 'audit_find')}</button></form>
${
  o.events === undefined
    ? ''
    : html`<p><a href="audit/console/events?${keep}${keep ? '&' : ''}format=csv" download>${t(lang, 'audit_exportCsv')}</a> · <a href="audit/console/events?${keep}${keep ? '&' : ''}format=jsonl" download>${t(lang, 'audit_exportJsonl')}</a></p>
${
  o.events.length
    ? html`<h2 id="results">${t(lang, 'audit_results', { count: o.events.length })}</h2>${eventsTable(lang, o.events, o.names)}`
    : html`<p id="no-events" class="notice">${t(lang, 'audit_noEvents')}</p>`
}
${o.next ? html`<p><a id="next" href="audit/console/events?${keep}${keep ? '&' : ''}cursor=${o.next}">${t(lang, 'audit_next')}</a></p>` : ''}`
}`,
  };
};

/** The event in one sentence, in the page's language: who did what, where, when. */
export const eventSentence = (lang: Lang, e: ChainedEvent, names: Names): string => {
  const vars = {
    actor: e.actor ? names.person(e.actor) : '',
    subject: e.subject ? names.person(e.subject) : '',
    client: e.client ? names.client(e.client) : '',
    zone: lang === 'en' ? zoneName(lang, e.zone).toLowerCase() : zoneName(lang, e.zone),
    time: consoleTime(lang, e.time),
  };
  const own: Partial<Record<string, { key: MessageKey; needs: readonly (keyof typeof vars)[] }>> = {
    'login.success': { key: 'audit_sentence_loginSuccess', needs: ['actor', 'client'] },
    'login.failure': { key: 'audit_sentence_loginFailure', needs: ['subject', 'client'] },
    'audit.account_lookup': { key: 'audit_sentence_lookup', needs: ['actor', 'subject'] },
  };
  const template = own[e.type];
  if (template?.needs.every((k) => vars[k])) return t(lang, template.key, vars);
  const parts = [
    vars.actor && t(lang, 'audit_part_actor', { name: vars.actor }),
    vars.subject && vars.subject !== vars.actor && t(lang, 'audit_part_subject', { name: vars.subject }),
    vars.client && t(lang, 'audit_part_client', { name: vars.client }),
    t(lang, 'audit_part_zone', { zone: vars.zone }),
    t(lang, 'audit_part_time', { time: vars.time }),
  ].filter((p): p is string => Boolean(p));
  return t(lang, 'audit_sentence', {
    what: typeName(lang, e.type),
    parts: parts.join(t(lang, 'audit_partSeparator')),
  });
};

/** What the chain proof found, in words: libs/audit gives a code and its numbers. */
const proofText = (lang: Lang, proof: EventProof): string => {
  const r = proof.result;
  switch (r.code) {
    case 'broken':
      return t(lang, `audit_proofBroken_${r.kind}`, { seq: r.seq });
    case 'misplaced':
      return t(lang, 'audit_proofMisplaced');
    case 'pending':
      return t(lang, 'audit_proofPending');
    case 'uncovered':
      return t(lang, 'audit_proofUncovered', { seq: r.headSeq });
    case 'covered':
      return t(lang, 'audit_proofCovered', {
        time: consoleTime(lang, r.signedAt),
        count: proof.links.length,
        seq: r.headSeq,
      });
    case 'diverged':
      return t(lang, 'audit_proofDiverged', { seq: r.headSeq });
  }
};

/** One event: a sentence, the facts in words, the raw record one click away, and its chain proof. */
export const eventView = (lang: Lang, event: ChainedEvent, proof: EventProof, names: Names): View => {
  const fact = (key: MessageKey, value: Html | string | undefined) =>
    value ? html`<dt>${t(lang, key)}</dt><dd>${value}</dd>` : '';
  return {
    title: typeName(lang, event.type),
    body: html`<p class="lead" id="sentence">${eventSentence(lang, event, names)}</p>
<dl id="event">${fact('audit_when', timeOf(lang, event.time))}${fact('audit_what', typeName(lang, event.type))}${fact('audit_outcome', outcomeName(lang, event.outcome))}${fact('audit_actor', event.actor ? names.person(event.actor) : undefined)}${fact('audit_subject', event.subject ? names.person(event.subject) : undefined)}${fact('audit_client', event.client ? names.client(event.client) : undefined)}${fact('audit_department', event.department)}${fact('audit_resource', event.resource)}${fact('audit_zone', zoneName(lang, event.zone))}${fact('audit_source', event.sourceIp)}${fact('audit_reason', event.reason)}${fact('audit_reference', html`<code>${event.eventId}</code>`)}${fact('audit_requestReference', event.correlationId ? html`<code>${event.correlationId}</code>` : undefined)}</dl>
<details id="raw"><summary>${t(lang, 'audit_raw')}</summary><pre>${JSON.stringify(event, null, 2)}</pre></details>
<h2>${t(lang, 'audit_proof')}</h2>
<p id="proof" class="${proof.ok ? 'ok' : 'bad'}">${proof.ok ? t(lang, 'audit_intact') : t(lang, 'audit_broken')}: ${proofText(lang, proof)}</p>
${proof.checkpoint ? html`<p>${t(lang, 'audit_checkpoint')} <code>${proof.checkpoint.checkpointId}</code> (${timeOf(lang, proof.checkpoint.createdAt)}), ${t(lang, 'audit_key')} <code>${proof.checkpoint.kid ?? ''}</code></p>` : ''}
<details><summary>${t(lang, 'audit_links', { count: proof.links.length })}</summary><ol>${proof.links.map((k) => html`<li value="${k.seq}"><code>${k.hash}</code></li>`)}</ol></details>`,
  };
};

/** An event id that names no event (mistyped, or expired): a page, not an API's problem. */
export const eventNotFoundView = (lang: Lang): View => ({
  title: t(lang, 'audit_notFound'),
  body: html`<p>${t(lang, 'audit_notFoundLead')}</p><p><a href="audit/console/events">${t(lang, 'audit_search')}</a></p>`,
});

/** The alerts the detection rules raised over the last `days` days, newest first. */
export const alertsView = (
  lang: Lang,
  alerts: readonly ChainedEvent[],
  days: number,
  names: Names,
): View => ({
  title: t(lang, 'audit_alerts'),
  body: alerts.length
    ? html`<p>${t(lang, 'audit_alertsLead', { count: days })} ${t(lang, 'audit_timesNote')}</p>${alertsTable(lang, alerts, names)}`
    : noAlerts(lang, days),
});
