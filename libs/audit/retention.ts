import type { RetentionDays } from '../config/index.ts';
import { eventTypeEntry } from './catalogue.ts';

// How many days each class is kept (RetentionDays, DEFAULT_RETENTION) is config, parsed at cold
// start in libs/config; which class an event belongs to is audit's own business.
export type RetentionClass = keyof RetentionDays;
export const RETENTION_CLASSES: readonly RetentionClass[] = ['access', 'security'];

/** The retention class of an event type: its catalogue entry's, security for anything uncatalogued. */
export const retentionClassOf = (type: string): RetentionClass =>
  eventTypeEntry(type)?.retention ?? 'security';
