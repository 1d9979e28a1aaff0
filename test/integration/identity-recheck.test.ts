import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import { type Account, AccountStore } from '../../libs/accounts/index.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import {
  IdentityClaims,
  IdentityHasher,
  IdentityRechecks,
  NoProvedIdentityError,
  NotTheAccountHolderError,
  proveAtCounter,
  RECHECK_SECONDS,
  recheckAtCounter,
} from '../../libs/identity/index.ts';
import { LocalSecretStore } from '../../libs/keys/index.ts';
import { freshTables } from '../support/tables.ts';

const zhang = DEMO_RESIDENTS.find((r) => r.loginName === 'zhang.san')!;
const chen = DEMO_RESIDENTS.find((r) => r.nameEn === 'Chen Ming')!;
const ctx = { zone: 'intranet' as const, sourceIp: '127.0.0.1' };

let accounts: AccountStore;
let rechecks: IdentityRechecks;
let hasher: IdentityHasher;
let audit: DynamoAuditLog;
let claims: IdentityClaims;
let now = new Date('2026-11-30T10:00:00Z');

beforeEach(async () => {
  const { doc, tables } = await freshTables();
  accounts = new AccountStore(doc, tables.identity);
  rechecks = new IdentityRechecks(doc, tables.identity, () => now);
  const secrets = new LocalSecretStore(undefined);
  hasher = new IdentityHasher(() => secrets.versions('identity-hash-key'));
  audit = new DynamoAuditLog(doc, tables.audit);
  claims = new IdentityClaims(doc, tables.identity);
  now = new Date('2026-11-30T10:00:00Z');
});

const person = (name: string, kind: 'citizen' | 'staff' = 'citizen'): Promise<Account> =>
  accounts.create({
    kind,
    loginName: name,
    displayName: name,
    password: 'a-long-password-1',
    roles: kind === 'staff' ? ['staff', 'support'] : ['citizen'],
  });

describe('an identity re-check at the help desk', () => {
  it('records who checked whom for 30 minutes, and is used up by exactly one reset however many race', async () => {
    const staff = await person('desk.one', 'staff');
    const proved = await proveAtCounter(
      { accounts, claims, hasher, audit },
      await person('officer.one', 'staff'),
      await person('citizen.one'),
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    const recheck = await recheckAtCounter(
      { hasher, rechecks, audit, now: () => now },
      staff,
      proved,
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    expect(recheck).toMatchObject({
      accountId: proved.id,
      personRef: proved.identity!.personRef,
      checkedBy: { accountId: staff.id },
      method: 'counter',
      evidence: ['id-card-in-person'],
    });
    expect(recheck.expiresAt - Math.floor(now.getTime() / 1000)).toBe(RECHECK_SECONDS);
    expect(await rechecks.current(proved.id)).toEqual(recheck);

    // Another person's number never takes it.
    expect(await rechecks.use(proved.id, await hasher.personRef(chen.residentId))).toBeUndefined();
    const taken = await Promise.all([1, 2, 3, 4].map(() => rechecks.use(proved.id, recheck.personRef)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await rechecks.current(proved.id)).toBeUndefined();
  });

  it('expires after 30 minutes', async () => {
    const proved = await proveAtCounter(
      { accounts, claims, hasher, audit },
      await person('officer.two', 'staff'),
      await person('citizen.two'),
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    const recheck = await recheckAtCounter(
      { hasher, rechecks, audit, now: () => now },
      await person('desk.two', 'staff'),
      proved,
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    now = new Date(now.getTime() + RECHECK_SECONDS * 1000);
    expect(await rechecks.current(proved.id)).toBeUndefined();
    expect(await rechecks.use(proved.id, recheck.personRef)).toBeUndefined();
  });

  it('refuses an account with no proved identity, another person’s card and the staff member’s own account', async () => {
    const staff = await person('desk.three', 'staff');
    const unproved = await person('citizen.three');
    await expect(
      recheckAtCounter(
        { hasher, rechecks, audit },
        staff,
        unproved,
        { name: zhang.name, residentId: zhang.residentId },
        ctx,
      ),
    ).rejects.toBeInstanceOf(NoProvedIdentityError);
    const proved = await proveAtCounter(
      { accounts, claims, hasher, audit },
      await person('officer.three', 'staff'),
      await person('citizen.four'),
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    await expect(
      recheckAtCounter(
        { hasher, rechecks, audit },
        staff,
        proved,
        { name: chen.name, residentId: chen.residentId },
        ctx,
      ),
    ).rejects.toBeInstanceOf(NotTheAccountHolderError);
    await expect(
      recheckAtCounter(
        { hasher, rechecks, audit },
        proved,
        proved,
        { name: zhang.name, residentId: zhang.residentId },
        ctx,
      ),
    ).rejects.toThrow('own identity');
    expect(await rechecks.current(proved.id)).toBeUndefined();
    expect(await rechecks.current(unproved.id)).toBeUndefined();
  });
});
