import { type MetricsSink, metricNameOf } from '../observability/index.ts';
import type { AuditEventInput, ChainedEvent } from './event.ts';
import type { AuditLog } from './log.ts';

/**
 * Counts every appended audit event as a metric named after its type (`AccountLocked`,
 * `PolicyDenied`, `LicenceIssued`…) with its zone: the one place every security act passes,
 * so alarms on spikes need no code anywhere else. A failing sink never fails the append.
 */
export class MeteredAuditLog implements AuditLog {
  constructor(
    private readonly inner: AuditLog,
    private readonly sink: MetricsSink,
  ) {}

  async append(event: AuditEventInput, options?: { readonly eventId?: string }): Promise<ChainedEvent> {
    const chained = await this.inner.append(event, options);
    try {
      this.sink.count(metricNameOf(event.type), { zone: event.zone });
    } catch {
      // Metrics are best effort; the audit trail is the record.
    }
    return chained;
  }
}
