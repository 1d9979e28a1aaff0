import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AccountStore } from '../../libs/accounts/store.ts';
import {
  type AuditQuery,
  type ChainedEvent,
  type DynamoAuditLog,
  EVENT_TYPES,
  eventTypeEntry,
  exportFormatOf,
  exportResponse,
  proveEvent,
  searchOf,
} from '../../libs/audit/index.ts';
import { NotFoundError } from '../../libs/http/index.ts';
import {
  FirstPartyPortal,
  type Html,
  html,
  type Lang,
  langOfEvent,
  type PortalSession,
  pageResponse,
} from '../../libs/login/index.ts';
import { SECURITY_CONSOLE } from '../../libs/oidc/first-party.ts';
import type { AccessControl } from '../../libs/policy/index.ts';
import { portalPageGuard } from '../../libs/policy/portal-access.ts';
import type { PublicRoute, Runtime } from '../../libs/runtime/index.ts';

const LABELS = {
  console: { en: 'Security console', zh: '安全审计控制台' },
  search: { en: 'Search the audit trail', zh: '检索审计记录' },
  alerts: { en: 'Alerts', zh: '告警' },
  overview: { en: 'Overview', zh: '概览' },
  signOut: { en: 'Sign out', zh: '退出' },
  find: { en: 'Search', zh: '检索' },
  any: { en: 'any', zh: '全部' },
  time: { en: 'Time', zh: '时间' },
  type: { en: 'Event', zh: '事件' },
  outcome: { en: 'Outcome', zh: '结果' },
  zone: { en: 'Zone', zh: '网络区域' },
  actor: { en: 'Actor', zh: '操作者' },
  subject: { en: 'Subject', zh: '对象' },
  client: { en: 'Client', zh: '客户端' },
  source: { en: 'Source address', zh: '来源地址' },
  from: { en: 'From', zh: '开始时间' },
  to: { en: 'To', zh: '结束时间' },
  next: { en: 'Next page', zh: '下一页' },
  exportCsv: { en: 'Export CSV', zh: '导出 CSV' },
  exportJsonl: { en: 'Export JSONL', zh: '导出 JSONL' },
  noEvents: { en: 'No events match.', zh: '没有匹配的事件。' },
  proof: { en: 'Chain proof', zh: '链式证明' },
  intact: { en: 'Intact', zh: '完整' },
  broken: { en: 'Not intact', zh: '不完整' },
  refused: { en: 'You cannot use the security console', zh: '您无权使用安全审计控制台' },
  reference: { en: 'Reference', zh: '参考编号' },
  lastDays: { en: 'per day, last 14 days', zh: '每日数量（最近 14 天）' },
  rule: { en: 'Rule', zh: '规则' },
  reason: { en: 'Reason', zh: '原因' },
  triggeredBy: { en: 'Triggered by', zh: '触发事件' },
} as const;
type Label = keyof typeof LABELS;
const l = (lang: Lang, key: Label) => LABELS[key][lang === 'en' ? 'en' : 'zh'];
const typeName = (lang: Lang, type: string) => {
  const entry = eventTypeEntry(type);
  return entry ? (lang === 'en' ? entry.en : entry.zh) : type;
};

const CHARTS = [
  'login.success',
  'login.failure',
  'account.locked',
  'licence.issued',
  'licence.verified',
] as const;
const CHART_DAYS = 14;

