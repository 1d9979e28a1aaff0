import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * What one request has already read, so it reads each item once: a memo that lives exactly as
 * long as the request (`withRequestMemo` around the handler), never across requests. Outside
 * one, nothing is remembered. Whoever memoises an item writes through it on every write and
 * forgets it on delete or conditional update, so a request sees its own writes.
 */
const requests = new AsyncLocalStorage<Map<string, unknown>>();

/** Runs `fn` (one request) with a memo of its own. */
export const withRequestMemo = <T>(fn: () => Promise<T>): Promise<T> => requests.run(new Map(), fn);

export const requestMemo = {
  /** The remembered value (`has` false: not read yet in this request, or no request). */
  get<T>(key: string): { readonly has: boolean; readonly value?: T } {
    const memo = requests.getStore();
    return memo?.has(key) ? { has: true, value: memo.get(key) as T } : { has: false };
  },
  set(key: string, value: unknown): void {
    requests.getStore()?.set(key, value);
  },
  forget(key: string): void {
    requests.getStore()?.delete(key);
  },
};

/** An item's key in the single-table layout every table uses. */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

const itemMemoKey = (table: string, key: ItemKey) => `item#${table}#${key.pk}#${key.sk}`;
const uidMemoKey = (table: string, uid: string) => `item-uid#${table}#${uid}`;

/**
 * Reads items a request is about to need (an interaction, its session, its pending state) in one
 * strongly consistent BatchGetItem, kept for the request's first read of each (`takePrefetched`):
 * the store is read once, at the start of the request, rather than once per step. Each item is
 * handed out once; later reads go to the store (or to their reader's own memo). Writers call
 * `forgetPrefetched`. Outside a request (no memo) it reads nothing. Returns the items found.
 */
export const prefetchItems = async (
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly ItemKey[],
): Promise<readonly Record<string, unknown>[]> => {
  const memo = requests.getStore();
  if (!memo || keys.length === 0) return [];
  // An item this request has a deferred write for is not what the store holds: its reader
  // reads through its own memo, never a stale copy from here.
  const deferred = (memo.get(DEFERRED) as Map<string, Map<string, WriteRequest>> | undefined)?.get(table);
  // A batch may not name an item twice.
  const unique = [
    ...new Map(
      keys
        .filter((k) => !deferred?.has(`${k.pk}#${k.sk}`))
        .map((k) => [`${k.pk}#${k.sk}`, { pk: k.pk, sk: k.sk }]),
    ).values(),
  ];
  if (unique.length === 0) return [];
  let pending: Record<string, unknown>[] = unique;
  const found: Record<string, unknown>[] = [];
  for (let attempt = 0; pending.length > 0; attempt++) {
    // Whatever the store would not serve now is simply read later by its reader.
    if (attempt === 3) break;
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10));
    const { Responses, UnprocessedKeys } = await doc.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
    );
    found.push(...(Responses?.[table] ?? []));
    pending = UnprocessedKeys?.[table]?.Keys ?? [];
  }
  const unprocessed = new Set(pending.map((k) => `${String(k.pk)}#${String(k.sk)}`));
  for (const key of keys) {
    if (unprocessed.has(`${key.pk}#${key.sk}`)) continue;
    const item = found.find((i) => i.pk === key.pk && i.sk === key.sk);
    memo.set(itemMemoKey(table, key), item ?? null);
    if (item && typeof item.uid === 'string') memo.set(uidMemoKey(table, item.uid), key);
  }
  // The items found, for a caller that prefetches in two steps (what the first names, the second reads).
  return found;
};

/** The item prefetched for this request, once (`found` false: read the store). `item` undefined: absent. */
export const takePrefetched = (
  table: string,
  key: ItemKey,
): { readonly found: boolean; readonly item?: Record<string, unknown> } => {
  const memo = requests.getStore();
  const k = itemMemoKey(table, key);
  if (!memo?.has(k)) return { found: false };
  const item = memo.get(k) as Record<string, unknown> | null;
  memo.delete(k);
  return { found: true, item: item ?? undefined };
};

/** The prefetched item whose `uid` attribute is this (a sparse-index lookup answered from the prefetch). */
export const takePrefetchedByUid = (
  table: string,
  uid: string,
): { readonly found: boolean; readonly item?: Record<string, unknown> } => {
  const key = requests.getStore()?.get(uidMemoKey(table, uid)) as ItemKey | undefined;
  if (!key) return { found: false };
  const taken = takePrefetched(table, key);
  return taken.item ? taken : { found: false };
};

/** A write to the item: a prefetched copy is no longer what the store holds. */
export const forgetPrefetched = (table: string, key: ItemKey): void => {
  requests.getStore()?.delete(itemMemoKey(table, key));
};

type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: ItemKey } };

const DEFERRED = 'deferred-writes';
const BATCH_WRITE_LIMIT = 25;

/**
 * Defers an unconditional put or delete to the end of the request (`flushWrites`, which the
 * handler awaits before it answers), where the request's deferred writes go in one
 * BatchWriteItem. Only for items nobody else can name before the answer is sent (a token or
 * code minted in this request, a session whose new id only the answer's cookie carries), and
 * whose reader in this request sees the write through its own memo. Returns false (write now)
 * outside a request.
 */
export const deferWrite = (table: string, write: WriteRequest): boolean => {
  const memo = requests.getStore();
  if (!memo) return false;
  const writes = (memo.get(DEFERRED) as Map<string, Map<string, WriteRequest>> | undefined) ?? new Map();
  memo.set(DEFERRED, writes);
  const ofTable = writes.get(table) ?? new Map<string, WriteRequest>();
  writes.set(table, ofTable);
  // One write per item in a batch: a later write to the same item replaces the earlier one.
  const key = 'PutRequest' in write ? write.PutRequest.Item : write.DeleteRequest.Key;
  const id = `${String(key.pk)}#${String(key.sk)}`;
  ofTable.delete(id);
  ofTable.set(id, write);
  return true;
};

/**
 * Writes what the request deferred, in order, 25 to a call (unprocessed items retried); throws
 * if the store would not take them, so the request fails rather than answer with tokens or a
 * session that were never stored.
 */
export const flushWrites = async (doc: DynamoDBDocumentClient): Promise<void> => {
  const memo = requests.getStore();
  const writes = memo?.get(DEFERRED) as Map<string, Map<string, WriteRequest>> | undefined;
  if (!memo || !writes?.size) return;
  memo.delete(DEFERRED);
  for (const [table, ofTable] of writes) {
    const all = [...ofTable.values()];
    for (let i = 0; i < all.length; i += BATCH_WRITE_LIMIT) {
      let pending: WriteRequest[] = all.slice(i, i + BATCH_WRITE_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 8) throw new Error(`could not store ${pending.length} items`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10));
        const { UnprocessedItems } = await doc.send(
          new BatchWriteCommand({ RequestItems: { [table]: pending as never } }),
        );
        pending = (UnprocessedItems?.[table] ?? []) as WriteRequest[];
      }
    }
  }
};
