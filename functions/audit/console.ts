import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { type Account, normaliseLoginName } from '../../libs/accounts/index.ts';
import {
  type AuditPage,
  type AuditQuery,
  type AuditTrail,
  exportFormatOf,
  exportResponse,
  proveEvent,
  searchOf,
} from '../../libs/audit/index.ts';
import { Router, ValidationError } from '../../libs/http/index.ts';
import { getClient, SECURITY_CONSOLE } from '../../libs/oidc/index.ts';
import type { AccessControl } from '../../libs/policy/index.ts';
import { FirstPartyPortal, type PortalPage, portalPageGuard } from '../../libs/portal/index.ts';
import type { PublicRoute, Runtime } from '../../libs/runtime/index.ts';
import { type FieldError, type Lang, langOfEvent, pageResponse, t } from '../../libs/web/index.ts';
import {
  alertsView,
  CONSOLE_STYLES,
  CONSOLE_UTC_OFFSET_MINUTES,
  consoleFrame,
  eventNotFoundView,
  eventView,
  type Names,
  overviewView,
  type SearchForm,
  searchView,
  type View,
} from './console-views.ts';

/** The event types the overview charts, one bar a day. */
const CHARTS = [
  'login.success',
  'login.failure',
  'account.locked',
  'licence.issued',
  'licence.verified',
] as const;
const CHART_DAYS = 14;
/** How far back the alerts pages look. */
const ALERT_DAYS = 30;

type Page = PortalPage;

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const SEARCH_FIELDS = ['actor', 'subject', 'client', 'type', 'outcome', 'zone', 'from', 'to'] as const;

/**
 * A time typed into the console's search, in China Standard Time, as the ISO instant the
 * trail is searched by: a date ("2026-11-28"), a date and time ("2026-11-28 14:30"), or a
 * full ISO 8601 time with its offset (links from the API). A bare date or minute covers all
 * of it: a start takes its first moment, an end its last. Undefined when it is not a time.
 */
export const consoleInstantOf = (text: string, edge: 'start' | 'end'): string | undefined => {
  const m = LOCAL_TIME.exec(text);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
    const end = edge === 'end';
    const local = new Date(
      Date.UTC(
        y!,
        mo! - 1,
        d!,
        h ?? (end ? 23 : 0),
        mi ?? (end ? 59 : 0),
        s ?? (end ? 59 : 0),
        end ? 999 : 0,
      ),
    );
    // Date.UTC rolls 2026-02-30 over to March and 25:00 to the next day: such a time was not one.
    const real =
      local.getUTCFullYear() === y &&
      local.getUTCMonth() === mo! - 1 &&
      local.getUTCDate() === d &&
      (h === undefined || (local.getUTCHours() === h && local.getUTCMinutes() === mi)) &&
      (s === undefined || local.getUTCSeconds() === s);
    return real ? new Date(local.getTime() - CONSOLE_UTC_OFFSET_MINUTES * 60_000).toISOString() : undefined;
  }
  return z.iso.datetime({ offset: true }).safeParse(text).success ? new Date(text).toISOString() : undefined;
};

/** What the audit keeps of a name or address that was looked up: 12 hex digits of its hash, never the text. */
const hashPrefix = (name: string): string =>
  createHash('sha256').update(normaliseLoginName(name)).digest('hex').slice(0, 12);

/**
 * The security console: pages for auditors, served by the audit function and signed in
 * through the intranet issuer as its own client (password and a second factor: the client
 * requires level 2, so an auditor without TOTP is stepped up and enrols one). Every page
 * view meets the same `callApi` policies as the audit API and is audited.
 */
