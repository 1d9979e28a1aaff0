import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndexDescription,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type TableDescription,
  UpdateTableCommand,
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

/** How long ensureTables waits for a table, or an index it adds, to become usable. */
const DEFAULT_WAIT_MS = 60_000;

export interface ProvisionOptions {
  /** The longest wait for a table or an added index to become usable. @default 60_000 */
  readonly waitMs?: number;
}

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 + attempt * 20)));

/**
 * True when the store answers a query on the index. Real DynamoDB refuses a read of an index it
 * is still building (ValidationException "Cannot read from backfilling global secondary index");
 * DynamoDB Local serves an index as soon as UpdateTable returns, whatever its DescribeTable says.
 */
const indexAnswers = async (
  client: DynamoDBClient,
  table: TableDescription,
  index: GlobalSecondaryIndexDescription,
): Promise<boolean> => {
  const hash = index.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (!hash) return false;
  const type = table.AttributeDefinitions?.find((a) => a.AttributeName === hash)?.AttributeType ?? 'S';
  try {
    await client.send(
      new QueryCommand({
        TableName: table.TableName,
        IndexName: index.IndexName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': hash },
        ExpressionAttributeValues: {
          ':v':
            type === 'S'
              ? { S: 'ensure-tables-probe' }
              : type === 'N'
                ? { N: '0' }
                : { B: new Uint8Array([0]) },
        },
        Limit: 1,
      }),
    );
    return true;
  } catch (err: unknown) {
    if (err instanceof Error && /ValidationException|ResourceNotFound/.test(err.name)) return false;
    throw err;
  }
};

/**
 * Waits until the table is ACTIVE and each of its indexes is usable: ACTIVE, or, where the store
 * reports another status or none (DynamoDB Local does not report an index it added with
 * UpdateTable as ACTIVE), answering a query. Bounded: past `waitMs` it fails naming what it saw.
 */
const waitUntilActive = async (
  client: DynamoDBClient,
  tableName: string,
  waitMs: number = DEFAULT_WAIT_MS,
): Promise<void> => {
  const deadline = Date.now() + waitMs;
  const usable = new Set<string>();
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const pending: GlobalSecondaryIndexDescription[] = [];
    if (Table?.TableStatus === 'ACTIVE') {
      for (const index of Table.GlobalSecondaryIndexes ?? []) {
        const name = index.IndexName ?? '';
        if (usable.has(name)) continue;
        if (index.IndexStatus === 'ACTIVE' || (await indexAnswers(client, Table, index))) usable.add(name);
        else pending.push(index);
      }
      if (pending.length === 0) return;
    }
    if (Date.now() >= deadline) {
      const seen = pending.length
        ? pending
            .map(
              (i) =>
                `index ${i.IndexName} is ${i.IndexStatus ?? 'without a status'}${i.Backfilling ? ' (backfilling)' : ''} and refuses queries`,
            )
            .join('; ')
        : `the table is ${Table?.TableStatus ?? 'without a status'}`;
      throw new Error(
        `table ${tableName} was not usable after ${Math.round(waitMs / 1000)} s: ${seen}. ` +
          'A large table takes longer to index on DynamoDB; run again to go on waiting.',
      );
    }
    await pause(attempt);
  }
};

/** Waits until a deleted table is gone: a store deletes in the background (DELETING), and a
 * CreateTable of the same name meanwhile is refused with ResourceInUse. */
const waitUntilGone = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (err: unknown) {
      if (err instanceof ResourceNotFoundException) return;
      throw err;
    }
    await pause(attempt);
  }
  throw new Error(`table ${tableName} was not deleted`);
};

/**
 * Creates any missing table from the shared definitions (local mode and tests; on AWS
 * the stack owns the tables). Safe to call on every start: existing tables are kept.
 */
export const ensureTables = async (
  doc: DynamoDBDocumentClient,
  names: Readonly<Record<TableName, string>>,
  options: ProvisionOptions = {},
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
    await waitUntilActive(client, tableName, options.waitMs);
    await addMissingIndexes(client, def, tableName, options.waitMs);
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

const indexNames = async (client: DynamoDBClient, tableName: string) => {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
};

/**
 * A data folder from an earlier version lacks indexes added since: create them (one at a time,
 * as DynamoDB requires), so `npm start` keeps working on old data. dynalite cannot add an index
 * to a table; there an empty table is recreated with it, and a non-empty one is reported.
 */
const addMissingIndexes = async (
  client: DynamoDBClient,
  def: TableDefinition,
  tableName: string,
  waitMs: number | undefined,
) => {
  const present = await indexNames(client, tableName);
  const input = createTableInput(def, tableName);
  const missing = (input.GlobalSecondaryIndexes ?? []).filter((index) => !present.has(index.IndexName));
  if (missing.length === 0) return;
  for (const index of missing) {
    const create = (extra: object) =>
      client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: input.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: { ...index, ...extra } }],
        }),
      );
    try {
      await create({});
    } catch (err: unknown) {
      // dynalite predates on-demand indexes and insists on a throughput, which it ignores.
      if (!(err instanceof Error) || !/provisionedThroughput/i.test(err.message)) throw err;
      await create({ ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } });
    }
    await waitUntilActive(client, tableName, waitMs);
  }
  const still = [...(await indexNames(client, tableName))];
  if (missing.every((index) => still.includes(index.IndexName!))) return;
  const { Count } = await client.send(new ScanCommand({ TableName: tableName, Limit: 1 }));
  if (Count) {
    throw new Error(
      `table ${tableName} lacks the index ${missing.map((i) => i.IndexName).join(', ')} and this store cannot add it; ` +
        'start with a fresh data folder (--data-dir) or DYNAMODB_ENDPOINT pointing at DynamoDB',
    );
  }
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await waitUntilGone(client, tableName);
  await client.send(new CreateTableCommand(input));
  await waitUntilActive(client, tableName, waitMs);
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
