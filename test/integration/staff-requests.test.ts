import { describe, expect, it } from 'vitest';
import { StaffRequestStore } from '../../libs/accounts/index.ts';
import { STAFF_REQUEST_SECONDS } from '../../libs/accounts/staff-requests.ts';
import { freshTables } from '../support/tables.ts';

describe('requests for privileged staff roles', () => {
  it('are decided once, can be reopened by their approver, and lapse after a day', async () => {
    const { doc, tables } = await freshTables();
    let clock = Date.parse('2026-11-28T00:00:00Z');
    const store = new StaffRequestStore(doc, tables.identity, () => new Date(clock));
    const ask = () =>
      store.create({
        kind: 'create',
        change: { loginName: 'new.auditor', roles: ['staff', 'auditor'] },
        requestedBy: 'admin-1',
      });

    const decided = await ask();
    expect(await store.decide(decided.requestId, 'approved', 'admin-2')).toBe(true);
    expect(await store.decide(decided.requestId, 'approved', 'admin-3')).toBe(false);
    expect(await store.decide(decided.requestId, 'rejected', 'admin-3')).toBe(false);
    // Applying it failed: only its approver puts it back, and then it can be decided again.
    await store.reopen(decided.requestId, 'admin-3');
    expect((await store.get(decided.requestId))?.status).toBe('approved');
    await store.reopen(decided.requestId, 'admin-2');
    expect((await store.get(decided.requestId))?.status).toBe('pending');

    clock += 1000;
    const lapsing = await ask();
    expect((await store.listPending()).map((r) => r.requestId)).toEqual([
      decided.requestId,
      lapsing.requestId,
    ]);
    clock += STAFF_REQUEST_SECONDS * 1000;
    expect(await store.get(lapsing.requestId)).toBeUndefined();
    expect(await store.listPending()).toEqual([]);
    expect(await store.decide(lapsing.requestId, 'approved', 'admin-2')).toBe(false);
  });
});
