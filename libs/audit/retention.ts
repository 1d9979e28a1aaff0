import type { RetentionDays } from '../config/index.ts';

// How many days each class is kept (RetentionDays, DEFAULT_RETENTION) is config, parsed at cold
// start in libs/config; which class an event belongs to is audit's own business.
export type RetentionClass = keyof RetentionDays;
export const RETENTION_CLASSES: readonly RetentionClass[] = ['access', 'security'];

/**
 * The event types kept only as access records: the catalogue's `access` entries (a test checks
 * the two agree). Listed here so that writing an event, which every function does, does not load
 * the catalogue's words in two languages (only the consoles and the activity page read those).
 */
export const ACCESS_EVENT_TYPES: ReadonlySet<string> = new Set([
  'login.success',
  'login.failure',
  'login.throttled',
  'login.cancelled',
  'mfa.success',
  'mfa.failure',
  'consent.granted',
  'consent.denied',
  'token.issued',
  'token.refreshed',
  'token.failure',
  'token.revoked',
  'session.logout',
  'licence.verified',
]);

/** The retention class of an event type: access for the access records, security for anything else. */
export const retentionClassOf = (type: string): RetentionClass =>
  ACCESS_EVENT_TYPES.has(type) ? 'access' : 'security';
