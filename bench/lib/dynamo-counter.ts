import {
  type AttributeValue,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

/**
 * What one operation cost in DynamoDB: API calls by operation, and the read and write units
 * AWS would bill for them.
 */
export interface DynamoCost {
  readonly calls: number;
  /** Calls per operation name, e.g. `GetItem 3, PutItem 2`. */
  readonly breakdown: string;
  readonly readUnits: number;
  /** Table writes plus index writes. */
  readonly writeUnits: number;
  /** The part of `writeUnits` spent keeping global secondary indexes up to date. */
  readonly indexWriteUnits: number;
  /** Calls by operation and kind of item (when measured with `measure`), e.g. `GetItem account 3`. */
  readonly items: string;
  /** Signatures made (each a KMS `Sign` call on AWS), by key purpose, when the caller counted them. */
  readonly kmsSigns?: string;
  /** The same, as a number. */
  readonly kmsSignCount?: number;
}

type Item = Record<string, AttributeValue>;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const CAPACITY_OPERATIONS = new Set([...WRITES, 'GetItem', 'BatchGetItem', 'Query', 'Scan']);

/** An attribute value's size as DynamoDB counts it: UTF-8 bytes of names and values. */
const valueSize = (value: AttributeValue): number => {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  if (value.BS) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  if (value.M) return 3 + Object.keys(value.M).length + itemSize(value.M);
  return 0;
};
const itemSize = (item: Item): number =>
  Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name) + valueSize(value), 0);
/**
 * The kind of item a call is about: the partition key up to its first `#` (an OIDC model's
 * name for the adapter's `oidc#Model#id`), or the index a query reads.
 */
const itemKindOf = (op: string, input: Record<string, unknown>): string => {
  if (input.IndexName) return `index ${String(input.IndexName)}`;
  const item = (op === 'PutItem' ? input.Item : input.Key) as Item | undefined;
  const pk = item?.pk?.S ?? item?.id?.S;
  if (!pk) {
    if (op === 'Query') {
      const values = Object.values((input.ExpressionAttributeValues ?? {}) as Item);
      const first = values[0]?.S;
      if (first)
        return first
          .split('#')
          .slice(0, first.startsWith('oidc#') ? 2 : 1)
          .join('#');
    }
    return op.startsWith('Batch') ? 'batch' : String(input.TableName ?? '?');
  }
  return pk
    .split('#')
    .slice(0, pk.startsWith('oidc#') ? 2 : 1)
    .join('#');
};
const writeUnitsOf = (item: Item) => Math.max(1, Math.ceil(itemSize(item) / 1024));

/**
 * Counts DynamoDB API calls by operation, through SDK middleware, and the capacity they use:
 * every command asks for `ReturnConsumedCapacity: 'INDEXES'` and the units the store returns
 * are summed. The embedded store (dynalite) returns them for the table only, so index writes
 * are worked out as DynamoDB bills them: each write reads the item before and after (through a
 * client of its own, not counted) and charges 1 KB write units for every global secondary index
 * entry it puts, changes or removes — two when an index key changes (a delete and a put).
 * A conditional write that fails still costs the existing item's size, at least 1 unit.
 * A query returning nothing still costs the minimum read (0.5 units eventually consistent).
 *
 * Index accounting needs those extra reads, so it runs only while `detailed` is on (set it
 * around the operations being costed, not while timing).
 */
export class DynamoCallCounter {
  private counts = new Map<string, number>();
  private readUnits = 0;
  private tableWriteUnits = 0;
  private indexWriteUnits = 0;
  /** Operations whose response carried no ConsumedCapacity (so their units were computed). */
  private computed = new Map<string, number>();
  detailed = false;
  /** While `detailed`: calls by operation and kind of item, e.g. `GetItem account` (see `itemKinds`). */
  private kinds = new Map<string, number>();
  private rawClient: Promise<DynamoDBClient> | undefined;
  private readonly tables = new Map<string, Promise<TableDescription>>();

