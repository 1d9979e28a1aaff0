import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isConditionalCheckFailed } from '../store/index.ts';

const TOKEN = /^[\w-]{22}$/;

/**
 * One-time forms: a confirmation whose effect must not happen twice (a new client secret) carries
 * a random token, and the action claims it first. Reloading the result page re-posts the form;
 * the second post finds the token spent and changes nothing.
 */
export class OneTimeForms {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** How long a spent token is remembered: longer than any form stays open. @default 1 day */
    private readonly ttlSeconds = 86_400,
  ) {}

  /** A fresh token for a form's hidden field. */
  issue(): string {
    return randomBytes(16).toString('base64url');
  }

  /** Spends `token`: true the first time, false for a token already spent or not one of ours. */
  async spend(token: string | null | undefined): Promise<boolean> {
    if (!token || !TOKEN.test(token)) return false;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `once#${token}`, sk: 'once', expiresAt: epochSeconds() + this.ttlSeconds },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
