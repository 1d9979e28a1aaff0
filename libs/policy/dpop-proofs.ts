import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../store/index.ts';

/**
 * Partition keys of recorded DPoP proofs. The functions that check access tokens may put
 * items under this prefix of the identity table and nothing else there (the stack's IAM
 * condition on `dynamodb:LeadingKeys`).
 */
export const DPOP_PROOF_PREFIX = 'dpop#';

/**
 * Where DPoP proofs are remembered until they expire, so each proof is accepted once
 * (RFC 9449 §11.1): a captured proof cannot be replayed with its token.
 */
export interface DpopProofLog {
  /**
   * Records the proof `jti` of the key `jkt` until `expiresAt` (epoch seconds). False when
   * the same proof was recorded before and has not yet expired.
   */
  firstUse(jkt: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
}

/**
 * Proofs in a DynamoDB table keyed `pk`/`sk` with the `expiresAt` TTL attribute (yitong's
 * identity table, or a department's own): one conditional put per proof, so two containers
 * given the same proof at once cannot both accept it. An expired item DynamoDB has not yet
 * deleted counts as absent.
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
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
