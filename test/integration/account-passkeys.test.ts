import { beforeEach, describe, expect, it } from 'vitest';
import { type Account, AccountPasskeys, AccountStore } from '../../libs/accounts/index.ts';
import { freshTables } from '../support/tables.ts';

let accounts: AccountStore;
let passkeys: AccountPasskeys;

beforeEach(async () => {
  const { doc, tables } = await freshTables();
  accounts = new AccountStore(doc, tables.identity);
  passkeys = new AccountPasskeys(doc, tables.identity, accounts);
});

const withPasskey = async (loginName: string, credentialId: string): Promise<Account> => {
  const account = await accounts.create({
    kind: 'citizen',
    loginName,
    displayName: loginName,
    password: 'a long enough password',
    roles: ['citizen'],
  });
  return accounts.addPasskey(account, { credentialId, publicKey: 'key', counter: 0, transports: [] });
};

describe('a person’s own passkeys', () => {
  it('are listed with their name and last use, and named only by their owner', async () => {
    const owner = await withPasskey('pk.owner', 'cred-owner');
    const other = await withPasskey('pk.other', 'cred-other');
    expect(await passkeys.renamePasskey(owner, 'cred-owner', 'My phone')).toBe(true);
    // Someone else's passkey is not theirs to name, even when they send its id.
    expect(await passkeys.renamePasskey(owner, 'cred-other', 'Mine now')).toBe(false);
    expect(await passkeys.renamePasskey({ ...owner, passkeyIds: ['cred-other'] }, 'cred-other', 'x')).toBe(
      false,
    );
    await accounts.updatePasskeyCounter('cred-owner', 7);
    const [listed] = await passkeys.passkeysOf(owner);
    expect(listed).toMatchObject({ name: 'My phone', counter: 7 });
    expect(listed!.lastUsedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await accounts.findPasskey('cred-other'))?.name).toBeUndefined();
    expect(await passkeys.passkeysOf(other)).toHaveLength(1);
  });

  it('once removed are gone from the account and the table, and a late counter update does not bring one back', async () => {
    const owner = await withPasskey('pk.remover', 'cred-removed');
    const other = await withPasskey('pk.bystander', 'cred-kept');
    expect(await passkeys.removePasskey(owner, 'cred-kept')).toBeUndefined();
    const updated = await passkeys.removePasskey(owner, 'cred-removed');
    expect(updated?.passkeyIds).toEqual([]);
    expect((await accounts.findById(owner.id))?.passkeyIds).toEqual([]);
    expect(await accounts.findPasskey('cred-removed')).toBeUndefined();
    // A sign-in that verified the passkey just before it was removed records its use: no item appears.
    await accounts.updatePasskeyCounter('cred-removed', 9);
    expect(await accounts.findPasskey('cred-removed')).toBeUndefined();
    expect(await accounts.findPasskey('cred-kept')).toBeDefined();
    expect((await accounts.findById(other.id))?.passkeyIds).toEqual(['cred-kept']);
  });
});
