import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../store/index.ts';
import { normaliseLoginName } from './model.ts';

export interface LockoutPolicy {
  /** Failures within the window that lock the name. @default 6 */
  readonly maxFailures: number;
  /** @default 15 minutes */
  readonly windowSeconds: number;
  /** How long a lock lasts. @default 15 minutes */
  readonly lockSeconds: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 6, windowSeconds: 900, lockSeconds: 900 };

export interface LockoutState {
  readonly locked: boolean;
  readonly lockedUntil: number;
  readonly failures: number;
}

/**
 * Failed logins counted per login name — whether or not an account has that name, so a
 * locked answer reveals nothing about which names exist. Items expire on their own.
 */
export class LoginLockout {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly policy: LockoutPolicy = DEFAULT_LOCKOUT,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  private key(name: string) {
    return { pk: `lockout#${normaliseLoginName(name)}`, sk: 'lockout' };
  }

  async state(name: string): Promise<LockoutState> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: this.key(name), ConsistentRead: true }),
    );
    const now = this.now();
    if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt <= now)) {
      return { locked: false, lockedUntil: 0, failures: 0 };
    }
    const lockedUntil = Number(Item.lockedUntil ?? 0);
    return { locked: lockedUntil > now, lockedUntil, failures: Number(Item.failures ?? 0) };
  }

  /** Counts a failure; returns whether this failure locked the name. */
  async recordFailure(name: string): Promise<LockoutState> {
    const now = this.now();
    const windowStart = now - this.policy.windowSeconds;
    let failures: number;
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(name),
          UpdateExpression: 'ADD failures :one',
          ConditionExpression: 'attribute_exists(pk) AND startedAt > :windowStart',
          ExpressionAttributeValues: { ':one': 1, ':windowStart': windowStart },
          ReturnValues: 'ALL_NEW',
        }),
      );
      failures = Number(Attributes?.failures ?? 1);
    } catch (err: unknown) {
      if (!(err instanceof Error && err.name === 'ConditionalCheckFailedException')) throw err;
      // No window open (first failure, or the last window ran out): open a new one.
      failures = 1;
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.key(name),
            failures,
            startedAt: now,
            lockedUntil: 0,
            expiresAt: now + this.policy.windowSeconds + this.policy.lockSeconds,
          },
        }),
      );
    }
    if (failures < this.policy.maxFailures) return { locked: false, lockedUntil: 0, failures };
    const lockedUntil = now + this.policy.lockSeconds;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(name),
        UpdateExpression: 'SET lockedUntil = :until, expiresAt = :expires',
        ExpressionAttributeValues: {
          ':until': lockedUntil,
          ':expires': lockedUntil + this.policy.windowSeconds,
        },
      }),
    );
    return { locked: true, lockedUntil, failures };
  }

  /** A successful login clears the count. */
  async clear(name: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: this.key(name) }));
  }
}

/**
 * Per-source throttling: a fixed-window counter per address, one atomic update per attempt.
 * It slows password spraying from one place; the per-name lockout stops guessing one account.
 * The default is generous because a whole agency often reaches us through one NAT address.
 */
export class SourceThrottle {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly limit = 300,
    private readonly windowSeconds = 300,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  /** Counts an attempt from `source`; false when the source is over its limit for this window. */
  async allow(source: string): Promise<boolean> {
    const bucket = Math.floor(this.now() / this.windowSeconds);
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `throttle#${source}#${bucket}`, sk: 'throttle' },
        UpdateExpression: 'ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: { ':one': 1, ':expires': (bucket + 2) * this.windowSeconds },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.attempts ?? 0) <= this.limit;
  }
}
