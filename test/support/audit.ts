import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../infra/local/stack.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

/** Every audit event in a table, across all its chains, oldest first (read by key, for tests). */
export const auditEventsIn = async (
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Array<Record<string, unknown>>> => {
  const log = new DynamoAuditLog(doc, table);
  const chains = await Promise.all(log.chains().map((chain) => log.read(chain)));
  return chains.flat().sort((a, b) => a.time.localeCompare(b.time)) as unknown as Array<
    Record<string, unknown>
  >;
};

/** Every audit event a local stack has recorded, oldest first. */
export const auditEvents = (stack: LocalStack): Promise<Array<Record<string, unknown>>> =>
  auditEventsIn(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.audit);