interface Page {
  readonly event: APIGatewayProxyEvent;
  readonly lang: Lang;
  readonly session: PortalSession;
}

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
    ? html`<table class="wide" id="events"><thead><tr><th>${l(lang, 'time')}</th><th>${l(lang, 'type')}</th><th>${l(lang, 'outcome')}</th><th>${l(lang, 'zone')}</th><th>${l(lang, 'actor')}</th><th>${l(lang, 'subject')}</th><th>${l(lang, 'client')}</th><th>${l(lang, 'source')}</th></tr></thead><tbody>${events.map(
        (e) =>
          html`<tr data-event-id="${e.eventId}" data-type="${e.type}"><td><a href="audit/console/events/${e.eventId}">${e.time.replace('T', ' ').slice(0, 19)}</a></td><td title="${typeName(lang, e.type)}">${e.type}</td><td>${e.outcome}</td><td>${e.zone}</td><td>${e.actor ?? ''}</td><td>${e.subject ?? ''}</td><td>${e.client ?? ''}</td><td>${e.sourceIp ?? ''}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${l(lang, 'noEvents')}</p>`;

/**
 * The security console: pages for auditors, served by the audit function and signed in
 * through the intranet issuer as its own client (password and a second factor: the client
 * requires level 2, so an auditor without TOTP is stepped up and enrols one). Every page
 * view meets the same `callApi` policies as the audit API and is audited.
 */
export const securityConsole = (
  runtime: Runtime,
  deps: { readonly log: DynamoAuditLog; readonly query: AuditQuery; readonly access: AccessControl },
): Record<string, PublicRoute> => {
  const { config, doc } = runtime;
  const portal = new FirstPartyPortal(runtime, {
    spec: SECURITY_CONSOLE,
    home: '/audit/console',
    cookie: 'yitong_console',
    sessionSeconds: 1800,
  });
  const { basePath } = portal;
  const accounts = new AccountStore(doc, config.tables.identity);

  const show = (p: Page, status: number, title: string, body: Html, path: string) =>
    pageResponse({
      event: p.event,
      status,
      lang: p.lang,
      title,
      basePath,
      path,
      body: html`<div class="wide"><p><a href="audit/console">${l(p.lang, 'overview')}</a> · <a href="audit/console/events">${l(p.lang, 'search')}</a> · <a href="audit/console/alerts">${l(p.lang, 'alerts')}</a></p>
<form method="post" action="audit/console/logout"><input type="hidden" name="csrf" value="${p.session.csrf}"><button type="submit" class="link-button">${l(p.lang, 'signOut')}</button></form>
<h1>${title}</h1>${body}</div>`,
    });

  /** A console page: signed in, then the policies decide (auditor, intranet, level 2). */
  const guard = portalPageGuard({
    portal,
    access: deps.access,
    accounts,
    area: 'audit',
    home: '/audit/console',
    refused: (p, decision) =>
      show(
        p,
        403,
        l(p.lang, 'refused'),
        html`<p id="refusal">${decision.explanation}</p><p>${l(p.lang, 'reference')}: <code>${decision.policyIds.join(', ') || 'default-deny'}</code></p>`,
        '/audit/console',
      ),
  });
  const page = (render: (p: Page) => Promise<APIGatewayProxyResult>): PublicRoute['handle'] => guard(render);

  const route = (handle: PublicRoute['handle']): PublicRoute => ({ public: true, handle });

  return {
    'GET /audit/console/login': route((event) => portal.login(event, langOfEvent(event))),
    'GET /audit/console/callback': route((event) => portal.callback(event)),
    'POST /audit/console/logout': route((event) => portal.logout(event)),
    'GET /audit/console': route(
      page(async (p) => {
        const today = new Date();
        const days = Array.from({ length: CHART_DAYS }, (_, i) =>
          new Date(
            Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (CHART_DAYS - 1 - i)),
          )
            .toISOString()
            .slice(0, 10),
        );
        const [series, alerts] = await Promise.all([
          Promise.all(CHARTS.map((type) => deps.query.countByDay(type, CHART_DAYS))),
          deps.query.search({ type: 'alert.raised' }, { limit: 5 }),
        ]);
        return show(
          p,
          200,
          l(p.lang, 'console'),
          html`<h2>${l(p.lang, 'lastDays')}</h2><div id="charts">${CHARTS.map((type, i) =>
            barChart(typeName(p.lang, type), days, series[i]!.counts, series[i]!.capped),
          )}</div>
<h2>${l(p.lang, 'alerts')}</h2>${eventsTable(p.lang, alerts.events)}`,
          '/audit/console',
        );
      }),
    ),
    'GET /audit/console/events': route(
      page(async (p) => {
        const params = p.event.queryStringParameters ?? {};
        const format = params.format === undefined ? undefined : exportFormatOf(params.format);
        const search = searchOf(params, {
          maxLimit: format ? 5000 : 200,
          defaultLimit: format ? 5000 : 50,
          extra: ['format', 'lang'],
        });
        const result = await deps.query.search(search.filter, search);
        if (format) return exportResponse(format, result.events);
        const f = search.filter;
        const keep = new URLSearchParams(
          Object.entries(f).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
        const select = (name: 'outcome' | 'zone', options: readonly string[]) =>
          html`<select id="${name}" name="${name}"><option value="">${l(p.lang, 'any')}</option>${options.map(
            (o) => html`<option value="${o}"${f[name] === o ? ' selected' : ''}>${o}</option>`,
          )}</select>`;
        const text = (name: 'actor' | 'subject' | 'client' | 'from' | 'to') =>
          html`<div class="field"><label for="${name}">${l(p.lang, name)}</label><input type="text" id="${name}" name="${name}" value="${f[name] ?? ''}"></div>`;
        return show(
          p,
          200,
          l(p.lang, 'search'),
          html`<form method="get" action="audit/console/events" id="search"><div class="filters">
