import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_LIST, type TableDefinition, type TableName } from './tables.ts';

/** The CreateTable request for a definition; the CDK stack builds its tables from the same definitions. */
export const createTableInput = (def: TableDefinition, tableName: string): CreateTableCommandInput => {
  const keyAttributes = new Set<string>([def.partitionKey, def.sortKey]);
  for (const index of def.indexes) {
    keyAttributes.add(index.partitionKey);
    if (index.sortKey) keyAttributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...keyAttributes].map((name) => ({
      AttributeName: name,
      AttributeType: def.attributes[name] ?? 'S',
    })),
    KeySchema: [
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      { AttributeName: def.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: def.indexes.length
      ? def.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
            ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
          ],
          Projection: { ProjectionType: index.projection },
        }))
      : undefined,
  };
};

const tableExists = async (client: DynamoDBClient, tableName: string): Promise<boolean> => {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (err: unknown) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
};

const waitUntilActive = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 50 + attempt * 20));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
};

/**
 * Creates any missing table from the shared definitions (local mode and tests; on AWS
 * the stack owns the tables). Safe to call on every start: existing tables are kept.
 */
export const ensureTables = async (
  doc: DynamoDBDocumentClient,
  names: Readonly<Record<TableName, string>>,
): Promise<void> => {
  const client = doc as unknown as DynamoDBClient;
  for (const def of TABLE_LIST) {
    const tableName = names[def.name];
    if (!(await tableExists(client, tableName))) {
      try {
        await client.send(new CreateTableCommand(createTableInput(def, tableName)));
      } catch (err: unknown) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
    }
    await waitUntilActive(client, tableName);
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
        }),
      );
    } catch (err: unknown) {
      // dynalite has no TTL API and real DynamoDB refuses to re-enable it: reads hide
      // expired items anyway, so TTL here is housekeeping, not correctness.
      if (
        !(err instanceof Error) ||
        !/TimeToLive|UnknownOperation|ValidationException/i.test(`${err.name} ${err.message}`)
      ) {
        throw err;
      }
    }
  }
};

/** Deletes tables (throwaway local runs on a shared endpoint). Missing ones are fine. */
export const dropTables = async (
  doc: DynamoDBDocumentClient,
  names: Readonly<Record<TableName, string>>,
): Promise<void> => {
  const client = doc as unknown as DynamoDBClient;
  for (const tableName of Object.values(names)) {
    try {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    } catch (err: unknown) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
};
