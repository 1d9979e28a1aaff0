import { randomInt } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { base64url } from 'jose';
import { BITS } from '../../packages/licence-verifier/src/node.ts';
import type { Signer } from '../keys/index.ts';
import { isConditionalCheckFailed, queryAll } from '../store/index.ts';

/**
 * IETF Token Status List: 2 bits per licence (0 valid, 1 revoked, 2 suspended), at least
 * 131,072 entries per list, random indices that are never reused, published as a signed
 * `statuslist+jwt` with a `ttl`.
 */
export {
  BITS,
  getStatusBits,
  STATUS,
  type StatusName,
  statusName,
} from '../../packages/licence-verifier/src/node.ts';

export const LIST_SIZE = 131_072;
/** A list takes new licences until this share of it is allocated, so random picks rarely collide. */
const FILL_LIMIT = LIST_SIZE / 2;
/** Seconds a verifier may cache a status list before fetching it again. */
export const STATUS_LIST_TTL = 300;
/** Seconds a signed status list token is valid. */
const TOKEN_LIFETIME = 24 * 3600;
/**
 * Seconds after which a reader signs the list afresh even when no change was counted since:
 * a writer that set a chunk and died before counting the change is caught within this.
 */
const RESIGN_AFTER = 3600;

/** The bytes of a list: entry i at byte ⌊i·bits/8⌋, from the least significant bit (the spec's layout). */
export const setStatusBits = (bytes: Uint8Array, index: number, value: number): void => {
  const bit = index * BITS;
  const byte = bit >> 3;
  const shift = bit & 7;
  bytes[byte] = (bytes[byte]! & ~(0b11 << shift)) | ((value & 0b11) << shift);
};

/** `lst`: the bytes DEFLATE-compressed in the ZLIB format, base64url without padding. */
export const encodeList = (bytes: Uint8Array): string => base64url.encode(deflateSync(bytes, { level: 9 }));

/**
 * Storage (the licences table), so that no item is hot and no write is large:
 * - `status-list#current`: which list takes new licences;
 * - `status-list#<n>` / `allocated`: the allocation counter, a small item (1 write unit per issuance);
 * - `status-index#<n>#<i>`: the claim on one index (who holds it), a conditional put (1 write unit);
 * - `status-list#<n>` / `chunk#<k>`: the bits in chunks of {@link CHUNK_BYTES} (a status change
 *   rewrites one item under 1 KB); a chunk never written is all valid;
 * - `status-list#<n>` / `token`: the signed list, with how many changes it includes. Readers read
 *   only this item, and each container keeps it for the list's `ttl`.
 */
export const CHUNK_BYTES = 512;
const LIST_BYTES = (LIST_SIZE * BITS) / 8;
const CHUNKS = LIST_BYTES / CHUNK_BYTES;
const listPk = (list: number) => `status-list#${list}`;
const COUNTER_SK = 'allocated';
const TOKEN_SK = 'token';
const chunkSk = (chunk: number) => `chunk#${String(chunk).padStart(4, '0')}`;
const indexKey = (list: number, index: number) => ({ pk: `status-index#${list}#${index}`, sk: 'index' });
const CURRENT = { pk: 'status-list#current', sk: 'current' };

export interface StatusAllocation {
  readonly list: number;
  readonly index: number;
}

