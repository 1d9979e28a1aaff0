import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCallCounter } from '../../bench/lib/dynamo-counter.ts';
import { startEmbeddedStore } from '../../infra/local/embedded-store.ts';
import { createDynamoClient, ensureTables, IDENTITY_INDEXES } from '../../libs/store/index.ts';

const tables = { identity: 'counter-identity', licences: 'counter-licences', audit: 'counter-audit' };

describe('the benchmark DynamoDB counter', () => {
  let store: Awaited<ReturnType<typeof startEmbeddedStore>>;
  const counter = new DynamoCallCounter();
  let doc: ReturnType<typeof createDynamoClient>;

  beforeAll(async () => {
    store = await startEmbeddedStore();
    doc = createDynamoClient({ endpoint: store.endpoint, configure: counter.configure });
    await ensureTables(doc, tables);
  });
  afterAll(async () => {
    doc.destroy();
    await counter.destroy();
    await store.close();
  });

  const key = { pk: 'counted#1', sk: 'x' };

  it('sums the units the store returns and bills index writes as DynamoDB does', async () => {
    // A new item in one sparse index (uid): one table write, one index write.
    const put = await counter.measure(() =>
      doc.send(new PutCommand({ TableName: tables.identity, Item: { ...key, uid: 'Session#a', v: 1 } })),
    );
    expect(put).toMatchObject({
      calls: 1,
      writeUnits: 2,
      indexWriteUnits: 1,
      readUnits: 0,
      items: 'PutItem counted 1',
    });

    // The index key changes: a delete and a put in the index.
    const moved = await counter.measure(() =>
      doc.send(
        new UpdateCommand({
          TableName: tables.identity,
          Key: key,
          UpdateExpression: 'SET #u = :u',
          ExpressionAttributeNames: { '#u': 'uid' },
          ExpressionAttributeValues: { ':u': 'Session#b' },
        }),
      ),
    );
    expect(moved).toMatchObject({ calls: 1, writeUnits: 3, indexWriteUnits: 2 });

    // An item larger than 1 KB costs more than one unit, in the table and in the index.
    const big = await counter.measure(() =>
      doc.send(
        new PutCommand({
          TableName: tables.identity,
          Item: { ...key, uid: 'Session#b', v: 'x'.repeat(1500) },
        }),
      ),
    );
    expect(big).toMatchObject({ writeUnits: 4, indexWriteUnits: 2 });

    // A strongly consistent read of a 1.5 KB item: one unit; a query on the index, eventually consistent.
    const read = await counter.measure(() =>
      doc.send(new GetCommand({ TableName: tables.identity, Key: key, ConsistentRead: true })),
    );
    expect(read).toMatchObject({ calls: 1, readUnits: 1, writeUnits: 0 });
    const query = await counter.measure(() =>
      doc.send(
        new QueryCommand({
          TableName: tables.identity,
          IndexName: IDENTITY_INDEXES.byUid,
          KeyConditionExpression: 'uid = :u',
          ExpressionAttributeValues: { ':u': 'Session#nobody' },
        }),
      ),
    );
    expect(query.readUnits).toBe(0.5);
    expect(query.items).toBe(`Query index ${IDENTITY_INDEXES.byUid} 1`);

    // Deleting removes the index entry too.
    const gone = await counter.measure(() =>
      doc.send(new DeleteCommand({ TableName: tables.identity, Key: key })),
    );
    expect(gone).toMatchObject({ calls: 1, indexWriteUnits: 2 });
    expect(gone.writeUnits).toBe(4);
    expect(counter.missingCapacity()).toBe('');
  });

  it('charges a failed conditional write', async () => {
    await doc.send(new PutCommand({ TableName: tables.identity, Item: { pk: 'cond#1', sk: 'x' } }));
    const failed = await counter.measure(() =>
      doc
        .send(
          new PutCommand({
            TableName: tables.identity,
            Item: { pk: 'cond#1', sk: 'x', uid: 'Session#c' },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
        .catch((err: Error) => err.name),
    );
    expect(failed).toMatchObject({ calls: 1, writeUnits: 1, indexWriteUnits: 0 });
  });
});