  readonly configure = (client: DynamoDBClient): void => {
    // A client of the counter's own for the reads around writes, on the same endpoint.
    this.rawClient ??= (async () => {
      const at = await client.config.endpoint?.();
      return new DynamoDBClient({
        region: 'local',
        endpoint: at ? `${at.protocol}//${at.hostname}${at.port ? `:${at.port}` : ''}${at.path}` : undefined,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      });
    })();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'yitongCallCounter' },
    );
    // Before serialising (the document client copies top-level fields as they are).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        if (CAPACITY_OPERATIONS.has(op))
          (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
        return next(args);
      },
      { step: 'serialize', priority: 'high', name: 'yitongReturnConsumedCapacity' },
    );
    // At the build step the input is marshalled (the document client marshals just before serialising).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        const input = args.input as Record<string, unknown>;
        if (!CAPACITY_OPERATIONS.has(op)) return next(args);
        if (this.detailed) {
          const what = `${op} ${itemKindOf(op, input)}`;
          this.kinds.set(what, (this.kinds.get(what) ?? 0) + 1);
        }
        const writes = this.detailed && WRITES.has(op) ? this.writesOf(op, input) : [];
        const before = await Promise.all(writes.map((w) => this.read(w.table, w.key)));
        let output: Awaited<ReturnType<typeof next>>;
        try {
          output = await next(args);
        } catch (err) {
          if (err instanceof Error && err.name === 'ConditionalCheckFailedException') {
            this.tableWriteUnits += before[0] ? writeUnitsOf(before[0]) : 1;
          }
          throw err;
        }
        const consumed = (output.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Array<{
          CapacityUnits?: number;
        }>;
        let units = entries.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
        if (!entries.length) this.computed.set(op, (this.computed.get(op) ?? 0) + 1);
        if (WRITES.has(op)) {
          this.tableWriteUnits += units;
          if (writes.length) {
            const after = await Promise.all(writes.map((w) => this.read(w.table, w.key)));
            for (let i = 0; i < writes.length; i++) {
              this.indexWriteUnits += await this.indexWrites(writes[i]!.table, before[i], after[i]);
            }
          }
        } else {
          if (op === 'Query' || op === 'Scan')
            units = Math.max(units, input.ConsistentRead === true ? 1 : 0.5);
          this.readUnits += units;
        }
        return output;
      },
      { step: 'build', priority: 'high', name: 'yitongCapacityCounter' },
    );
  };

  /** The items a write touches: table and key (marshalled). */
  private writesOf(
    op: string,
    input: Record<string, unknown>,
  ): Array<{ table: string; key: () => Promise<Item> }> {
    const table = String(input.TableName ?? '');
    if (op === 'PutItem') return [{ table, key: () => this.keyOf(table, input.Item as Item) }];
    if (op === 'UpdateItem' || op === 'DeleteItem') return [{ table, key: async () => input.Key as Item }];
    const requests = (input.RequestItems ?? {}) as Record<
      string,
      Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>
    >;
    return Object.entries(requests).flatMap(([name, list]) =>
      list.map((r) => ({
        table: name,
        key: async () => (r.PutRequest ? this.keyOf(name, r.PutRequest.Item) : r.DeleteRequest!.Key),
      })),
    );
  }

  private describe(table: string): Promise<TableDescription> {
    let found = this.tables.get(table);
    if (!found) {
      found = this.rawClient!.then((raw) => raw.send(new DescribeTableCommand({ TableName: table }))).then(
        (r) => r.Table!,
      );
      this.tables.set(table, found);
    }
    return found;
  }

  private async keyOf(table: string, item: Item): Promise<Item> {
    const { KeySchema } = await this.describe(table);
    return Object.fromEntries((KeySchema ?? []).map((k) => [k.AttributeName!, item[k.AttributeName!]!]));
  }

  private async read(table: string, key: () => Promise<Item>): Promise<Item | undefined> {
    const raw = await this.rawClient!;
    const { Item } = await raw.send(
      new GetItemCommand({ TableName: table, Key: await key(), ConsistentRead: true }),
    );
    return Item;
  }

  /** Write units a table write spends on its global secondary indexes, as DynamoDB bills them. */
  private async indexWrites(table: string, before: Item | undefined, after: Item | undefined) {
    const description = await this.describe(table);
    const tableKeys = (description.KeySchema ?? []).map((k) => k.AttributeName!);
    let units = 0;
    for (const index of description.GlobalSecondaryIndexes ?? []) {
      const keys = (index.KeySchema ?? []).map((k) => k.AttributeName!);
      const entry = (item: Item | undefined): Item | undefined => {
        if (!item || !keys.every((k) => item[k] !== undefined)) return undefined;
        const projection = index.Projection?.ProjectionType ?? 'ALL';
        if (projection === 'ALL') return item;
        const names = [...tableKeys, ...keys, ...(index.Projection?.NonKeyAttributes ?? [])];
        return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]!]));
      };
      const old = entry(before);
      const now = entry(after);
      if (!old && now) units += writeUnitsOf(now);
      else if (old && !now) units += writeUnitsOf(old);
      else if (old && now) {
        const keyChanged = keys.some((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));
        if (keyChanged) units += writeUnitsOf(old) + writeUnitsOf(now);
        else if (JSON.stringify(old) !== JSON.stringify(now))
          units += Math.max(writeUnitsOf(old), writeUnitsOf(now));
      }
    }
    return units;
  }

  reset(): void {
    this.counts = new Map();
    this.kinds = new Map();
    this.readUnits = 0;
    this.tableWriteUnits = 0;
    this.indexWriteUnits = 0;
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  breakdown(): string {
    return [...this.counts.entries()].map(([op, n]) => `${op} ${n}`).join(', ');
  }

  /** Calls and units since the last reset. */
  cost(): DynamoCost {
    return {
      calls: this.total(),
      breakdown: this.breakdown(),
      readUnits: this.readUnits,
      writeUnits: this.tableWriteUnits + this.indexWriteUnits,
      indexWriteUnits: this.indexWriteUnits,
      items: this.itemKinds(),
    };
  }

  /** Calls by operation and kind of item since the last reset, counted while `detailed`: where the calls go. */
  itemKinds(): string {
    return [...this.kinds.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([what, n]) => `${what} ${n}`)
      .join(', ');
  }

  /** Operations the store answered without ConsumedCapacity, since the counter was made. */
  missingCapacity(): string {
    return [...this.computed.entries()].map(([op, n]) => `${op} ${n}`).join(', ');
  }

  /** Runs `operation` with index accounting on and returns what it cost. */
  async measure(operation: () => Promise<unknown>): Promise<DynamoCost> {
    this.reset();
    this.detailed = true;
    try {
      await operation();
    } finally {
      this.detailed = false;
    }
    return this.cost();
  }

  async destroy(): Promise<void> {
    (await this.rawClient)?.destroy();
  }
}

/** `7 calls (GetItem 3, …); 3.5 RRU, 9 WRU (4 for indexes)` */
export const describeCost = (cost: DynamoCost): string =>
  `${cost.calls} (${cost.breakdown}); ${cost.readUnits} RRU, ${cost.writeUnits} WRU (${cost.indexWriteUnits} index)`;
