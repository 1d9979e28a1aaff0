import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import {
  deferWrite,
  epochSeconds,
  flushWrites,
  forgetPrefetched,
  IDENTITY_INDEXES,
  type ItemKey,
  isConditionalCheckFailed,
  isExpired,
  prefetchItems,
  requestMemo,
  takePrefetched,
  takePrefetchedByUid,
} from '../store/index.ts';
import { isHashedClientSecret, withHashedSecret } from './client-secret.ts';
import { rememberBrowserOrigins } from './cors.ts';
import { deviceOfRequest } from './devices.ts';

/** Models oidc-provider revokes by grant id; only these carry the `grantKey` index attribute. */
export const GRANTABLE_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

export interface OidcAdapterDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => number;
  /** Items per page when revoking by grant; DynamoDB's 1 MB pages when absent. */
  readonly pageSize?: number;
  /**
   * The error a replayed code or token throws: oidc-provider's InvalidGrant, passed in by the
   * provider so this module (and every function storing clients) need not bundle oidc-provider.
   */
  readonly replayError?: (message: string) => Error;
  /**
   * The items a request will read next, given a code or refresh token just found (its grant,
   * account, department): read together in one call (libs/store prefetchItems).
   */
  readonly readAhead?: (model: string, payload: AdapterPayload) => Promise<readonly ItemKey[]>;
}

interface StoredModel {
  readonly pk: string;
  readonly payload: string;
  readonly expiresAt?: number;
  readonly consumed?: number;
}

const BATCH_WRITE_LIMIT = 25;

/**
 * Clients are read on almost every request and change rarely: each container keeps a copy
 * for CLIENT_CACHE_SECONDS. A disabled or changed client takes effect everywhere within that.
 */
export const CLIENT_CACHE_SECONDS = 30;
type CachedClient = { readonly payload: AdapterPayload | undefined; readonly until: number };
const clientCaches = new WeakMap<DynamoDBDocumentClient, Map<string, CachedClient>>();
const clientCacheOf = (doc: DynamoDBDocumentClient): Map<string, CachedClient> => {
  let cache = clientCaches.get(doc);
  if (!cache) {
    cache = new Map();
    clientCaches.set(doc, cache);
  }
  return cache;
};

/**
 * A person's sessions and grants are indexed by account (`byAccount`), so the account centre can
 * list and end them; a session also keeps the device it was last used from (the request's
 * facts, `rememberDevice`).
 */
const accountAttributes = (model: string, payload: AdapterPayload): Record<string, unknown> => {
  if ((model !== 'Session' && model !== 'Grant') || typeof payload.accountId !== 'string') return {};
  const device = model === 'Session' ? deviceOfRequest() : undefined;
  return { accountKey: `${model}#${payload.accountId}`, ...(device ? { device } : {}) };
};

/** Where oidc-provider's model `model` keeps instance `id` in the identity table. */
export const oidcItemKey = (model: string, id: string): ItemKey => ({
  pk: `oidc#${model}#${id}`,
  sk: 'oidc',
});

/**
 * Models oidc-provider reads more than once in one request (an interaction step loads the
 * interaction and its session, then `interactionResult` loads both again): each request reads
 * them once (libs/store `requestMemo`, never across requests), writes through on upsert and
 * forgets them on destroy.
 */
const REQUEST_MEMO_MODELS: ReadonlySet<string> = new Set([
  'Interaction',
  'Session',
  'Grant',
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
]);

/**
 * Models whose unconditional writes in a request wait for its end (libs/store deferWrite), to go
 * in one BatchWriteItem just before the answer: a token or code minted now, which nobody can
 * present before the answer carries it; the session (its new id is only in the answer's cookie;
 * a rotation deletes the old id, which the answer replaces); the interaction and the grant, which
 * the next step reads only once the answer has sent the browser there. Reads in the request see
 * them through the request memo. Any write that is not deferred (a conditional consume, a grant
 * or token destroyed, a revocation by grant) first writes what was deferred, so the store sees
 * every write in the order the request made it.
 */
const DEFERRED_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'Session',
  'Interaction',
  'Grant',
]);

/**
 * oidc-provider's storage in the identity table, one item per model instance. Index
 * attributes are namespaced by model so each sparse index only answers for its own model.
 */
export class DynamoOidcAdapter implements Adapter {
  private readonly now: () => number;

  constructor(
    private readonly model: string,
    private readonly deps: OidcAdapterDeps,
  ) {
    this.now = deps.now ?? (() => epochSeconds());
  }

  private key(id: string) {
    return oidcItemKey(this.model, id);
  }

  private memoKey(id: string) {
    return `oidc#${this.deps.tableName}#${this.model}#${id}`;
  }

  private uidMemoKey(uid: string) {
    return `oidc-uid#${this.deps.tableName}#${this.model}#${uid}`;
  }

