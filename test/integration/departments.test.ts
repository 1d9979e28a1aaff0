import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  DepartmentChangedError,
  DepartmentExistsError,
  DepartmentStore,
  departmentName,
  UsccTakenError,
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
      uscc: '111000000000200015',
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

  const water = {
    departmentId: 'water',
    name: '水务局',
    nameEn: 'Water Authority',
    uscc: '111000000000200015',
    zones: ['public' as const],
  };

  it('refuses a second department with a credit code another department has, naming the holder', async () => {
    const { doc, tables } = await freshTables();
    const store = new DepartmentStore(doc, tables.identity);
    await store.create(water);
    const refused = await store.create({ ...water, departmentId: 'forest', name: '林业局' }).catch((e) => e);
    expect(refused).toBeInstanceOf(UsccTakenError);
    expect(refused).toMatchObject({ holder: 'water', uscc: water.uscc });
    // A repeat of the same department is "exists", and does not give its code away.
    await expect(store.create(water)).rejects.toBeInstanceOf(DepartmentExistsError);
    await expect(store.create({ ...water, departmentId: 'forest' })).rejects.toBeInstanceOf(UsccTakenError);
    expect((await store.list()).map((d) => d.departmentId)).toEqual(['water']);
  });

  it('lets exactly one of several registrations with one credit code at the same moment succeed', async () => {
    const { doc, tables } = await freshTables();
    const store = new DepartmentStore(doc, tables.identity);
    const ids = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const outcomes = await Promise.allSettled(
      ids.map((departmentId) => store.create({ ...water, departmentId })),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(
      outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof UsccTakenError),
    ).toBe(true);
    expect(await store.list()).toHaveLength(1);
  });

  it('checks a department from before credit codes were claimed, and takes over a claim left by a dead registration', async () => {
    const { doc, tables } = await freshTables();
    const store = new DepartmentStore(doc, tables.identity);
    const at = '2026-01-01T00:00:00.000Z';
    await doc.send(
      new PutCommand({
        TableName: tables.identity,
        Item: {
          pk: 'departments',
          sk: 'legacy',
          ...water,
          departmentId: 'legacy',
          status: 'active',
          createdAt: at,
          updatedAt: at,
        },
      }),
    );
    await expect(store.create(water)).rejects.toMatchObject({ holder: 'legacy' });
    await doc.send(
      new PutCommand({
        TableName: tables.identity,
        Item: { pk: 'department-uscc', sk: '111000000000200028', departmentId: 'ghost', claimedAt: at },
      }),
    );
    const created = await store.create({ ...water, departmentId: 'forest', uscc: '111000000000200028' });
    expect(created.departmentId).toBe('forest');
  });

  it("names a department in the page's language: English where it has an English name", () => {
    expect(departmentName(water, 'en')).toBe('Water Authority');
    expect(departmentName(water, 'zh-CN')).toBe('水务局');
    expect(departmentName({ name: '水务局' }, 'en')).toBe('水务局');
  });
});