${text('actor')}${text('subject')}${text('client')}
<div class="field"><label for="type">${l(p.lang, 'type')}</label><select id="type" name="type"><option value="">${l(p.lang, 'any')}</option>${Object.keys(
            EVENT_TYPES,
          ).map(
            (t) => html`<option value="${t}"${f.type === t ? ' selected' : ''}>${t}</option>`,
          )}</select></div>
<div class="field"><label for="outcome">${l(p.lang, 'outcome')}</label>${select('outcome', ['success', 'failure', 'denied'])}</div>
<div class="field"><label for="zone">${l(p.lang, 'zone')}</label>${select('zone', ['public', 'extranet', 'intranet'])}</div>
${text('from')}${text('to')}</div><button type="submit">${l(p.lang, 'find')}</button></form>
<p><a href="audit/console/events?${keep}&format=csv" download>${l(p.lang, 'exportCsv')}</a> · <a href="audit/console/events?${keep}&format=jsonl" download>${l(p.lang, 'exportJsonl')}</a></p>
${eventsTable(p.lang, result.events)}
${result.next ? html`<p><a id="next" href="audit/console/events?${keep}&cursor=${result.next}">${l(p.lang, 'next')}</a></p>` : ''}`,
          '/audit/console/events',
        );
      }),
    ),
    'GET /audit/console/events/{eventId}': route(
      page(async (p) => {
        const eventId = p.event.pathParameters?.eventId ?? '';
        const found = /^[\w-]{1,64}$/.test(eventId) ? await deps.query.byId(eventId) : undefined;
        if (!found) throw new NotFoundError('there is no audit event with this id (or it has expired)');
        const proof = await proveEvent({
          doc,
          table: config.tables.audit,
          log: deps.log,
          keyring: runtime.keyring,
          event: found,
        });
        const rows = Object.entries(found).filter(([k]) => k !== 'details');
        return show(
          p,
          200,
          typeName(p.lang, found.type),
          html`<dl id="event">${rows.map(([k, v]) => html`<dt>${k}</dt><dd><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></dd>`)}
${found.details ? html`<dt>details</dt><dd><pre>${JSON.stringify(found.details, null, 2)}</pre></dd>` : ''}</dl>
<h2>${l(p.lang, 'proof')}</h2>
<p id="proof" class="${proof.ok ? 'ok' : 'bad'}">${proof.ok ? l(p.lang, 'intact') : l(p.lang, 'broken')}: ${proof.message}</p>
${proof.checkpoint ? html`<p>checkpoint <code>${proof.checkpoint.checkpointId}</code> (${proof.checkpoint.createdAt}), key <code>${proof.checkpoint.kid ?? ''}</code></p>` : ''}
<details><summary>${proof.links.length} links</summary><ol>${proof.links.map((k) => html`<li value="${k.seq}"><code>${k.hash}</code></li>`)}</ol></details>`,
          `/audit/console/events/${found.eventId}`,
        );
      }),
    ),
    'GET /audit/console/alerts': route(
      page(async (p) => {
        const alerts = await deps.query.search({ type: 'alert.raised' }, { limit: 100 });
        return show(
          p,
          200,
          l(p.lang, 'alerts'),
          alerts.events.length
            ? html`<table class="wide" id="alerts"><thead><tr><th>${l(p.lang, 'time')}</th><th>${l(p.lang, 'rule')}</th><th>${l(p.lang, 'reason')}</th><th>${l(p.lang, 'subject')}</th><th>${l(p.lang, 'source')}</th><th>${l(p.lang, 'triggeredBy')}</th></tr></thead><tbody>${alerts.events.map(
                (a) =>
                  html`<tr data-rule="${String(a.details?.rule ?? '')}"><td><a href="audit/console/events/${a.eventId}">${a.time.replace('T', ' ').slice(0, 19)}</a></td><td>${String(a.details?.rule ?? '')}</td><td>${a.reason ?? ''}</td><td>${a.subject ?? ''}</td><td>${a.sourceIp ?? ''}</td><td><a href="audit/console/events/${String(a.details?.triggeredBy ?? '')}">${String(a.details?.triggeredByType ?? '')}</a></td></tr>`,
              )}</tbody></table>`
            : html`<p>${l(p.lang, 'noEvents')}</p>`,
          '/audit/console/alerts',
        );
      }),
    ),
  };
};