export interface StatusListOptions {
  /** Seconds a verifier (and each of our containers) may keep a status list. @default STATUS_LIST_TTL */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

interface Cached {
  readonly token: string;
  /** Epoch seconds this container read it. */
  readonly fetchedAt: number;
}

export class StatusListStore {
  readonly ttl: number;
  private readonly now: () => number;
  /** This container's list for new licences; refreshed when a list fills. */
  private current: Promise<number> | undefined;
  /** Signed lists this container read, kept for the ttl: at most one read per list per ttl. */
  private readonly cache = new Map<number, Promise<Cached | undefined>>();
  private readonly cachedAt = new Map<number, number>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    options: StatusListOptions = {},
  ) {
    this.ttl = options.ttlSeconds ?? STATUS_LIST_TTL;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** The URL a licence names for its list. */
  static uri(issuer: string, list: number): string {
    return `${issuer}/licences/status/${list}`;
  }

  private async readCurrent(): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: CURRENT, ConsistentRead: true }),
    );
    return typeof Item?.list === 'number' ? Item.list : 1;
  }

  private currentList(): Promise<number> {
    if (!this.current) {
      this.current = this.readCurrent();
      this.current.catch(() => {
        this.current = undefined;
      });
    }
    return this.current;
  }

  /**
   * A random index of the current list, claimed with a conditional write so it is never
   * handed out twice (not even after the licence expires); a list that is half allocated
   * makes way for the next. `owner` (the licence id) is recorded with the claim. Two small
   * writes: the claim and the list's counter (a container that still names a full list learns
   * from the counter and moves on; a list overfills by at most one licence per container).
   */
  async allocate(owner: string): Promise<StatusAllocation> {
    for (let attempt = 0; attempt < 32; attempt++) {
      const list = await this.currentList();
      const index = randomInt(LIST_SIZE);
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...indexKey(list, index), owner, at: new Date().toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err: unknown) {
        if (isConditionalCheckFailed(err)) continue;
        throw err;
      }
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: listPk(list), sk: COUNTER_SK },
          UpdateExpression: 'ADD allocated :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      if (Number(Attributes?.allocated) >= FILL_LIMIT) await this.advance(list);
      return { list, index };
    }
    throw new Error('could not allocate a status index');
  }

  private async advance(from: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...CURRENT, list: from + 1 },
          ConditionExpression: 'attribute_not_exists(pk) OR #list = :from',
          ExpressionAttributeNames: { '#list': 'list' },
          ExpressionAttributeValues: { ':from': from },
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    this.current = undefined;
  }

  /** Who holds an index (the licence id recorded when it was allocated). */
  async ownerOf(list: number, index: number): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: indexKey(list, index), ConsistentRead: true }),
    );
    return typeof Item?.owner === 'string' ? Item.owner : undefined;
  }

  private async readChunk(list: number, chunk: number): Promise<{ bits: Uint8Array; version: number }> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: listPk(list), sk: chunkSk(chunk) },
        ConsistentRead: true,
      }),
    );
    const bits =
      Item?.bits instanceof Uint8Array && Item.bits.length === CHUNK_BYTES
        ? new Uint8Array(Item.bits)
        : new Uint8Array(CHUNK_BYTES);
    return { bits, version: typeof Item?.version === 'number' ? Item.version : 0 };
  }

  /** The whole list, from its chunks (a chunk never written is all valid). */
  private async readBits(list: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(LIST_BYTES);
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :chunk)',
      ExpressionAttributeValues: { ':pk': listPk(list), ':chunk': 'chunk#' },
      ConsistentRead: true,
    });
    for (const item of items) {
      const chunk = Number(String(item.sk).slice('chunk#'.length));
      if (Number.isInteger(chunk) && chunk >= 0 && chunk < CHUNKS && item.bits instanceof Uint8Array)
        bytes.set(item.bits.subarray(0, CHUNK_BYTES), chunk * CHUNK_BYTES);
    }
    return bytes;
  }

  async status(list: number, index: number): Promise<number> {
    const byte = (index * BITS) >> 3;
    const { bits } = await this.readChunk(list, Math.floor(byte / CHUNK_BYTES));
    return (bits[byte % CHUNK_BYTES]! >> ((index * BITS) & 7)) & 0b11;
  }

  /**
   * Sets one entry: its chunk (optimistic concurrency on the chunk's version, retried on
   * contention), then the list's change count, then the signed list again. A failure after the
   * count leaves the token behind it, and the next reader re-signs it; a failure between the
   * chunk and the count (the embedded store has no transactions to join them) is caught when
   * the token is an hour old, as readers re-sign it then whatever the count (RESIGN_AFTER).
   */
  async setStatus(
    list: number,
    index: number,
    value: number,
    signer?: Signer,
    issuer?: string,
  ): Promise<void> {
    const byte = (index * BITS) >> 3;
    const chunk = Math.floor(byte / CHUNK_BYTES);
    for (let attempt = 0; ; attempt++) {
      if (attempt >= 16) throw new Error('the status list is too busy; retry');
      const { bits, version } = await this.readChunk(list, chunk);
      const shift = (index * BITS) & 7;
      const at = byte % CHUNK_BYTES;
      bits[at] = (bits[at]! & ~(0b11 << shift)) | ((value & 0b11) << shift);
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: listPk(list), sk: chunkSk(chunk) },
            UpdateExpression: 'SET #bits = :bits, #version = :next',
            ConditionExpression: 'attribute_not_exists(#version) OR #version = :version',
            ExpressionAttributeNames: { '#bits': 'bits', '#version': 'version' },
            ExpressionAttributeValues: { ':bits': bits, ':next': version + 1, ':version': version },
          }),
        );
        break;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: listPk(list), sk: TOKEN_SK },
        UpdateExpression: 'ADD changes :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    this.forget(list);
    if (signer && issuer) {
      const token = await this.publish(issuer, list, signer, Number(Attributes?.changes));
      this.remember(list, Promise.resolve({ token, fetchedAt: this.now() }));
    }
  }

  /**
   * Signs the list as its chunks stand and stores the token, unless a change was counted
   * meanwhile (that change's writer, or the next reader, signs a newer one).
   */
  private async publish(issuer: string, list: number, signer: Signer, changes: number): Promise<string> {
    const now = this.now();
    const token = await signStatusList(signer, {
      sub: StatusListStore.uri(issuer, list),
      iat: now,
      exp: now + TOKEN_LIFETIME,
      ttl: this.ttl,
      lst: encodeList(await this.readBits(list)),
    });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: listPk(list), sk: TOKEN_SK },
          UpdateExpression: 'SET #token = :token, builtFrom = :changes, tokenExpires = :exp, tokenKid = :kid',
          ConditionExpression: '(attribute_not_exists(changes) AND :changes = :zero) OR changes = :changes',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: {
            ':token': token,
            ':changes': changes,
            ':zero': 0,
            ':exp': now + TOKEN_LIFETIME,
            ':kid': signer.kid,
          },
        }),
      );
    } catch (err: unknown) {
      // A change was counted meanwhile: this token is still a true picture of the moment it was read.
      if (!isConditionalCheckFailed(err)) throw err;
    }
    return token;
  }

  private forget(list: number): void {
    this.cache.delete(list);
    this.cachedAt.delete(list);
  }

  private remember(list: number, entry: Promise<Cached | undefined>): void {
    if (this.cache.size > 64) {
      this.cache.clear();
      this.cachedAt.clear();
    }
    this.cache.set(list, entry);
    this.cachedAt.set(list, this.now());
    entry.catch(() => {
      if (this.cache.get(list) === entry) this.forget(list);
    });
  }

  /**
   * The signed `statuslist+jwt` for a list, and when this container read it: one item read
   * per list per `ttl` per container. The stored token is re-signed when a change is not in
   * it yet, the key rotated, or it is past half its life.
   */
  async evidence(
    issuer: string,
    list: number,
    signer: Signer,
    options: { readonly fresh?: boolean } = {},
  ): Promise<Cached | undefined> {
    if (!Number.isInteger(list) || list < 1) return undefined;
    const at = this.cachedAt.get(list);
    const hit = this.cache.get(list);
    if (!options.fresh && hit && at !== undefined && this.now() - at < this.ttl) return hit;
    const entry = this.load(issuer, list, signer);
    this.remember(list, entry);
    // A list that does not exist yet may exist soon: that answer is not kept.
    entry
      .then((found) => {
        if (!found && this.cache.get(list) === entry) this.forget(list);
      })
      .catch(() => undefined);
    return entry;
  }

  private async load(issuer: string, list: number, signer: Signer): Promise<Cached | undefined> {
    const now = this.now();
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: listPk(list), sk: TOKEN_SK },
        ConsistentRead: true,
      }),
    );
    const changes = typeof Item?.changes === 'number' ? Item.changes : 0;
    if (
      typeof Item?.token === 'string' &&
      Item.builtFrom === changes &&
      Item.tokenKid === signer.kid &&
      Number(Item.tokenExpires ?? 0) - now > TOKEN_LIFETIME - RESIGN_AFTER
    ) {
      return { token: Item.token, fetchedAt: now };
    }
    if (!Item) {
      // No token yet: only a list that exists gets one, not any number a caller names.
      // Lists advance one at a time: only the next one may have become current meanwhile.
      const known = await this.currentList();
      if (list > known + 1) return undefined;
      if (list === known + 1) this.current = undefined;
      if (list > (await this.currentList())) return undefined;
    }
    return { token: await this.publish(issuer, list, signer, changes), fetchedAt: now };
  }

  /**
   * The signed list (see {@link evidence}). `fresh` reads the stored token whatever this
   * container holds: what `GET /licences/status/{n}` serves, since a verifier elsewhere keeps
   * it for the whole `ttl` again.
   */
  async token(
    issuer: string,
    list: number,
    signer: Signer,
    options: { readonly fresh?: boolean } = {},
  ): Promise<string | undefined> {
    return (await this.evidence(issuer, list, signer, options))?.token;
  }
}

const text = new TextEncoder();

/** Signs a status list token through the Signer port (KMS on AWS). */
export const signStatusList = async (
  signer: Signer,
  claims: { sub: string; iat: number; exp: number; ttl: number; lst: string },
): Promise<string> => {
  const header = base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'statuslist+jwt', kid: signer.kid }));
  const payload = base64url.encode(
    JSON.stringify({
      sub: claims.sub,
      iat: claims.iat,
      exp: claims.exp,
      ttl: claims.ttl,
      status_list: { bits: BITS, lst: claims.lst },
    }),
  );
  const signature = await signer.sign(text.encode(`${header}.${payload}`));
  return `${header}.${payload}.${base64url.encode(signature)}`;
};
