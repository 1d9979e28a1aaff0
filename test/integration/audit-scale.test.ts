import { describe, expect, it } from 'vitest';
import { loadChainedEvents } from '../../bench/audit.ts';
import { AuditQuery, AuditTrail } from '../../libs/audit/index.ts';
import { freshTables } from '../support/tables.ts';

/** 10,000 in `npm test`; AUDIT_SCALE_EVENTS=100000 for the size the audit issue names. */
const EVENTS = Number(process.env.AUDIT_SCALE_EVENTS ?? 10_000);

describe(`audit queries among ${EVENTS} events`, () => {
  it('find one actor’s events from its index, reading at most twice what they return', async () => {
    const { doc, tables } = await freshTables();
    const every = Math.floor(EVENTS / 40);
    await loadChainedEvents(doc, tables.audit, EVENTS, (i) =>
      i % every === 0 ? 'needle' : `hay-${i % 997}`,
    );
    const query = new AuditQuery(doc, tables.audit);

    const first = await query.search({ actor: 'needle' }, { limit: 25 });
    expect(first.events).toHaveLength(25);
    expect(first.events.every((e) => e.actor === 'needle')).toBe(true);
    expect(first.scanned).toBeLessThanOrEqual(2 * first.events.length);
    const rest = await query.search({ actor: 'needle' }, { limit: 25, cursor: first.next });
    expect(rest.events).toHaveLength(15);
    expect(rest.scanned).toBeLessThanOrEqual(2 * rest.events.length);
    expect(rest.next).toBeUndefined();

    // The same reads through the write-sharded type index: each shard a few items at a time.
    const failures = await query.search({ type: 'login.failure' }, { limit: 50 });
    expect(failures.events).toHaveLength(50);
    expect(failures.scanned).toBeLessThanOrEqual(2 * failures.events.length);

    // The bulk loader writes and seals genuine events: verification accepts every one.
    const chains = await new AuditTrail(doc, tables.audit).verifyAll();
    expect(chains.filter((c) => !c.ok)).toEqual([]);
    expect(chains.reduce((sum, c) => sum + c.events, 0)).toBe(EVENTS);
  }, 240_000);
});
