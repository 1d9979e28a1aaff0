import { describe, expect, it, vi } from 'vitest';
import { AuditSealer, AuditTrail, DynamoAuditLog, MeteredAuditLog } from '../../libs/audit/index.ts';
import { type MetricsSink, metricNameOf, PowertoolsMetricsSink } from '../../libs/observability/index.ts';
import { freshTables } from '../support/tables.ts';

describe('audit events as metrics', () => {
  it('counts each appended event under its type and zone, and never fails an append for it', async () => {
    const { doc, tables } = await freshTables();
    const counted: Array<[string, Record<string, string>]> = [];
    const log = new MeteredAuditLog(new DynamoAuditLog(doc, tables.audit), {
      count: (name, dims) => counted.push([name, { ...dims }]),
    });
    await log.append({ type: 'account.locked', outcome: 'failure', zone: 'public' });
    await log.append({ type: 'policy.denied', outcome: 'denied', zone: 'intranet' });
    expect(counted).toEqual([
      ['AccountLocked', { zone: 'public' }],
      ['PolicyDenied', { zone: 'intranet' }],
    ]);
    const broken: MetricsSink = {
      count: () => {
        throw new Error('CloudWatch is down');
      },
    };
    const resilient = new MeteredAuditLog(new DynamoAuditLog(doc, tables.audit), broken);
    await expect(
      resilient.append({ type: 'login.failure', outcome: 'failure', zone: 'public' }),
    ).resolves.toMatchObject({
      type: 'login.failure',
    });
    await new AuditSealer(doc, tables.audit).sealPending();
    const chains = await new AuditTrail(doc, tables.audit).verifyAll();
    expect(chains.every((c) => c.ok)).toBe(true);
    expect(chains.reduce((sum, c) => sum + c.events, 0)).toBe(3);
  });

  it('writes CloudWatch embedded-metric-format lines in the yitong namespace', () => {
    expect(metricNameOf('admin.licence_type.updated')).toBe('AdminLicenceTypeUpdated');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      new PowertoolsMetricsSink().count('AccountLocked', { zone: 'public' });
    } finally {
      spy.mockRestore();
    }
    const emf = lines.map((l) => JSON.parse(l)).find((l) => l._aws);
    expect(emf).toMatchObject({ AccountLocked: 1, zone: 'public', service: 'yitong' });
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'yitong',
      Metrics: [{ Name: 'AccountLocked', Unit: 'Count' }],
    });
  });
});
