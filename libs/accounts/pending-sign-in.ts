import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { epochSeconds } from '../store/index.ts';

/** What a sign-in remembers between its steps, keyed by the interaction. */
export const PendingSignIn = z.object({
  accountId: z.string(),
  amr: z.array(z.string()),
  /** The secret being enrolled, sealed like a stored one (TotpVault). */
  totpSecret: z.string().optional(),
  challenge: z.string().optional(),
  /** A policy refused this sign-in: the page explains, and the service gets access_denied. */
  denied: z.object({ policyIds: z.array(z.string()), eventRef: z.string() }).optional(),
});
export type PendingSignIn = z.infer<typeof PendingSignIn>;

/**
 * A password reset made from a sign-in hands it back: the interaction's next page continues it,
 * only in the browser whose CSRF cookie has this digest. Kept apart from the pending state, so no
 * step of the sign-in ever takes it for an account that proved itself there.
 */
export const ResetHandOver = z.object({ accountId: z.string(), browser: z.string() });
export type ResetHandOver = z.infer<typeof ResetHandOver>;

/**
 * The pending state of sign-ins, one item per interaction (`pending#<uid>` / `pending`) that
 * expires with it. Reads are consistent: the next step of a sign-in follows the last at once.
 */
export class PendingSignIns {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** @default 10 minutes */
    private readonly ttlSeconds = 600,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  private key(uid: string) {
    return { pk: `pending#${uid}`, sk: 'pending' };
  }

  /** Replaces what the interaction remembers, for another `ttlSeconds`. */
  async save(uid: string, pending: PendingSignIn): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key(uid), ...pending, expiresAt: this.now() + this.ttlSeconds },
      }),
    );
  }

  /** What the interaction remembers, unless nothing or it has expired. */
  async load(uid: string): Promise<PendingSignIn | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: this.key(uid), ConsistentRead: true }),
    );
    if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt <= this.now())) return undefined;
    return PendingSignIn.parse(Item);
  }

  /** Leaves a reset's hand-over for the interaction (replacing an earlier one), for `ttlSeconds`. */
  async handOver(uid: string, handOver: ResetHandOver): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `handover#${uid}`, sk: 'handover', ...handOver, expiresAt: this.now() + this.ttlSeconds },
      }),
    );
  }

  /** Takes the interaction's hand-over, once: whoever asks first removes it. */
  async takeHandOver(uid: string): Promise<ResetHandOver | undefined> {
    const { Attributes: item } = await this.doc.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: `handover#${uid}`, sk: 'handover' },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!item || (typeof item.expiresAt === 'number' && item.expiresAt <= this.now())) return undefined;
    return ResetHandOver.parse(item);
  }

  /** Forgets the interaction (a finished or ended sign-in). */
  async delete(uid: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: this.key(uid) }));
  }
}
