import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, type ItemKey, isConditionalCheckFailed } from '../store/index.ts';

/**
 * The budget of one code item (a login name's reset, a person's new address), counted per window
 * and never reset by a new request: at most `maxRequests` codes made and `maxAttempts` codes
 * tried per `windowSeconds`; each code works for `codeSeconds` and once.
 */
export interface CodePolicy {
  readonly maxRequests: number;
  readonly maxAttempts: number;
  readonly windowSeconds: number;
  readonly codeSeconds: number;
  /** Digits of a code. */
  readonly digits: number;
}

/** A code just made: sent to the person, never stored (only its keyed hash is). */
export interface IssuedCode {
  readonly code: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/**
 * A code's keyed hash (HMAC-SHA-256 under a code key secret): a code of 6 or 8 digits
 * has too few values for a plain hash to hide it from someone who can read the table.
 */
const hash = (key: string, code: string) => createHmac('sha256', key).update(code.trim()).digest();

/**
 * One-time codes kept in one item each (password reset by login name, contact details by account
 * and channel): only the keyed hash of the newest code is stored with what it is for; the
 * window's request and attempt counts outlive any code, so asking again neither floods the
 * person nor buys more guesses. Every step is one conditional write, so parallel requests cannot
 * exceed a budget or use a code twice.
 */
export class OneTimeCodes {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** Versions of the code key secret (`reset-code-key`, `contact-code-key`), newest first: codes are made with the newest. */
    private readonly codeKeys: readonly string[],
    private readonly policy: CodePolicy,
  ) {
    if (!codeKeys.length) throw new Error('one-time codes need a code key secret');
  }

  /**
   * Makes a code and stores its hash with `fields` in the item's window: counts one request in
   * an open window (refused at the limit), or opens a new window. The code is made and hashed
   * whether or not it is stored, so both answers cost the same. Undefined: the limit is reached.
   */
  async issue(key: ItemKey, fields: Readonly<Record<string, string>>): Promise<IssuedCode | undefined> {
    const code = String(randomInt(0, 10 ** this.policy.digits)).padStart(this.policy.digits, '0');
    const codeHash = hash(this.codeKeys[0]!, code).toString('hex');
    const now = epochSeconds();
    const expiresAt = now + this.policy.codeSeconds;
    const names = Object.keys(fields);
    const set = names.map((_, i) => `#f${i} = :f${i}`).join(', ');
    const fieldNames = Object.fromEntries(names.map((n, i) => [`#f${i}`, n]));
    const fieldValues = Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]]));
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: `SET codeHash = :h, codeExpiresAt = :e${set ? `, ${set}` : ''} ADD requests :one`,
          ConditionExpression: 'windowEnds > :now AND requests < :max',
          ...(names.length ? { ExpressionAttributeNames: fieldNames } : {}),
          ExpressionAttributeValues: {
            ...fieldValues,
            ':h': codeHash,
            ':e': expiresAt,
            ':one': 1,
            ':now': now,
            ':max': this.policy.maxRequests,
          },
        }),
      );
      return { code, expiresAt };
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const windowEnds = now + this.policy.windowSeconds;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...fields,
            ...key,
            codeHash,
            codeExpiresAt: expiresAt,
            requests: 1,
            attempts: 0,
            windowEnds,
            expiresAt: windowEnds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR windowEnds <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return { code, expiresAt };
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /**
   * Uses the item's code if `code` is it: every try, right or wrong, first takes one attempt
   * from the window; a right code is removed (only the request that removes it wins). Gives the
   * item's other fields then; undefined for a wrong, expired or used code or a spent budget.
   */
  async redeem(key: ItemKey, code: string): Promise<Record<string, unknown> | undefined> {
    const now = epochSeconds();
    let item: Record<string, unknown> | undefined;
    try {
      ({ Attributes: item } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'ADD attempts :one',
          ConditionExpression: 'windowEnds > :now AND attempts < :max AND codeExpiresAt > :now',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':max': this.policy.maxAttempts },
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
    if (typeof item?.codeHash !== 'string' || !new RegExp(`^\\d{${this.policy.digits}}$`).test(code.trim()))
      return undefined;
    const stored = Buffer.from(item.codeHash, 'hex');
    // Any kept version of the key: a code made just before a rotation still works until it expires.
    if (!this.codeKeys.some((k) => timingSafeEqual(stored, hash(k, code)))) return undefined;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'REMOVE codeHash, codeExpiresAt',
          ConditionExpression: 'codeHash = :h',
          ExpressionAttributeValues: { ':h': item.codeHash },
        }),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
    return item;
  }

  /** What the item's live code is for (its fields), without touching its budget; undefined when none is live. */
  async pending(key: ItemKey): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    return typeof Item?.codeHash === 'string' && Number(Item.codeExpiresAt) > epochSeconds()
      ? Item
      : undefined;
  }

  /** Forgets the item's code (the person cancelled); its window's counts stay. */
  async withdraw(key: ItemKey): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'REMOVE codeHash, codeExpiresAt',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}
