import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DpopProofLog } from './dpop-proof-log.ts';

/**
 * Partition keys of recorded DPoP proofs. In yitong's identity table the functions that check
 * access tokens may put items under this prefix and nothing else (the stack's IAM condition on
 * `dynamodb:LeadingKeys`).
 */
export const DPOP_PROOF_PREFIX = 'dpop#';

/**
 * Proofs in a DynamoDB table keyed `pk`/`sk` (strings) with the `expiresAt` TTL attribute
 * (yitong's identity table, or a department's own): one conditional put per proof, so two
 * containers given the same proof at once cannot both accept it. An expired item DynamoDB has
 * not yet deleted counts as absent.
 */
export class DynamoDpopProofLog implements DpopProofLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async firstUse(jkt: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    // Hashed: the jti is the client's choice and could be long; the key binds it to its key.
    const id = createHash('sha256').update(`${jkt}\n${jti}`).digest('base64url');
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `${DPOP_PROOF_PREFIX}${id}`, sk: 'proof', expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
