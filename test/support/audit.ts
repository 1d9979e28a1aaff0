import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../infra/local/stack.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

/**
 * Every audit event a local stack has recorded, across its chains, oldest first (tests only;
 * the audit API comes later).
 */
export const auditEvents = async (stack: LocalStack, shards = 4): Promise<Array<Record<string, unknown>>> => {
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  const events: Array<Record<string, unknown>> = [];
  for (let shard = 0; shard < shards; shard++) {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: stack.tables.audit,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': `chain#${shard}` },
          ExclusiveStartKey: cursor,
        }),
      );
      events.push(...(page.Items ?? []));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
  }
  return events.sort((a, b) => String(a.time).localeCompare(String(b.time)));
};
