import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../errors/index.ts';
import type { ChainedEvent } from './event.ts';
import { AuditFilter } from './query.ts';

/** Columns of a CSV export, in order; `details` and `policyIds` are JSON in their cell. */
export const CSV_COLUMNS = [
  'time',
  'eventId',
  'type',
  'outcome',
  'zone',
  'actor',
  'subject',
  'client',
  'department',
  'resource',
  'sourceIp',
  'userAgent',
  'reason',
  'policyIds',
  'correlationId',
  'retention',
  'shard',
  'seq',
  'hash',
  'prevHash',
  'details',
] as const;

/**
 * One CSV cell (RFC 4180 quoting). A cell a spreadsheet would run as a formula (starting
 * with = + - @ or a control character) is prefixed with a quote: audit data is attacker
 * controlled (user agents, login names), so an export must not execute when opened.
 */
const cell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;

export const toCsvRows = (events: readonly ChainedEvent[]): string =>
  events
    .map((e) => `${CSV_COLUMNS.map((c) => cell((e as unknown as Record<string, unknown>)[c])).join(',')}\r\n`)
    .join('');

export const toJsonl = (events: readonly ChainedEvent[]): string =>
  events.map((e) => `${JSON.stringify(e)}\n`).join('');

const searchQueries = new Map<number, ReturnType<typeof searchQueryOf>>();
const searchQueryOf = (maxLimit: number) =>
  AuditFilter.extend({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(maxLimit)
      .optional()
      .describe(`events per page, 1 to ${maxLimit}`),
    cursor: z.string().max(2048).optional().describe('where the previous page ended (its `next`)'),
  });

/**
 * The query string of a search: the filters, the page size and where to go on. One schema per
 * largest page, the one `searchOf` validates with (and the API description names).
 */
export const auditSearchQuery = (maxLimit: number) => {
  let schema = searchQueries.get(maxLimit);
  if (!schema) {
    schema = searchQueryOf(maxLimit);
    searchQueries.set(maxLimit, schema);
  }
  return schema;
};

/** Query-string parameters of a search, validated; unknown parameters are named, not ignored. */
export const searchOf = (
  params: Readonly<Record<string, string | undefined>> | null,
  options: { readonly maxLimit: number; readonly defaultLimit: number; readonly extra?: readonly string[] },
): { filter: AuditFilter; limit: number; cursor?: string } => {
  const given = Object.fromEntries(
    Object.entries(params ?? {}).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && e[1] !== '' && !(options.extra ?? []).includes(e[0]),
    ),
  );
  const parsed = auditSearchQuery(options.maxLimit).safeParse(given);
  if (!parsed.success) {
    if (parsed.error.issues.some((i) => i.path[0] === 'limit'))
      throw new ValidationError(`limit must be a whole number from 1 to ${options.maxLimit}`, [
        { name: 'limit', reason: `from 1 to ${options.maxLimit}` },
      ]);
    if (parsed.error.issues.some((i) => i.path[0] === 'cursor'))
      throw new ValidationError('cursor is too long');
    const invalid = parsed.error.issues.map((i) => ({
      name: i.path.length ? i.path.join('.') : String((i as { keys?: string[] }).keys?.[0] ?? 'query'),
      reason:
        i.code === 'unrecognized_keys'
          ? `unknown filter; use ${Object.keys(AuditFilter.shape).join(', ')}`
          : i.message,
    }));
    throw new ValidationError(
      `the search is not valid: ${invalid.map((p) => `${p.name}: ${p.reason}`).join('; ')}`,
      invalid,
    );
  }
  const { limit, cursor, ...filter } = parsed.data;
  return { filter, limit: limit ?? options.defaultLimit, ...(cursor ? { cursor } : {}) };
};

export const ExportFormat = z.enum(['jsonl', 'csv']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** Reads `format` (jsonl by default), refusing anything else with a 400 that says what to send. */
export const exportFormatOf = (raw: string | undefined): ExportFormat => {
  const format = ExportFormat.optional().safeParse(raw);
  if (!format.success)
    throw new ValidationError('format is jsonl or csv', [{ name: 'format', reason: 'jsonl or csv' }]);
  return format.data ?? 'jsonl';
};

/** A page of events as a download: CSV with its header row, or JSONL. */
export const exportResponse = (
  format: ExportFormat,
  events: readonly ChainedEvent[],
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyResult => ({
  statusCode: 200,
  headers: {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    'content-disposition': `attachment; filename="audit-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.${format}"`,
    'cache-control': 'no-store',
    'x-audit-events': String(events.length),
    ...headers,
  },
  body: format === 'csv' ? `${csvHeader()}${toCsvRows(events)}` : toJsonl(events),
});
