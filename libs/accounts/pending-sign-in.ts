import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { epochSeconds, forgetPrefetched, type ItemKey, takePrefetched } from '../store/index.ts';

/** What a sign-in remembers between its steps, keyed by the interaction. */
export const PendingSignIn = z.object({
  accountId: z.string(),
  amr: z.array(z.string()),
  /** The secret being enrolled, sealed like a stored one (TotpVault). */
  totpSecret: z.string().optional(),
  challenge: z.string().optional(),
  /** A policy refused this sign-in: the page explains, and the service gets access_denied. */
  denied: z.object({ policyIds: z.array(z.string()), eventRef: z.string() }).optional(),
  /**
   * The service needs a higher identity assurance level than the account has: the page asks the
   * person to prove their identity (libs/identity), then the sign-in finishes at `loa`.
   */
  proofing: z.object({ ial: z.number().int().min(2).max(3), loa: z.number().int().min(1).max(3) }).optional(),
});
export type PendingSignIn = z.infer<typeof PendingSignIn>;

/**
 * A password reset made from a sign-in hands it back: the interaction's next page continues it,
 * only in the browser whose CSRF cookie has this digest. Kept apart from the pending state (its
 * own attribute of the item, with its own expiry, returned only by `takeHandOver`), so no step
 * of the sign-in ever takes it for an account that proved itself there.
 */
export const ResetHandOver = z.object({ accountId: z.string(), browser: z.string() });
export type ResetHandOver = z.infer<typeof ResetHandOver>;

const StoredHandOver = ResetHandOver.extend({ until: z.number() });

/**
 * The pending state of sign-ins, one item per interaction (`pending#<uid>` / `pending`) that
 * expires with it; a reset's hand-over is an attribute of the same item (`handOver`), so the
 * interaction page reads both in one call. Reads are consistent: the next step of a sign-in
 * follows the last at once.
 */
export class PendingSignIns {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** @default 10 minutes */
    private readonly ttlSeconds = 600,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  /** The item of interaction `uid` (a request may prefetch it with its interaction). */
  itemKey(uid: string): ItemKey {
    return { pk: `pending#${uid}`, sk: 'pending' };
  }

  private async read(uid: string): Promise<Record<string, unknown> | undefined> {
    const prefetched = takePrefetched(this.table, this.itemKey(uid));
    if (prefetched.found) return prefetched.item;
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: this.itemKey(uid), ConsistentRead: true }),
    );
    return Item;
  }

  /**
   * Replaces what the interaction remembers, for another `ttlSeconds` (and drops a hand-over
   * not yet taken: the person has since proven themselves in this sign-in).
   */
  async save(uid: string, pending: PendingSignIn): Promise<void> {
    forgetPrefetched(this.table, this.itemKey(uid));
    const until = this.now() + this.ttlSeconds;
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.itemKey(uid), ...pending, pendingUntil: until, expiresAt: until },
      }),
    );
  }

  /** What the interaction remembers, unless nothing or it has expired. */
  async load(uid: string): Promise<PendingSignIn | undefined> {
    return this.pendingOf(await this.read(uid));
  }

  /**
   * What the interaction page needs, in one read: the pending state, and whether a hand-over
   * waits (take it with `takeHandOver`, which only one caller wins).
   */
  async peek(uid: string): Promise<{ pending?: PendingSignIn; handOverWaiting: boolean }> {
    const item = await this.read(uid);
    return { pending: this.pendingOf(item), handOverWaiting: this.handOverOf(item) !== undefined };
  }

  private pendingOf(item: Record<string, unknown> | undefined): PendingSignIn | undefined {
    // An item holding only a hand-over has no pending state; its expiresAt may be the hand-over's.
    if (!item || item.accountId === undefined) return undefined;
    const until = typeof item.pendingUntil === 'number' ? item.pendingUntil : item.expiresAt;
    if (typeof until === 'number' && until <= this.now()) return undefined;
    return PendingSignIn.parse(item);
  }

  private handOverOf(item: Record<string, unknown> | undefined): ResetHandOver | undefined {
    const parsed = StoredHandOver.safeParse(item?.handOver);
    if (!parsed.success || parsed.data.until <= this.now()) return undefined;
    return { accountId: parsed.data.accountId, browser: parsed.data.browser };
  }

  /**
   * Leaves a reset's hand-over for the interaction (replacing an earlier one), for
   * `ttlSeconds`. The pending state keeps its own expiry (`pendingUntil`, written by `save`).
   */
  async handOver(uid: string, handOver: ResetHandOver): Promise<void> {
    forgetPrefetched(this.table, this.itemKey(uid));
    const until = this.now() + this.ttlSeconds;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.itemKey(uid),
        UpdateExpression: 'SET handOver = :h, expiresAt = :until',
        ExpressionAttributeValues: {
          ':h': { accountId: handOver.accountId, browser: handOver.browser, until },
          ':until': until,
        },
      }),
    );
  }

  /** Takes the interaction's hand-over, once: whoever asks first removes it. */
  async takeHandOver(uid: string): Promise<ResetHandOver | undefined> {
    forgetPrefetched(this.table, this.itemKey(uid));
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.itemKey(uid),
          UpdateExpression: 'REMOVE handOver',
          ConditionExpression: 'attribute_exists(handOver)',
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return this.handOverOf(Attributes);
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /** Forgets the interaction (a finished or ended sign-in), with any hand-over. */
  async delete(uid: string): Promise<void> {
    forgetPrefetched(this.table, this.itemKey(uid));
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: this.itemKey(uid) }));
  }
}
