import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isConditionalCheckFailed } from '../store/index.ts';

/** The item naming the account that proved a person (by the person's reference). */
export const identityClaimKey = (personRef: string) => ({ pk: `identity#${personRef}`, sk: 'identity' });

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
    return identityClaimKey(personRef);
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

  /**
   * Moves the claim from one account to another, only while `from` still holds it (a counter
   * verification taking over a remote proof). False when the holder changed meanwhile.
   */
  async transfer(personRef: string, from: string, to: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.key(personRef), accountId: to, claimedAt: at, transferredFrom: from },
          ConditionExpression: 'accountId = :from',
          ExpressionAttributeValues: { ':from': from },
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
 * (many accounts trying one person's number). An attempt is taken before the registry is asked
 * and kept when the registry refuses; a window starts with its first attempt and ends a day later.
 */
export class ProofingAttempts {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
    /** How many a window allows (the SMS budget of a phone number uses its own). */
    private readonly max: number = PROOFING_ATTEMPTS,
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
    return Math.max(0, this.max - Math.max(0, ...counts));
  }

  /**
   * Takes one attempt from every scope BEFORE the registry is asked: one conditional update per
   * scope (`failures < max` in a live window, or a new window), so parallel requests cannot all
   * pass a check made before any of them counted. False when any scope is exhausted; what was
   * taken from the others is given back. A refusal keeps what was taken; `giveBack` returns it.
   */
  async take(scopes: readonly string[]): Promise<boolean> {
    const taken = await Promise.all(scopes.map((scope) => this.takeOne(scope)));
    if (taken.every(Boolean)) return true;
    await this.giveBack(scopes.filter((_, i) => taken[i]));
    return false;
  }

  /** Returns an attempt taken by `take` (the registry did not answer, or the person was proved). */
  async giveBack(scopes: readonly string[]): Promise<void> {
    const now = epochSeconds(this.now());
    await Promise.all(
      scopes.map(async (scope) => {
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: this.key(scope),
              UpdateExpression: 'ADD failures :minus',
              ConditionExpression: 'expiresAt > :now AND failures > :zero',
              ExpressionAttributeValues: { ':minus': -1, ':now': now, ':zero': 0 },
            }),
          );
        } catch (err: unknown) {
          // The window ended meanwhile: there is nothing left to give back.
          if (!isConditionalCheckFailed(err)) throw err;
        }
      }),
    );
  }

  private async takeOne(scope: string): Promise<boolean> {
    const now = epochSeconds(this.now());
    // Two rounds: a parallel request may start the window between our update and our put.
    for (let round = 0; round < 2; round++) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: this.key(scope),
            UpdateExpression: 'ADD failures :one',
            ConditionExpression: 'expiresAt > :now AND failures < :max',
            ExpressionAttributeValues: { ':one': 1, ':now': now, ':max': this.max },
          }),
        );
        return true;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...this.key(scope), failures: 1, expiresAt: now + PROOFING_WINDOW_SECONDS },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return true;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
    // A live window with no attempts left.
    return false;
  }
}
