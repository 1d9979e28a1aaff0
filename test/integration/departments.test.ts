import { describe, expect, it } from 'vitest';
import {
  DepartmentChangedError,
  DepartmentExistsError,
  DepartmentStore,
} from '../../libs/departments/index.ts';
import { freshTables } from '../support/tables.ts';

describe('the department store', () => {
  it('creates a department once and refuses a change made from a stale copy', async () => {
    const { doc, tables } = await freshTables();
    let clock = Date.parse('2026-11-28T00:00:00Z');
    const tick = () => {
      clock += 1000;
      return new Date(clock);
    };
    const store = new DepartmentStore(doc, tables.identity, tick);
    const input = {
      departmentId: 'water',
      name: 'Water Authority',
      uscc: '11100000000010001D',
      zones: ['public' as const],
    };
    const created = await store.create(input);
    await expect(store.create(input)).rejects.toBeInstanceOf(DepartmentExistsError);
    const renamed = await store.update(created, { name: 'Water and Drainage Authority' });
    await expect(store.update(created, { status: 'suspended' })).rejects.toBeInstanceOf(
      DepartmentChangedError,
    );
    expect(await store.get('water')).toEqual(renamed);
    expect((await store.list()).map((d) => d.departmentId)).toEqual(['water']);
  });
});
