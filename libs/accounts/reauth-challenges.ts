import { createHash } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../store/index.ts';

/**
 * Passkey challenges for re-authentication outside a sign-in (a password change): one per
 * browser, keyed by a hash of its CSRF token (`reauth#<sha256>` / `reauth`), used once, and
 * dead after `ttlSeconds` — so a passkey's answer is at most that old.
 */
export class ReauthChallenges {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** @default 5 minutes */
    private readonly ttlSeconds = 300,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  private key(browser: string) {
    return { pk: `reauth#${createHash('sha256').update(browser).digest('base64url')}`, sk: 'reauth' };
  }

  /** Remembers the browser's new challenge, in place of any earlier one. */
  async save(browser: string, challenge: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key(browser), challenge, expiresAt: this.now() + this.ttlSeconds },
      }),
    );
  }

  /** Uses up the browser's challenge: it, when one was live, else undefined. */
  async take(browser: string): Promise<string | undefined> {
    const { Attributes } = await this.doc.send(
      new DeleteCommand({ TableName: this.table, Key: this.key(browser), ReturnValues: 'ALL_OLD' }),
    );
    if (typeof Attributes?.challenge !== 'string' || Number(Attributes.expiresAt) <= this.now())
      return undefined;
    return Attributes.challenge;
  }
}
