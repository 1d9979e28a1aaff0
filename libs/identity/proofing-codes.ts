import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { epochSeconds, isConditionalCheckFailed } from '../store/index.ts';
import { ProofingAttempts } from './claims.ts';

/** How long a proofing code works. */
export const PROOFING_CODE_TTL_SECONDS = 600;
/** Wrong codes one pending proofing allows before it ends (each also counts against the day's attempts). */
export const PROOFING_CODE_TRIES = 3;
/** Codes one pending proofing may send: the first and two resends. */
export const PROOFING_CODE_SENDS = 3;
/** Codes sent to one phone number per day, whoever asks (no SMS bombing of a stranger's phone). */
export const PROOFING_SMS_PER_PHONE = 5;

/**
 * A remote proofing whose registry check passed and whose code is on its way to the phone. It
 * holds what the identity will be recorded with once the code is right — the keyed hash and the
 * masked form of the ID number, never the number — and expires with its code.
 */
export const PendingProofing = z.object({
  accountId: z.string(),
  /** Random, in the code page's form: a code answers this proofing only. */
  proofingId: z.string(),
  personRef: z.string(),
  residentIdMasked: z.string(),
  /** The registry's name and birth date, recorded once the code is right. */
  name: z.string(),
  birthDate: z.string(),
  /** The number the code went to (11 digits, the registry confirmed it is the person's): for a resend. */
  phone: z.string(),
  /** HMAC of the code and its binding (IdentityHasher.proofingCodeDigest), hex. */
  codeHash: z.string(),
  /** Epoch seconds. */
  codeExpiresAt: z.number(),
  tries: z.number().int(),
  sends: z.number().int(),
});
export type PendingProofing = z.infer<typeof PendingProofing>;

/** A phone number as people read it back: the first three and last two digits. */
export const maskPhone = (phone: string): string =>
  phone.length > 5 ? `${phone.slice(0, 3)}${'*'.repeat(phone.length - 5)}${phone.slice(-2)}` : '*****';

/**
 * The pending remote proofings, one per account (`proofing-code#<accountId>` / `pending`): a new
 * start replaces the last, every write is a single conditional one, and the item expires with
 * its code (the TTL attribute `expiresAt`; reads treat a late one as absent).
 */
export class ProofingCodes {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private key(accountId: string) {
    return { pk: `proofing-code#${accountId}`, sk: 'pending' };
  }

  /** The account's pending proofing, unless none or its code has expired. */
  async pendingOf(accountId: string): Promise<PendingProofing | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: this.key(accountId), ConsistentRead: true }),
    );
    const parsed = PendingProofing.safeParse(Item);
    if (!parsed.success || parsed.data.codeExpiresAt <= epochSeconds(this.now())) return undefined;
    return parsed.data;
  }

  /** Starts a pending proofing, replacing any earlier one of the account (its code stops working). */
  async start(pending: PendingProofing): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key(pending.accountId), ...pending, expiresAt: pending.codeExpiresAt },
      }),
    );
  }

  /**
   * Counts one try of a code, atomically: only while this proofing is pending, its code live and
   * tries are left. The proofing as it stands after the count, or undefined when none may be made.
   */
  async countTry(accountId: string, proofingId: string): Promise<PendingProofing | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId),
          UpdateExpression: 'ADD tries :one',
          ConditionExpression: 'proofingId = :p AND codeExpiresAt > :now AND tries < :max',
          ExpressionAttributeValues: {
            ':one': 1,
            ':p': proofingId,
            ':now': epochSeconds(this.now()),
            ':max': PROOFING_CODE_TRIES,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return PendingProofing.parse(Attributes);
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /** A new code for the same proofing, while it has sends left. False when none may be sent. */
  async renew(
    accountId: string,
    proofingId: string,
    codeHash: string,
    codeExpiresAt: number,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId),
          UpdateExpression: 'SET codeHash = :h, codeExpiresAt = :e, expiresAt = :e ADD sends :one',
          ConditionExpression: 'proofingId = :p AND codeExpiresAt > :now AND sends < :max',
          ExpressionAttributeValues: {
            ':h': codeHash,
            ':e': codeExpiresAt,
            ':one': 1,
            ':p': proofingId,
            ':now': epochSeconds(this.now()),
            ':max': PROOFING_CODE_SENDS,
          },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /**
   * Ends the proofing. With `codeHash`, only while that code is the live one: the single use of a
   * right code, which only one of parallel requests wins (true for it).
   */
  async end(accountId: string, proofingId: string, codeHash?: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.key(accountId),
          ConditionExpression: codeHash ? 'proofingId = :p AND codeHash = :h' : 'proofingId = :p',
          ExpressionAttributeValues: { ':p': proofingId, ...(codeHash ? { ':h': codeHash } : {}) },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}

/**
 * What remote proofing adds to the identity services: the pending proofings and the codes each
 * phone may get a day. Built by the pages that prove (not with `identityOf`), so a cold start
 * that proves nobody carries none of it.
 */
export const phoneProofingOf = (doc: DynamoDBDocumentClient, table: string) => ({
  codes: new ProofingCodes(doc, table),
  smsBudget: new ProofingAttempts(doc, table, undefined, PROOFING_SMS_PER_PHONE),
});
