import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isConditionalCheckFailed } from '../store/index.ts';

/**
 * One account per proved person: an item keyed by the person's reference (the keyed hash of the
 * ID number) names the account that proved it, claimed with a conditional put (no transaction).
 */
export class IdentityClaims {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(personRef: string) {
    return { pk: `identity#${personRef}`, sk: 'identity' };
  }

  /** The account that proved this person, if any. */
  async accountOf(personRef: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: this.key(personRef), ConsistentRead: true }),
    );
    return typeof Item?.accountId === 'string' ? Item.accountId : undefined;
  }

  /**
   * Claims the person for the account. True when the account holds the claim (now or already);
   * false when another account proved this person first.
   */
  async claim(personRef: string, accountId: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.key(personRef), accountId, claimedAt: at },
          ConditionExpression: 'attribute_not_exists(pk) OR accountId = :a',
          ExpressionAttributeValues: { ':a': accountId },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}

/** How many failed proofing attempts a window allows, per account and per ID number. */
export const PROOFING_ATTEMPTS = 5;
export const PROOFING_WINDOW_SECONDS = 86_400;

/**
 * The failure budget of proofing: per account (one person trying numbers) and per ID number
 * (many accounts trying one person's number). Each failure is one conditional update; a window
 * starts with its first failure and ends a day later.
 */
export class ProofingAttempts {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private key(scope: string) {
    return { pk: `proofing#${scope}`, sk: 'attempts' };
  }

  /** Failures left in the window for each scope (the smallest counts). */
  async left(scopes: readonly string[]): Promise<number> {
    const counts = await Promise.all(
      scopes.map(async (scope) => {
        const { Item } = await this.doc.send(
          new GetCommand({ TableName: this.table, Key: this.key(scope), ConsistentRead: true }),
        );
        const live = typeof Item?.expiresAt === 'number' && Item.expiresAt > epochSeconds(this.now());
        return live && typeof Item?.failures === 'number' ? Item.failures : 0;
      }),
    );
    return Math.max(0, PROOFING_ATTEMPTS - Math.max(0, ...counts));
  }

  /** Counts a failure against every scope. */
  async fail(scopes: readonly string[]): Promise<void> {
    const now = epochSeconds(this.now());
    await Promise.all(
      scopes.map(async (scope) => {
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: this.key(scope),
              UpdateExpression: 'ADD failures :one',
              ConditionExpression: 'expiresAt > :now',
              ExpressionAttributeValues: { ':one': 1, ':now': now },
            }),
          );
        } catch (err: unknown) {
          if (!isConditionalCheckFailed(err)) throw err;
          // No live window: start one with this failure, unless a parallel failure just did.
          try {
            await this.doc.send(
              new PutCommand({
                TableName: this.table,
                Item: { ...this.key(scope), failures: 1, expiresAt: now + PROOFING_WINDOW_SECONDS },
                ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
                ExpressionAttributeValues: { ':now': now },
              }),
            );
          } catch (again: unknown) {
            if (!isConditionalCheckFailed(again)) throw again;
            await this.doc.send(
              new UpdateCommand({
                TableName: this.table,
                Key: this.key(scope),
                UpdateExpression: 'ADD failures :one',
                ExpressionAttributeValues: { ':one': 1 },
              }),
            );
          }
        }
      }),
    );
  }
}
