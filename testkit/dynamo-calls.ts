import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB call as the SDK sent it: the operation and the table (and index) it named. */
export interface DynamoCall {
  readonly op: string;
  readonly table?: string;
  readonly index?: string;
  /** The partition key value a single-item call names, when it has a string `pk`. */
  readonly pk?: string;
  /** Capacity units the store reported (with `{ capacity: true }`): read or write units, table only. */
  readonly units?: number;
}

/** Operations that take `ReturnConsumedCapacity`. */
const METERED = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan']);

/** A key attribute as the document client (plain) or the low-level client (`{ S }`) holds it. */
const keyText = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof (value as { S?: unknown } | undefined)?.S === 'string'
      ? (value as { S: string }).S
      : undefined;

/**
 * Counts DynamoDB API calls through SDK middleware (what AWS bills per request): pass
 * `configure` to `createDynamoClient` or to the local stack's `configureDynamo`.
 */
export class DynamoCalls {
  private log: DynamoCall[] = [];

  /**
   * `capacity`: ask the store for `ReturnConsumedCapacity: 'TOTAL'` on every single-table call
   * and record the units (the embedded store reports the table's units as DynamoDB bills them by
   * item size; index writes are not included).
   */
  constructor(private readonly options: { readonly capacity?: boolean } = {}) {}

  readonly configure = (client: DynamoDBClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args.input ?? {}) as {
          TableName?: string;
          IndexName?: string;
          Key?: { pk?: unknown };
          Item?: { pk?: unknown };
          ReturnConsumedCapacity?: string;
        };
        const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        const metered = this.options.capacity === true && METERED.has(op);
        if (metered && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
        const call: { -readonly [K in keyof DynamoCall]: DynamoCall[K] } = {
          op,
          table: input.TableName,
          index: input.IndexName,
          pk: keyText(input.Key?.pk ?? input.Item?.pk),
        };
        this.log.push(call);
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } } | undefined)
          ?.ConsumedCapacity;
        if (metered && typeof consumed?.CapacityUnits === 'number') call.units = consumed.CapacityUnits;
        return result;
      },
      { step: 'initialize', name: 'yitongDynamoCalls' },
    );
  };

  reset(): void {
    this.log = [];
  }

  get calls(): readonly DynamoCall[] {
    return this.log;
  }

  total(): number {
    return this.log.length;
  }

  /** `GetItem 3, PutItem 2` — for a failure message a person can act on. */
  breakdown(): string {
    const counts = new Map<string, number>();
    for (const call of this.log) counts.set(call.op, (counts.get(call.op) ?? 0) + 1);
    return [...counts.entries()].map(([op, n]) => `${op} ${n}`).join(', ');
  }

  /** Every call, one a line: operation, table, partition key. */
  describe(): string {
    return this.log
      .map(
        (c) =>
          `${c.op} ${c.table ?? ''}${c.index ? `/${c.index}` : ''} ${c.pk ?? ''}${c.units === undefined ? '' : ` ${c.units} units`}`,
      )
      .join('\n');
  }
}
