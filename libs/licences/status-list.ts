import { randomInt } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { base64url } from 'jose';
import type { Signer } from '../keys/index.ts';
import { isConditionalCheckFailed } from '../store/index.ts';

/**
 * IETF Token Status List: 2 bits per licence (0 valid, 1 revoked, 2 suspended), at least
 * 131,072 entries per list, random indices that are never reused, published as a signed
 * `statuslist+jwt` with a `ttl`.
 */
export const STATUS = { valid: 0, revoked: 1, suspended: 2 } as const;
export type StatusName = keyof typeof STATUS;
export const statusName = (value: number): StatusName | undefined =>
  (Object.keys(STATUS) as StatusName[]).find((name) => STATUS[name] === value);

export const BITS = 2;
export const LIST_SIZE = 131_072;
/** A list takes new licences until this share of it is allocated, so random picks rarely collide. */
const FILL_LIMIT = LIST_SIZE / 2;
/** Seconds a verifier may cache a status list before fetching it again. */
export const STATUS_LIST_TTL = 300;
/** Seconds a signed status list token is valid. */
const TOKEN_LIFETIME = 24 * 3600;

/** The bytes of a list: entry i at byte ⌊i·bits/8⌋, from the least significant bit (the spec's layout). */
export const setStatusBits = (bytes: Uint8Array, index: number, value: number): void => {
  const bit = index * BITS;
  const byte = bit >> 3;
  const shift = bit & 7;
  bytes[byte] = (bytes[byte]! & ~(0b11 << shift)) | ((value & 0b11) << shift);
};
export const getStatusBits = (bytes: Uint8Array, index: number): number =>
  (bytes[(index * BITS) >> 3]! >> ((index * BITS) & 7)) & 0b11;

/** `lst`: the bytes DEFLATE-compressed in the ZLIB format, base64url without padding. */
export const encodeList = (bytes: Uint8Array): string => base64url.encode(deflateSync(bytes, { level: 9 }));
export const decodeList = (lst: string): Uint8Array => new Uint8Array(inflateSync(base64url.decode(lst)));

const listKey = (list: number) => ({ pk: `status-list#${list}`, sk: 'list' });
const indexKey = (list: number, index: number) => ({ pk: `status-index#${list}#${index}`, sk: 'index' });
const CURRENT = { pk: 'status-list#current', sk: 'current' };

export interface StatusAllocation {
  readonly list: number;
  readonly index: number;
}

interface ListItem {
  readonly bits: Uint8Array;
  readonly version: number;
  readonly token?: string;
  readonly tokenVersion?: number;
  readonly tokenExpires?: number;
  readonly tokenKid?: string;
}

export class StatusListStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The URL a licence names for its list. */
  static uri(issuer: string, list: number): string {
    return `${issuer}/licences/status/${list}`;
  }

  private async currentList(): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: CURRENT, ConsistentRead: true }),
    );
    return typeof Item?.list === 'number' ? Item.list : 1;
  }

  /**
   * A random index of the current list, claimed with a conditional write so it is never
   * handed out twice (not even after the licence expires); a list that is half allocated
   * makes way for the next. `owner` (the licence id) is recorded with the claim.
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
          Key: listKey(list),
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
  }

  /** Who holds an index (the licence id recorded when it was allocated). */
  async ownerOf(list: number, index: number): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: indexKey(list, index), ConsistentRead: true }),
    );
    return typeof Item?.owner === 'string' ? Item.owner : undefined;
  }

  private async read(list: number): Promise<ListItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: listKey(list), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const bits = Item.bits instanceof Uint8Array ? Item.bits : new Uint8Array((LIST_SIZE * BITS) / 8);
    return {
      bits: bits.length === (LIST_SIZE * BITS) / 8 ? bits : new Uint8Array((LIST_SIZE * BITS) / 8),
      version: typeof Item.version === 'number' ? Item.version : 0,
      token: typeof Item.token === 'string' ? Item.token : undefined,
      tokenVersion: typeof Item.tokenVersion === 'number' ? Item.tokenVersion : undefined,
      tokenExpires: typeof Item.tokenExpires === 'number' ? Item.tokenExpires : undefined,
      tokenKid: typeof Item.tokenKid === 'string' ? Item.tokenKid : undefined,
    };
  }

  async status(list: number, index: number): Promise<number> {
    const item = await this.read(list);
    return item ? getStatusBits(item.bits, index) : STATUS.valid;
  }

  /** Sets one entry; optimistic concurrency on the list's version, retried on contention. */
  async setStatus(list: number, index: number, value: number): Promise<void> {
    for (let attempt = 0; attempt < 16; attempt++) {
      const item = await this.read(list);
      const bits = item ? new Uint8Array(item.bits) : new Uint8Array((LIST_SIZE * BITS) / 8);
      setStatusBits(bits, index, value);
      const version = item?.version ?? 0;
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: listKey(list),
            UpdateExpression: 'SET #bits = :bits, #version = :next',
            ConditionExpression: 'attribute_not_exists(#version) OR #version = :version',
            ExpressionAttributeNames: { '#bits': 'bits', '#version': 'version' },
            ExpressionAttributeValues: { ':bits': bits, ':next': version + 1, ':version': version },
          }),
        );
        return;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
    throw new Error('the status list is too busy; retry');
  }

  /**
   * The signed `statuslist+jwt` for a list: re-signed when the list changed or the cached
   * token is past half its life, so a read costs one item and rarely a signature.
   */
  async token(
    issuer: string,
    list: number,
    signer: Signer,
    now = Math.floor(Date.now() / 1000),
  ): Promise<string | undefined> {
    if (!Number.isInteger(list) || list < 1 || list > (await this.currentList())) return undefined;
    const item = await this.read(list);
    const version = item?.version ?? 0;
    // Re-signed when the list changed, the token is past half its life, or the key rotated.
    if (
      item?.token &&
      item.tokenVersion === version &&
      item.tokenKid === signer.kid &&
      (item.tokenExpires ?? 0) - now > TOKEN_LIFETIME / 2
    ) {
      return item.token;
    }
    const bits = item?.bits ?? new Uint8Array((LIST_SIZE * BITS) / 8);
    const token = await signStatusList(signer, {
      sub: StatusListStore.uri(issuer, list),
      iat: now,
      exp: now + TOKEN_LIFETIME,
      ttl: STATUS_LIST_TTL,
      lst: encodeList(bits),
    });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: listKey(list),
          UpdateExpression:
            'SET #token = :token, tokenVersion = :version, tokenExpires = :exp, tokenKid = :kid',
          ConditionExpression: 'attribute_not_exists(#version) OR #version = :version',
          ExpressionAttributeNames: { '#token': 'token', '#version': 'version' },
          ExpressionAttributeValues: {
            ':token': token,
            ':version': version,
            ':exp': now + TOKEN_LIFETIME,
            ':kid': signer.kid,
          },
        }),
      );
    } catch (err: unknown) {
      // The list changed meanwhile: this token is still a true picture of the moment it was read.
      if (!isConditionalCheckFailed(err)) throw err;
    }
    return token;
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
