import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  type AuditQuery,
  type DynamoAuditLog,
  exportFormatOf,
  exportResponse,
  proveEvent,
  searchOf,
} from '../../libs/audit/index.ts';
import { NotFoundError, Router } from '../../libs/http/index.ts';
import { SECURITY_CONSOLE } from '../../libs/oidc/index.ts';
import type { AccessControl } from '../../libs/policy/index.ts';
import { FirstPartyPortal, type PortalPage, portalPageGuard } from '../../libs/portal/index.ts';
import type { PublicRoute, Runtime } from '../../libs/runtime/index.ts';
import { langOfEvent, pageResponse } from '../../libs/web/index.ts';
import {
  alertsView,
  consoleFrame,
  eventView,
  overviewView,
  refusedView,
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

type Page = Omit<PortalPage, 'who'>;

/**
 * The security console: pages for auditors, served by the audit function and signed in
 * through the intranet issuer as its own client (password and a second factor: the client
 * requires level 2, so an auditor without TOTP is stepped up and enrols one). Every page
 * view meets the same `callApi` policies as the audit API and is audited.
 */
export const securityConsole = (
  runtime: Runtime,
  deps: { readonly log: DynamoAuditLog; readonly query: AuditQuery; readonly access: AccessControl },
): Router<PublicRoute> => {
  const { config, doc } = runtime;
  const portal = new FirstPartyPortal(runtime, {
    spec: SECURITY_CONSOLE,
    home: '/audit/console',
    cookie: 'yitong_console',
    sessionSeconds: 1800,
  });
  const { basePath } = portal;

  const show = (p: Page, status: number, view: View, path: string) =>
    pageResponse({
      event: p.event,
      status,
      lang: p.lang,
      title: view.title,
      basePath,
      path,
      body: consoleFrame(p.lang, p.session, view),
    });

  /** A console page: signed in, then the policies decide (auditor, intranet, level 2). */
  const guard = portalPageGuard({
    portal,
    access: deps.access,
    accounts: runtime.accounts,
    area: 'audit',
    home: '/audit/console',
    refused: (p, decision) => show(p, 403, refusedView(p.lang, decision), '/audit/console'),
  });
  const page = (render: (p: Page) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle: guard(render),
  });
  const open = (handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>): PublicRoute => ({
    public: true,
    handle,
  });

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
        const charts = CHARTS.map((type, i) => ({ type, ...series[i]! }));
        return show(p, 200, overviewView(p.lang, { days, charts, alerts: alerts.events }), '/audit/console');
      }),
    )
    .on(
      'GET',
      '/audit/console/events',
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
        const keep = new URLSearchParams(
          Object.entries(search.filter).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
        return show(
          p,
          200,
          searchView(p.lang, { filter: search.filter, keep, events: result.events, next: result.next }),
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
        if (!found) throw new NotFoundError('there is no audit event with this id (or it has expired)');
        const proof = await proveEvent({
          doc,
          table: config.tables.audit,
          log: deps.log,
          keyring: runtime.keyring,
          event: found,
        });
        return show(p, 200, eventView(p.lang, found, proof), `/audit/console/events/${found.eventId}`);
      }),
    )
    .on(
      'GET',
      '/audit/console/alerts',
      page(async (p) => {
        const alerts = await deps.query.search({ type: 'alert.raised' }, { limit: 100 });
        return show(p, 200, alertsView(p.lang, alerts.events), '/audit/console/alerts');
      }),
    );

  // The audit function serves these beside its API, in its own chain, keyed as API Gateway names them.
  return router;
};
