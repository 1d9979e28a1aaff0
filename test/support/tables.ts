import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDynamoClient, ensureTables, type TableName } from '../../libs/store/index.ts';

/** Fresh, uniquely named tables for one test file, on whichever endpoint the run uses. */
export const freshTables = async (): Promise<{
  doc: DynamoDBDocumentClient;
  tables: Record<TableName, string>;
}> => {
  const doc = createDynamoClient({ endpoint: inject('dynamodbEndpoint') });
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const tables = { identity: `${prefix}-identity`, licences: `${prefix}-licences`, audit: `${prefix}-audit` };
  await ensureTables(doc, tables);
  return { doc, tables };
};
