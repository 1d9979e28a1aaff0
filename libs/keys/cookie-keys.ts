import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { isConditionalCheckFailed } from '../store/index.ts';

/**
 * Keys that sign oidc-provider's cookies live in the identity table, which already holds
 * every OIDC secret and is encrypted with the customer-managed data key. Keeping them there
 * spares each cold start a Secrets Manager client and call. The first instance to need them
 * creates them with a conditional put, so every instance agrees.
 */
const KEY = { pk: 'config#cookie-keys', sk: 'config' };
const CookieKeys = z.array(z.string().min(32)).min(1);
/** How many keys are kept: the newest signs; the older ones still verify cookies issued before a rotation. */
export const COOKIE_KEYS_KEPT = 3;

const fresh = () => randomBytes(32).toString('base64url');

const readKeys = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<{ keys: string[]; version: number }> => {
  const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: KEY, ConsistentRead: true }));
  if (Item) return { keys: CookieKeys.parse(Item.keys), version: Number(Item.version) };
  const keys = [fresh()];
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...KEY, keys, version: 1 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { keys, version: 1 };
  } catch (err: unknown) {
    if (!isConditionalCheckFailed(err)) throw err;
    return readKeys(doc, tableName);
  }
};

/** The current cookie keys, newest first; created on first use. */
export const loadCookieKeys = async (doc: DynamoDBDocumentClient, tableName: string): Promise<string[]> =>
  (await readKeys(doc, tableName)).keys;

/** Puts a new signing key first and drops the oldest beyond COOKIE_KEYS_KEPT. Sessions survive it. */
export const rotateCookieKeys = async (doc: DynamoDBDocumentClient, tableName: string): Promise<string[]> => {
  const current = await readKeys(doc, tableName);
  const keys = [fresh(), ...current.keys].slice(0, COOKIE_KEYS_KEPT);
  await doc.send(
    new UpdateCommand({
      TableName: tableName,
      Key: KEY,
      // Optimistic: two rotations at once cannot both drop the same key.
      UpdateExpression: 'SET #keys = :next, #version = :nextVersion',
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#keys': 'keys', '#version': 'version' },
      ExpressionAttributeValues: {
        ':next': keys,
        ':version': current.version,
        ':nextVersion': current.version + 1,
      },
    }),
  );
  return keys;
};