export const securityConsole = (
  runtime: Runtime,
  deps: { readonly trail: AuditTrail; readonly query: AuditQuery; readonly access: AccessControl },
): Router<PublicRoute> => {
  const { config, doc } = runtime;
  const portal = new FirstPartyPortal(runtime, {
    spec: SECURITY_CONSOLE,
    home: '/audit/console',
    cookie: 'yitong_console',
    sessionSeconds: 1800,
  });
  const { basePath } = portal;

  const show = (p: Page, status: number, view: View, path: string): APIGatewayProxyResult =>
    pageResponse({
      event: p.event,
      status,
      lang: p.lang,
      title: view.title,
      basePath,
      path,
      body: consoleFrame(p.lang, p.session, view),
      // The console's few own rules (CONSOLE_STYLES says why), under the page's style nonce.
      styles: CONSOLE_STYLES,
    });

  /** Names the accounts and clients of the events a page shows: "Zhang San (zhang.san)", a service's name. */
  const namesFor = async (
    lang: Lang,
    people: readonly (string | undefined)[],
    clients: readonly (string | undefined)[],
  ): Promise<Names> => {
    const unique = (ids: readonly (string | undefined)[]) => [
      ...new Set(ids.filter((id): id is string => Boolean(id))),
    ];
    const accounts = new Map(
      await Promise.all(unique(people).map(async (id) => [id, await runtime.accounts.findById(id)] as const)),
    );
    const services = new Map(
      await Promise.all(
        unique(clients).map(async (id) => {
          const client = await getClient(doc, config.tables.identity, id);
          return [id, typeof client?.client_name === 'string' ? client.client_name : id] as const;
        }),
      ),
    );
    const personName = (a: Account) => `${a.displayName} (${a.loginName})`;
    return {
      person: (id) => {
        if (!id) return '';
        const account = accounts.get(id);
        return account ? personName(account) : t(lang, 'audit_unknownPerson', { id });
      },
      client: (id) => (id ? (services.get(id) ?? id) : ''),
    };
  };

  /**
   * The actor and subject fields as account ids: an account id as typed, a login name or an
   * e-mail address looked up. A login name wins (it is unique); a value with an @ that is no
   * login name is an address, which may belong to several accounts: then the field asks for
   * the login name of the one meant, listing them (docs/audit.md says why). A search that looks
   * anyone up is audited once (`audit.account_lookup`), found or not, with account ids and a
   * hash of what was typed, never the name or address itself.
   */
  const resolvePeople = async (
    p: Page,
    form: SearchForm,
  ): Promise<{
    readonly ids: Partial<Record<'actor' | 'subject', string>>;
    readonly errors: FieldError[];
  }> => {
    const ids: Partial<Record<'actor' | 'subject', string>> = {};
    const errors: FieldError[] = [];
    const looked: {
      field: 'actor' | 'subject';
      name: string;
      by: 'login-name' | 'email';
      accounts: Account[];
    }[] = [];
    for (const name of ['actor', 'subject'] as const) {
      const typed = form[name];
      if (!typed) continue;
      if (ACCOUNT_ID.test(typed)) {
        ids[name] = typed.toLowerCase();
        continue;
      }
      const byName = await runtime.accounts.findByLoginName(typed);
      const byEmail = !byName && typed.includes('@') ? await runtime.accounts.findByEmail(typed) : undefined;
      const accounts = byName ? [byName] : (byEmail ?? []);
      looked.push({ field: name, name: typed, by: byEmail ? 'email' : 'login-name', accounts });
      if (accounts.length === 1) ids[name] = accounts[0]!.id;
      else if (accounts.length > 1) {
        const list = accounts
          .map((a) => `${a.displayName} (${a.loginName})`)
          .sort()
          .join(t(p.lang, 'audit_listSeparator'));
        errors.push({
          field: name,
          message: t(p.lang, 'audit_errorSeveralAccounts', { count: accounts.length, accounts: list }),
        });
      } else {
        errors.push({
          field: name,
          message: t(p.lang, byEmail ? 'audit_errorNoAccountEmail' : 'audit_errorNoAccount', { name: typed }),
        });
      }
    }
    if (looked.length) {
      const details: Record<string, string | string[]> = {
        fields: looked.map((l) => l.field).join(','),
      };
      for (const l of looked) {
        if (l.by === 'email') details[`${l.field}By`] = 'email';
        if (l.accounts.length === 1) details[`${l.field}Account`] = l.accounts[0]!.id;
        if (l.accounts.length > 1) details[`${l.field}Accounts`] = l.accounts.map((a) => a.id);
      }
      const missing = (by: 'login-name' | 'email') =>
        looked.filter((l) => l.by === by && !l.accounts.length).map((l) => hashPrefix(l.name));
      if (missing('login-name').length) details.loginNameHashPrefixes = missing('login-name');
      if (missing('email').length) details.emailHashPrefixes = missing('email');
      await runtime.audit.append({
        type: 'audit.account_lookup',
        outcome: looked.some((l) => l.accounts.length !== 1) ? 'failure' : 'success',
        zone: config.zone,
        actor: p.who.actor,
        subject: ids.subject ?? ids.actor,
        sourceIp: p.who.sourceIp,
        correlationId: p.who.correlationId,
        details,
      });
    }
    return { ids, errors };
  };

  /** A console page: signed in, then the policies decide (auditor, intranet, level 2). */
  const guard = portalPageGuard({
    portal,
    access: deps.access,
    accounts: runtime.accounts,
    area: 'audit',
    home: '/audit/console',
  });
  const page = (render: (p: Page) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle: guard(render),
  });
  const open = (handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle,
  });
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

  const router = new Router<PublicRoute>()
    .on(
      'GET',
      '/audit/console/login',
      open((event) => portal.login(event, langOfEvent(event))),
    )
    .on(
      'GET',
      '/audit/console/callback',
      open((event) => portal.callback(event)),
    )
    .on(
      'POST',
      '/audit/console/logout',
      open((event) => portal.logout(event)),
    )
    .on(
      'GET',
      '/audit/console',
      page(async (p) => {
        // China's days: today in Beijing and the 13 before it.
        const local = new Date(Date.now() + CONSOLE_UTC_OFFSET_MINUTES * 60_000);
        const days = Array.from({ length: CHART_DAYS }, (_, i) =>
          new Date(
            Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - (CHART_DAYS - 1 - i)),
          )
            .toISOString()
            .slice(0, 10),
        );
        const [series, alerts] = await Promise.all([
          Promise.all(
            CHARTS.map((type) =>
              deps.query.countByDay(type, CHART_DAYS, undefined, CONSOLE_UTC_OFFSET_MINUTES),
            ),
          ),
          deps.query.search({ type: 'alert.raised', from: daysAgo(ALERT_DAYS) }, { limit: 5 }),
        ]);
        const charts = CHARTS.map((type, i) => ({ type, ...series[i]! }));
        const names = await namesFor(
          p.lang,
          alerts.events.map((e) => e.subject),
          [],
        );
        return show(
          p,
          200,
          overviewView(p.lang, { days, charts, alerts: alerts.events, alertDays: ALERT_DAYS, names }),
          '/audit/console',
        );
      }),
    )
    .on(
      'GET',
      '/audit/console/events',
      page(async (p) => {
        const params = p.event.queryStringParameters ?? {};
        const format = params.format === undefined ? undefined : exportFormatOf(params.format);
        const form: SearchForm = Object.fromEntries(
          SEARCH_FIELDS.map((k) => [k, params[k]?.trim() ?? ''] as const).filter(([, v]) => v !== ''),
        );
        const keep = new URLSearchParams(Object.entries(form) as [string, string][]);
        const errors: FieldError[] = [];
        const from = form.from ? consoleInstantOf(form.from, 'start') : undefined;
        const to = form.to ? consoleInstantOf(form.to, 'end') : undefined;
        if (form.from && !from) errors.push({ field: 'from', message: t(p.lang, 'audit_errorFrom') });
        if (form.to && !to) errors.push({ field: 'to', message: t(p.lang, 'audit_errorTo') });
        if (from && to && from > to) errors.push({ field: 'to', message: t(p.lang, 'audit_errorOrder') });

        let result: AuditPage | undefined;
        if (!errors.length) {
          const people = await resolvePeople(p, form);
          errors.push(...people.errors);
          if (!errors.length) {
            try {
              const search = searchOf(
                {
                  ...form,
                  ...people.ids,
                  from,
                  to,
                  limit: params.limit,
                  cursor: params.cursor,
                },
                { maxLimit: format ? 5000 : 200, defaultLimit: format ? 5000 : 50 },
              );
              result = await deps.query.search(search.filter, search);
            } catch (err: unknown) {
              if (!(err instanceof ValidationError)) throw err;
              const named = err.invalidParams.map((i) => i.name).find((n) => n in form);
              errors.push({ field: named ?? 'search', message: t(p.lang, 'audit_errorSearch') });
            }
          }
        }
        if (format && result) return exportResponse(format, result.events);
        const events = result?.events ?? [];
        const names = await namesFor(
          p.lang,
          events.flatMap((e) => [e.actor, e.subject]),
          [],
        );
        return show(
          p,
          errors.length ? 400 : 200,
          searchView(p.lang, { form, errors, keep, events: result?.events, next: result?.next, names }),
          '/audit/console/events',
        );
      }),
    )
    .on(
      'GET',
      '/audit/console/events/{eventId}',
      page(async (p) => {
        const eventId = p.event.pathParameters?.eventId ?? '';
        const found = /^[\w-]{1,64}$/.test(eventId) ? await deps.query.byId(eventId) : undefined;
        if (!found) return show(p, 404, eventNotFoundView(p.lang), '/audit/console/events');
        const [proof, names] = await Promise.all([
          proveEvent({
            doc,
            table: config.tables.audit,
            trail: deps.trail,
            keyring: runtime.keyring,
            event: found,
          }),
          namesFor(p.lang, [found.actor, found.subject], [found.client]),
        ]);
        return show(p, 200, eventView(p.lang, found, proof, names), `/audit/console/events/${found.eventId}`);
      }),
    )
    .on(
      'GET',
      '/audit/console/alerts',
      page(async (p) => {
        const alerts = await deps.query.search(
          { type: 'alert.raised', from: daysAgo(ALERT_DAYS) },
          { limit: 100 },
        );
        const names = await namesFor(
          p.lang,
          alerts.events.map((e) => e.subject),
          [],
        );
        return show(p, 200, alertsView(p.lang, alerts.events, ALERT_DAYS, names), '/audit/console/alerts');
      }),
    );

  // The audit function serves these beside its API, in its own chain, keyed as API Gateway names them.
  return router;
};
