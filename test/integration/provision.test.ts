import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createDynamoClient, ensureTables } from '../../libs/store/index.ts';
import { createTableInput } from '../../libs/store/provision.ts';
import { TABLES } from '../../libs/store/tables.ts';

describe('ensureTables', () => {
  it('adds an index a table from an earlier version lacks, keeping the table', async () => {
    const doc = createDynamoClient({ endpoint: inject('dynamodbEndpoint') });
    const client = doc as unknown as DynamoDBClient;
    const prefix = `old-${randomUUID().slice(0, 8)}`;
    const tables = {
      identity: `${prefix}-identity`,
      licences: `${prefix}-licences`,
      audit: `${prefix}-audit`,
    };
    // The licences table as it was before it had the holder index.
    await client.send(
      new CreateTableCommand(createTableInput({ ...TABLES.licences, indexes: [] }, tables.licences)),
    );
    await ensureTables(doc, tables);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tables.licences }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byHolder']);
  });
});