  /** Remembers (a copy of) what this request read or wrote; `undefined` is remembered as absent. */
  private remember(id: string, payload: AdapterPayload | undefined): void {
    if (!REQUEST_MEMO_MODELS.has(this.model)) return;
    requestMemo.set(this.memoKey(id), payload === undefined ? undefined : JSON.stringify(payload));
    if (typeof payload?.uid === 'string') requestMemo.set(this.uidMemoKey(payload.uid), id);
  }

  private remembered(id: string): { readonly has: boolean; readonly payload?: AdapterPayload } {
    if (!REQUEST_MEMO_MODELS.has(this.model)) return { has: false };
    const { has, value } = requestMemo.get<string | undefined>(this.memoKey(id));
    return { has, payload: value === undefined ? undefined : (JSON.parse(value) as AdapterPayload) };
  }

  async upsert(id: string, given: AdapterPayload, expiresIn?: number): Promise<void> {
    if (this.model === 'Client') clientCacheOf(this.deps.doc).delete(`${this.deps.tableName}#${id}`);
    // A client's secret is stored only as its hash, whoever stores the client.
    const payload = this.model === 'Client' ? withHashedSecret(given) : given;
    const grantable = GRANTABLE_MODELS.has(this.model);
    this.forget(id);
    const stored: Record<string, unknown> = {
      ...this.key(id),
      model: this.model,
      payload: JSON.stringify(payload),
      expiresAt: expiresIn ? this.now() + expiresIn : undefined,
      uid: payload.uid ? `${this.model}#${payload.uid}` : undefined,
      userCode: payload.userCode ? `${this.model}#${payload.userCode}` : undefined,
      grantKey: grantable && payload.grantId ? `${this.model}#${payload.grantId}` : undefined,
      ...accountAttributes(this.model, payload),
    };
    const Item = Object.fromEntries(Object.entries(stored).filter(([, v]) => v !== undefined));
    const deferred =
      DEFERRED_MODELS.has(this.model) && deferWrite(this.deps.tableName, { PutRequest: { Item } });
    if (!deferred) {
      await flushWrites(this.deps.doc);
      await this.deps.doc.send(new PutCommand({ TableName: this.deps.tableName, Item }));
    }
    this.remember(id, payload);
    // Every way a client is stored passes here: note where its pages may call from (CORS).
    if (this.model === 'Client') await rememberBrowserOrigins(this.deps.doc, this.deps.tableName, payload);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const cacheKey = `${this.deps.tableName}#${id}`;
    if (this.model === 'Client') {
      const cached = clientCacheOf(this.deps.doc).get(cacheKey);
      if (cached && cached.until > this.now()) return cached.payload;
    }
    const known = this.remembered(id);
    if (known.has) return known.payload;
    // Strongly consistent: a code or refresh token consumed a moment ago must read as consumed.
    // (A prefetched item was read so at the start of this request, and not written since.)
    const prefetched = takePrefetched(this.deps.tableName, this.key(id));
    const Item = prefetched.found
      ? prefetched.item
      : (
          await this.deps.doc.send(
            new GetCommand({ TableName: this.deps.tableName, Key: this.key(id), ConsistentRead: true }),
          )
        ).Item;
    let payload = this.toPayload(Item);
    const secret = payload?.client_secret;
    if (this.model === 'Client' && payload && typeof secret === 'string' && !isHashedClientSecret(secret)) {
      payload = await this.hashStoredSecret(id, String(Item!.payload), payload);
    }
    if (this.model === 'Client')
      clientCacheOf(this.deps.doc).set(cacheKey, { payload, until: this.now() + CLIENT_CACHE_SECONDS });
    this.remember(id, payload);
    if (
      payload &&
      this.deps.readAhead &&
      (this.model === 'AuthorizationCode' || this.model === 'RefreshToken')
    ) {
      const next = await this.deps.readAhead(this.model, payload);
      if (next.length > 1) await prefetchItems(this.deps.doc, this.deps.tableName, next);
    }
    return payload;
  }

