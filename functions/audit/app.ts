import type * as z from 'zod';
import {
  AuditQuery,
  AuditTrail,
  exportFormatOf,
  exportResponse,
  proveEvent,
  searchOf,
  verifyTrail,
} from '../../libs/audit/index.ts';
import {
  NotFoundError,
  openApiDocument,
  openApiPath,
  openApiResponse,
  Router,
  ValidationError,
} from '../../libs/http/index.ts';
import { requestUrlOf } from '../../libs/policy/index.ts';
import { json, type OwnRoute, ownApiHandler, type Runtime } from '../../libs/runtime/index.ts';
import { type AuditEventsPage, auditApi, EXPORT_PAGE, SEARCH_PAGE } from './api.ts';
import { securityConsole } from './console.ts';

/**
 * The routes of the audit API and the security console (intranet, auditors at level 2). Reading
 * the trail is a privileged act, audited with the deciding policy; the console decides the same
 * way on its signed-in session. Building them touches nothing (the route table's test reads them).
 */
export const auditRoutes = (runtime: Runtime): Router<OwnRoute> => {
  const { config, doc, access } = runtime;
  const table = config.tables.audit;
  const trail = new AuditTrail(doc, table);
  const query = new AuditQuery(doc, table);

  const nextLink = (url: string, next: string | undefined) => {
    if (!next) return undefined;
    const link = new URL(url);
    link.searchParams.set('cursor', next);
    return link.href;
  };

  const document = openApiDocument(auditApi, { zone: config.zone, serverUrl: config.issuer });
  // Its description is routed at the intranet entry only (infra/routes.ts), where the API is offered.
  return new Router<OwnRoute>()
    .include(securityConsole(runtime, { trail, query, access }))
    .on('GET', openApiPath('audit'), { public: true, handle: async () => openApiResponse(document) })
    .on('GET', '/audit/verify', {
      privileged: true,
      handle: async () =>
        json(
          200,
          await verifyTrail({
            doc,
            table,
            trail,
            keyring: runtime.keyring,
            checkpointEverySeconds: config.auditCheckpointSeconds,
          }),
        ),
    })
    .on('GET', '/audit/events', {
      privileged: true,
      handle: async (event) => {
        const search = searchOf(event.queryStringParameters, { maxLimit: SEARCH_PAGE, defaultLimit: 50 });
        const page = await query.search(search.filter, search);
        const url = `${requestUrlOf(event)}?${new URLSearchParams(event.queryStringParameters as Record<string, string>)}`;
        return json(200, {
          events: page.events,
          next: page.next,
          links: { next: nextLink(url, page.next) },
          index: page.index,
          itemsRead: page.scanned,
        } satisfies z.input<typeof AuditEventsPage>);
      },
    })
    .on('GET', '/audit/events/{eventId}', {
      privileged: true,
      handle: async (event) => {
        const eventId = event.pathParameters?.eventId ?? '';
        // A UUID, or an id its writer chose so that a retry is idempotent (licence-issued-<licence id>).
        if (!/^[\w.-]{1,160}$/.test(eventId))
          throw new ValidationError(
            'eventId is an audit event id (a UUID, or e.g. licence-issued-<licence id>)',
          );
        const found = await query.byId(eventId);
        if (!found) throw new NotFoundError('there is no audit event with this id (or it has expired)');
        const proof = await proveEvent({ doc, table, trail, keyring: runtime.keyring, event: found });
        return json(200, { event: found, proof });
      },
    })
    .on('GET', '/audit/export', {
      privileged: true,
      handle: async (event) => {
        const format = exportFormatOf(event.queryStringParameters?.format);
        const search = searchOf(event.queryStringParameters, {
          maxLimit: EXPORT_PAGE,
          defaultLimit: EXPORT_PAGE,
          extra: ['format'],
        });
        const page = await query.search(search.filter, search);
        const url = `${requestUrlOf(event)}?${new URLSearchParams(event.queryStringParameters as Record<string, string>)}`;
        const next = nextLink(url, page.next);
        return exportResponse(format, page.events, next ? { link: `<${next}>; rel="next"` } : {});
      },
    });
};
/** The audit function: every API request meets the zone and role policies first. */
export const makeHandler = (runtime: Runtime) =>
  ownApiHandler(runtime, 'audit', ['intranet'], auditRoutes(runtime));
