import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalSecretStore } from '../../libs/keys/index.ts';

/**
 * Local stores made by older versions kept the cookie keys, the pairwise salt and the portals'
 * secrets as items in the identity table. The cookie keys and the salt move to the data folder
 * (sessions and every department's subject identifiers stay as they were); the portals' secrets
 * are dropped (their issuer registers them again with new ones). Then the items are deleted.
 */
export const moveLegacySecrets = async (
  doc: DynamoDBDocumentClient,
  table: string,
  store: LocalSecretStore,
): Promise<void> => {
  const take = async (name: string) => {
    const Key = { pk: `config#${name}`, sk: 'config' };
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }));
    return Item && { Item, remove: () => doc.send(new DeleteCommand({ TableName: table, Key })) };
  };
  const cookieKeys = await take('cookie-keys');
  if (cookieKeys) {
    await store.adopt('cookie-keys', (cookieKeys.Item.keys as string[]).map(String));
    await cookieKeys.remove();
  }
  const salt = await take('pairwise-salt');
  if (salt) {
    await store.adopt('pairwise-salt', [String(salt.Item.value)]);
    await salt.remove();
  }
  for (const name of [
    'account-client-secret',
    'security-console-client-secret',
    'admin-console-client-secret',
  ]) {
    await (await take(name))?.remove();
  }
};
