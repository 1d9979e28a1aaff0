import * as z from 'zod';
import {
  AuditEventInput,
  auditSearchQuery,
  ExportFormat,
  RETENTION_CLASSES,
} from '../../libs/audit/index.ts';
import type { ApiDescription } from '../../libs/http/index.ts';

/** The most events one search page carries. */
export const SEARCH_PAGE = 500;
/** The most events one export response carries (Lambda's 6 MB response limit); `Link` continues it. */
export const EXPORT_PAGE = 5000;

/** An event as the trail holds it: what its writer said, where it was written, and its hash. */
export const AuditEventView = AuditEventInput.extend({
  details: z.record(z.string(), z.unknown()).optional(),
  v: z.number().int(),
  eventId: z.string(),
  time: z.string(),
  month: z.string(),
  retention: z.enum(RETENTION_CLASSES as [string, ...string[]]),
  shard: z.number().int().min(0),
  expiresAt: z.number().int(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export const AuditEventsPage = z.strictObject({
  events: z.array(AuditEventView),
  next: z.string().optional().describe('pass it back as cursor for the next page; absent on the last'),
  links: z.strictObject({ next: z.string().optional() }),
  index: z.string().describe('the index that served the query'),
  itemsRead: z.number().int().min(0).describe('items the store read for this page'),
});

export const AuditEventProof = z.strictObject({
  event: AuditEventView,
  proof: z.looseObject({ ok: z.boolean(), message: z.string() }),
});

export const TrailVerification = z.looseObject({ ok: z.boolean(), checkedAt: z.string() });

export const AuditSearchQuery = auditSearchQuery(SEARCH_PAGE);
export const AuditExportQuery = auditSearchQuery(EXPORT_PAGE).extend({ format: ExportFormat.optional() });

export const auditApi: ApiDescription = {
  title: 'yitong audit API',
  version: '1.0.0',
  description:
    'Search, export and verify the audit trail (intranet, auditors at level 2; every read is itself audited). See docs/audit.md.',
  schemas: { AuditEventView, AuditEventsPage, AuditEventProof, TrailVerification },
  operations: [
    {
      method: 'GET',
      path: '/audit/events',
      operationId: 'searchAuditEvents',
      summary: 'Search events, newest first, through an index (never a scan)',
      zones: ['intranet'],
      query: AuditSearchQuery,
      answers: { 200: { description: 'a page of events', schema: AuditEventsPage } },
    },
    {
      method: 'GET',
      path: '/audit/events/{eventId}',
      operationId: 'getAuditEvent',
      summary: 'One event with the proof that it is intact',
      zones: ['intranet'],
      answers: { 200: { description: 'the event and its proof', schema: AuditEventProof } },
    },
    {
      method: 'GET',
      path: '/audit/export',
      operationId: 'exportAuditEvents',
      summary: 'Export a search as JSONL (default) or CSV; a Link header continues it',
      zones: ['intranet'],
      query: AuditExportQuery,
      answers: { 200: { description: 'the events, one per line', contentType: 'application/x-ndjson' } },
    },
    {
      method: 'GET',
      path: '/audit/verify',
      operationId: 'verifyAuditTrail',
      summary: 'Verify every chain and checkpoint; names any altered, removed or inserted event',
      zones: ['intranet'],
      answers: { 200: { description: 'the verification report', schema: TrailVerification } },
    },
  ],
};
