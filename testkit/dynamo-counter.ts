import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB API call as the SDK sent it: the operation, its table and (for keyed calls) its key. */
export interface DynamoCall {
  readonly op: string;
  readonly table: string;
  readonly key?: string;
}

const keyOf = (input: Record<string, unknown>): string | undefined => {
  const batch = input.RequestItems as Record<string, { Keys?: Record<string, unknown>[] }> | undefined;
  if (batch) {
    const keys = Object.values(batch).flatMap((r) => r.Keys ?? []);
    if (keys.length) return keys.map((k) => `${String(k.pk)}|${String(k.sk ?? '')}`).join(' + ');
  }
  const key = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
  if (key && 'pk' in key) return `${String(key.pk)}|${String(key.sk ?? '')}`;
  if (typeof input.IndexName === 'string') return `index ${input.IndexName}`;
  return undefined;
};

/**
 * Counts DynamoDB API calls (what AWS would bill) through SDK middleware on the store client:
 * pass `configure` as the stack's `configureDynamo`. Tests and benchmarks share it.
 */
export class DynamoCallCounter {
  private log: DynamoCall[] = [];

  readonly configure = (client: DynamoDBClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        const input = (args.input ?? {}) as Record<string, unknown>;
        const table =
          input.TableName ?? Object.keys((input.RequestItems as object | undefined) ?? {}).join(',');
        this.log.push({ op, table: String(table), key: keyOf(input) });
        return next(args);
      },
      { step: 'initialize', name: 'yitongCallCounter' },
    );
  };

  reset(): void {
    this.log = [];
  }

  /** Every call since the last reset, in order. */
  calls(): readonly DynamoCall[] {
    return [...this.log];
  }

  /** Calls since the last reset; `tables` narrows to those whose table name includes one of them. */
  total(filter: { readonly tables?: readonly string[]; readonly except?: readonly string[] } = {}): number {
    return this.log.filter(
      (c) =>
        (!filter.tables || filter.tables.some((t) => c.table.includes(t))) &&
        !(filter.except ?? []).some((t) => c.table.includes(t)),
    ).length;
  }

  /** "GetItem 3, PutItem 2" in the order first seen. */
  breakdown(): string {
    const counts = new Map<string, number>();
    for (const { op } of this.log) counts.set(op, (counts.get(op) ?? 0) + 1);
    return [...counts.entries()].map(([op, n]) => `${op} ${n}`).join(', ');
  }
}
