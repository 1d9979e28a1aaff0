import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../observability/index.ts';
import { isConditionalCheckFailed } from '../store/index.ts';
import type { AuditEventInput, ChainedEvent } from './event.ts';
import type { AuditLog } from './log.ts';

/** Partition prefix of detection counters: the only audit items anything may update (see infra). */
export const DETECTION_PREFIX = 'detect#';
/** The attributes an update of a counter may name: IAM allows no other (an event's attributes on a counter would reach the indexes). */
export const DETECTION_ATTRIBUTES = ['pk', 'sk', 'n', 'members', 'expiresAt', 'alerted'] as const;

export type RuleId = 'brute-force' | 'password-spraying' | 'verification-burst' | 'admin-after-hours';

/** A rule over the event stream: events it counts, what it counts them by, and when it fires. */
export interface DetectionRule {
  readonly id: RuleId;
  readonly describe: string;
  /** The value events are grouped by; undefined means the event does not count. */
  readonly key: (event: ChainedEvent) => string | undefined;
  /** Counts distinct values of this instead of events (spraying: distinct accounts). */
  readonly member?: (event: ChainedEvent) => string | undefined;
  /** Fires when the count in one window reaches this. 1 fires on every matching event. */
  readonly threshold: number;
  readonly windowSeconds: number;
  /** Whom the alert is about, when that is an account. */
  readonly subject?: (event: ChainedEvent) => string | undefined;
}

export interface OfficeHours {
  /** IANA time zone the hours are in. @default Asia/Shanghai */
  readonly timeZone: string;
  /** First and last hour (0–23, inclusive start, exclusive end) of the working day. @default 8, 20 */
  readonly startHour: number;
  readonly endHour: number;
  /** Working days, 1 = Monday … 7 = Sunday. @default Monday to Friday */
  readonly days: readonly number[];
}

export const DEFAULT_OFFICE_HOURS: OfficeHours = {
  timeZone: 'Asia/Shanghai',
  startHour: 8,
  endHour: 20,
  days: [1, 2, 3, 4, 5],
};

const loginTarget = (e: ChainedEvent): string | undefined => {
  if (e.subject) return e.subject;
  const hashed = e.details?.loginNameHashPrefix;
  return typeof hashed === 'string' ? `name:${hashed}` : undefined;
};

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Whether an instant falls outside the configured working hours. */
export const outsideOfficeHours = (time: string, hours: OfficeHours = DEFAULT_OFFICE_HOURS): boolean => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(time));
  const day = WEEKDAYS[parts.find((p) => p.type === 'weekday')?.value ?? ''] ?? 0;
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  return !hours.days.includes(day) || hour < hours.startHour || hour >= hours.endHour;
};

/** The four rules yitong ships with (docs/audit.md says how to read each alert). */
export const defaultRules = (hours: OfficeHours = DEFAULT_OFFICE_HOURS): DetectionRule[] => [
  {
    id: 'brute-force',
    describe: 'failed sign-in steps (passwords, codes, passkeys) against one account',
    // Every factor, like the failure budget: guessing the second factor is brute force too.
    key: (e) => (e.type === 'login.failure' || e.type === 'mfa.failure' ? loginTarget(e) : undefined),
    subject: (e) => e.subject,
    threshold: 10,
    windowSeconds: 900,
  },
  {
    id: 'password-spraying',
    describe: 'failed sign-ins from one source address across many accounts',
    key: (e) => (e.type === 'login.failure' && e.sourceIp ? `ip:${e.sourceIp}` : undefined),
    member: loginTarget,
    threshold: 10,
    windowSeconds: 900,
  },
  {
    id: 'verification-burst',
    describe: "verifications of one holder's licences",
    key: (e) => (e.type === 'licence.verified' && e.subject ? e.subject : undefined),
    subject: (e) => e.subject,
    threshold: 20,
    windowSeconds: 600,
  },
  {
    id: 'admin-after-hours',
    describe: 'an administrative change outside office hours',
    key: (e) => (e.type.startsWith('admin.') && outsideOfficeHours(e.time, hours) ? e.eventId : undefined),
    threshold: 1,
    windowSeconds: 60,
  },
];

/** A deterministic event id, so a retried alert is the same event and is not appended twice. */
const alertId = (rule: RuleId, key: string, window: number): string => {
  const h = createHash('sha256').update(`${rule}|${key}|${window}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/**
 * Runs the detection rules on every appended event: each rule keeps a counter per key and
 * fixed window (an atomic update), and the one update that takes a counter to its threshold
 * wins a conditional flag and appends the `alert.raised` event — one alert per key and
 * window however many writers race. A detection failure never fails the act being audited:
 * it is logged and the event stands.
 */
export class DetectingAuditLog implements AuditLog {
  constructor(
    private readonly inner: AuditLog,
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly rules: readonly DetectionRule[] = defaultRules(),
  ) {}

  async append(event: AuditEventInput, options?: { readonly eventId?: string }): Promise<ChainedEvent> {
    const chained = await this.inner.append(event, options);
    if (chained.type === 'alert.raised') return chained;
    for (const rule of this.rules) {
      const key = rule.key(chained);
      if (key === undefined) continue;
      try {
        await this.count(rule, key, chained);
      } catch (err: unknown) {
        logger.error('detection rule failed; the event is recorded, the alert may be missed', {
          rule: rule.id,
          error: err instanceof Error ? err.name : 'unknown',
        });
      }
    }
    return chained;
  }

  private async count(rule: DetectionRule, key: string, event: ChainedEvent): Promise<void> {
    const at = Math.floor(Date.parse(event.time) / 1000);
    const window = at - (at % rule.windowSeconds);
    const itemKey = { pk: `${DETECTION_PREFIX}${rule.id}#${key}`, sk: String(window) };
    let count = 1;
    if (rule.threshold > 1) {
      const member = rule.member?.(event);
      if (rule.member && member === undefined) return;
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: itemKey,
          UpdateExpression: member
            ? 'ADD members :m SET expiresAt = :exp'
            : 'ADD n :one SET expiresAt = :exp',
          ExpressionAttributeValues: {
            ...(member ? { ':m': new Set([member]) } : { ':one': 1 }),
            ':exp': window + rule.windowSeconds * 2,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      count = member
        ? ((Attributes?.members as Set<string> | undefined)?.size ?? 0)
        : Number(Attributes?.n ?? 0);
      if (count < rule.threshold || Attributes?.alerted) return;
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: itemKey,
            UpdateExpression: 'SET alerted = :t',
            ConditionExpression: 'attribute_not_exists(alerted)',
            ExpressionAttributeValues: { ':t': event.eventId },
          }),
        );
      } catch (err: unknown) {
        if (isConditionalCheckFailed(err)) return; // another writer raised this window's alert
        throw err;
      }
    }
    await this.inner.append(
      {
        type: 'alert.raised',
        outcome: 'success',
        zone: event.zone,
        subject: rule.subject?.(event),
        resource: `rule:${rule.id}`,
        sourceIp: event.sourceIp,
        reason: `${rule.id}: ${count} ${rule.describe} within ${rule.windowSeconds / 60} minutes`,
        correlationId: event.correlationId,
        details: {
          rule: rule.id,
          key,
          count,
          threshold: rule.threshold,
          windowStart: new Date(window * 1000).toISOString(),
          windowSeconds: rule.windowSeconds,
          triggeredBy: event.eventId,
          triggeredByType: event.type,
        },
      },
      { eventId: alertId(rule.id, key, window) },
    );
  }
}