  /**
   * A client stored by an older version with its secret in clear: stored again with the hash
   * (migrated on read), unless someone changed it meanwhile.
   */
  private async hashStoredSecret(id: string, stored: string, payload: AdapterPayload) {
    const hashed = withHashedSecret(payload);
    try {
      await this.deps.doc.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: this.key(id),
          UpdateExpression: 'SET #payload = :hashed',
          ConditionExpression: '#payload = :stored',
          ExpressionAttributeNames: { '#payload': 'payload' },
          ExpressionAttributeValues: { ':hashed': JSON.stringify(hashed), ':stored': stored },
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    return hashed;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (REQUEST_MEMO_MODELS.has(this.model)) {
      const { has, value: id } = requestMemo.get<string>(this.uidMemoKey(uid));
      const known = has && id !== undefined ? this.remembered(id) : { has: false };
      if (known.has) return known.payload;
    }
    const prefetched = takePrefetchedByUid(this.deps.tableName, `${this.model}#${uid}`);
    const payload = prefetched.found
      ? this.toPayload(prefetched.item)
      : await this.findByIndex(IDENTITY_INDEXES.byUid, 'uid', uid);
    if (payload && typeof payload.jti === 'string') this.remember(payload.jti, payload);
    return payload;
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findByIndex(IDENTITY_INDEXES.byUserCode, 'userCode', userCode);
  }

  /**
   * Marks the item consumed only if nobody has yet, so two concurrent redemptions of one
   * code or refresh token cannot both succeed. The loser is a replay: its grant is revoked.
   */
  async consume(id: string): Promise<void> {
    this.forget(id);
    await flushWrites(this.deps.doc);
    try {
      await this.deps.doc.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: this.key(id),
          UpdateExpression: 'SET #consumed = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#consumed)',
          ExpressionAttributeNames: { '#consumed': 'consumed' },
          ExpressionAttributeValues: { ':now': this.now() },
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
      const replayed = await this.find(id);
      if (typeof replayed?.grantId === 'string') await revokeGrant(this.deps, replayed.grantId);
      const message = `${this.model} was already used; its grant has been revoked`;
      throw this.deps.replayError?.(message) ?? new Error(message);
    }
  }

  /** Forgets what this request remembered of the item (before any write to it). */
  private forget(id: string): void {
    forgetPrefetched(this.deps.tableName, this.key(id));
    if (REQUEST_MEMO_MODELS.has(this.model)) requestMemo.forget(this.memoKey(id));
  }

  async destroy(id: string): Promise<void> {
    if (this.model === 'Client') clientCacheOf(this.deps.doc).delete(`${this.deps.tableName}#${id}`);
    this.forget(id);
    if (
      this.model === 'Session' &&
      deferWrite(this.deps.tableName, { DeleteRequest: { Key: this.key(id) } })
    ) {
      this.remember(id, undefined);
      return;
    }
    await flushWrites(this.deps.doc);
    await this.deps.doc.send(new DeleteCommand({ TableName: this.deps.tableName, Key: this.key(id) }));
  }

  /** Deletes every item of this model issued under the grant, page by page. */
  async revokeByGrantId(grantId: string): Promise<void> {
    if (!GRANTABLE_MODELS.has(this.model)) return;
    // Whatever this request minted under the grant is stored first, so it is revoked too.
    await flushWrites(this.deps.doc);
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.deps.doc.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          IndexName: IDENTITY_INDEXES.byGrantKey,
          KeyConditionExpression: 'grantKey = :g',
          ExpressionAttributeValues: { ':g': `${this.model}#${grantId}` },
          ExclusiveStartKey: cursor,
          Limit: this.deps.pageSize,
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
      for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
        await this.deleteBatch(keys.slice(i, i + BATCH_WRITE_LIMIT));
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor);
  }

  private async deleteBatch(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<void> {
    let pending = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 8) throw new Error(`could not delete ${pending.length} ${this.model} items`);
      const { UnprocessedItems } = await this.deps.doc.send(
        new BatchWriteCommand({ RequestItems: { [this.deps.tableName]: pending } }),
      );
      pending = (UnprocessedItems?.[this.deps.tableName] ?? []) as typeof pending;
      if (pending.length) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10));
    }
  }

  private async findByIndex(
    indexName: string,
    attribute: 'uid' | 'userCode',
    value: string,
  ): Promise<AdapterPayload | undefined> {
    const { Items } = await this.deps.doc.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        IndexName: indexName,
        KeyConditionExpression: '#a = :v',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': `${this.model}#${value}` },
      }),
    );
    return this.toPayload(Items?.find((item) => !isExpired(item, this.now())));
  }

  private toPayload(item: Record<string, unknown> | undefined): AdapterPayload | undefined {
    if (!item || isExpired(item, this.now())) return undefined;
    const stored = item as unknown as StoredModel;
    const payload = JSON.parse(stored.payload) as AdapterPayload;
    return stored.consumed === undefined ? payload : { ...payload, consumed: stored.consumed };
  }
}

/** Revokes everything issued under a grant, across all grantable models. */
export const revokeGrant = async (deps: OidcAdapterDeps, grantId: string): Promise<void> => {
  await Promise.all(
    [...GRANTABLE_MODELS].map((model) => new DynamoOidcAdapter(model, deps).revokeByGrantId(grantId)),
  );
};

/** The adapter factory oidc-provider's `adapter` option takes. */
export const dynamoAdapterFactory =
  (deps: OidcAdapterDeps) =>
  (model: string): Adapter =>
    new DynamoOidcAdapter(model, deps);
