import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
  type GlobalSecondaryIndexDescription,
} from '@aws-sdk/client-dynamodb';
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

/**
 * DynamoDB Local answers DescribeTable differently from DynamoDB and dynalite: an index it added
 * with UpdateTable is not reported ACTIVE (no IndexStatus at all, or CREATING), yet it serves
 * queries at once. These rewrite the embedded store's answers into those shapes.
 */
describe('ensureTables against the index states other stores report', () => {
  const tablesFor = (prefix: string) => ({
    identity: `${prefix}-identity`,
    licences: `${prefix}-licences`,
    audit: `${prefix}-audit`,
  });
  /** A client whose DescribeTable shows the licences table's indexes as `reshape` makes them. */
  const reshapingClient = (
    reshape: (index: GlobalSecondaryIndexDescription) => GlobalSecondaryIndexDescription,
    calls: string[],
    refuseIndexQueries = false,
  ) =>
    createDynamoClient({
      endpoint: inject('dynamodbEndpoint'),
      configure: (client) =>
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const input = args.input as { TableName?: string; IndexName?: string };
            const licences = input.TableName?.endsWith('-licences') ?? false;
            if (licences) calls.push(String(context.commandName));
            if (refuseIndexQueries && licences && context.commandName === 'QueryCommand' && input.IndexName) {
              throw Object.assign(
                new Error(`Cannot read from backfilling global secondary index: ${input.IndexName}`),
                { name: 'ValidationException', $metadata: { httpStatusCode: 400 } },
              );
            }
            const result = await next(args);
            const output = result.output as DescribeTableCommandOutput;
            if (licences && context.commandName === 'DescribeTableCommand' && output.Table) {
              output.Table.GlobalSecondaryIndexes = output.Table.GlobalSecondaryIndexes?.map(reshape);
            }
            return result;
          },
          { step: 'initialize', name: 'reshapeIndexStates' },
        ),
    });

  it('takes an index reported without a status (DynamoDB Local 2) as ready once it answers a query', async () => {
    const calls: string[] = [];
    const doc = reshapingClient(({ IndexStatus: _status, ...index }) => index, calls);
    const started = Date.now();
    await ensureTables(doc, tablesFor(`nostatus-${randomUUID().slice(0, 8)}`), { waitMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    // The index was probed with a query instead of waited on.
    expect(calls).toContain('QueryCommand');
  });

  it('takes an index stuck in CREATING as ready once it answers a query', async () => {
    const calls: string[] = [];
    const doc = reshapingClient((index) => ({ ...index, IndexStatus: 'CREATING' }), calls);
    await ensureTables(doc, tablesFor(`creating-${randomUUID().slice(0, 8)}`), { waitMs: 5_000 });
    expect(calls.filter((c) => c === 'QueryCommand').length).toBeGreaterThan(0);
  });

  it('fails within its bound, naming the table and index, when an index neither turns ACTIVE nor answers', async () => {
    const calls: string[] = [];
    const prefix = `stuck-${randomUUID().slice(0, 8)}`;
    const doc = reshapingClient(
      (index) => ({ ...index, IndexStatus: 'CREATING', Backfilling: true }),
      calls,
      true,
    );
    const started = Date.now();
    await expect(ensureTables(doc, tablesFor(prefix), { waitMs: 1_500 })).rejects.toThrow(
      `table ${prefix}-licences was not usable after 2 s: index byHolder is CREATING (backfilling) and refuses queries`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
