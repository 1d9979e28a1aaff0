import { describe, expect, it } from 'vitest';
import { AuditQuery, DynamoAuditLog } from '../../libs/audit/index.ts';
import { freshTables } from '../support/tables.ts';

describe('audit counts per day', () => {
  it('counts by the days of the zone asked for (China Standard Time for the console), or by UTC days', async () => {
    const { doc, tables } = await freshTables();
    let clock = new Date('2026-01-05T10:00:00Z'); // 18:00 on 5 January in Beijing
    const log = new DynamoAuditLog(doc, tables.audit, { shards: 1, now: () => clock });
    await log.append({ type: 'login.success', outcome: 'success', zone: 'public', actor: 'a' });
    clock = new Date('2026-01-05T17:00:00Z'); // 01:00 on 6 January in Beijing, still 5 January in UTC
    await log.append({ type: 'login.success', outcome: 'success', zone: 'public', actor: 'b' });
    const query = new AuditQuery(doc, tables.audit, () => new Date('2026-01-06T02:00:00Z'));

    const beijing = await query.countByDay('login.success', 2, undefined, 8 * 60);
    expect(Object.fromEntries(beijing.counts)).toEqual({ '2026-01-05': 1, '2026-01-06': 1 });
    const utc = await query.countByDay('login.success', 2);
    expect(Object.fromEntries(utc.counts)).toEqual({ '2026-01-05': 2 });
  });
});
